"""Sudoku family: exact solver-backed envs, the shipped Sudoku-Extreme set, augmentation."""
