"""Exact CSP solvers: fast solvers for volume, python-constraint models as the reference oracle.

No torch, no gymnasium here: ``gram_envs`` depends on this package, never the reverse.
"""

from solvers.base import ExactSolver

__all__ = ["ExactSolver"]
