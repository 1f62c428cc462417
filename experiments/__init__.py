"""Experiment drivers behind the published results: run as ``python -m experiments.NAME``."""
