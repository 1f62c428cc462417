"""Shared machinery of every family: env base, solution sets, metrics, datasets, cache."""
