"""python-constraint (1.4.0) models: slow, independent reference oracles for the tests.

These deliberately share no code with the fast solvers, so agreement between the two
is evidence that both are right.
"""
