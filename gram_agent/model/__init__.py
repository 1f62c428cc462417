"""GRAM / TRM model: layers, guidance, heads and the recursive core."""

from gram_agent.model.core import RecursiveModel

__all__ = ["RecursiveModel"]
