"""Shipped Sudoku-Extreme data (a package so that setuptools package-data ships the .txt.gz file)."""
