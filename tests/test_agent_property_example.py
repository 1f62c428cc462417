"""A complete property test of an agent's generated answers against the envs' ground truth.

This is the example of docs/environments.md ("Property-testing an agent"): swap ``NoisyOracle``
for your agent and the same properties hold for any correct scorer.
"""

import numpy as np
import pytest
from hypothesis import given, settings

import gram_envs  # noqa: F401  (registers the GRAM/... ids)
from gram_envs.testing import registered_instances


class NoisyOracle:
    """A stand-in agent: each sample is a stored solution or a random board (replace it with yours)."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)

    def generate(self, env, instance_id: int, samples: int) -> np.ndarray:
        sols = env.solutions(instance_id)
        space = env.action_space
        noise = self.rng.integers(space.start, space.start + space.nvec, size=(samples, *space.shape))
        stored = sols[self.rng.integers(len(sols), size=samples)]
        return np.where(self.rng.random(samples)[:, None, None] < 0.5, stored, noise)


SMALL = {"GRAM/Sudoku-v0": {"n_train": 20, "n_test": 5}}


@settings(max_examples=20, deadline=None)
@given(registered_instances(["GRAM/NQueens-8", "GRAM/Sudoku-v0"], make_kwargs=SMALL))
def test_generated_answers_agree_with_the_ground_truth(item) -> None:
    env, inst, sols = item.env, item.instance_id, item.solutions
    answers = NoisyOracle(seed=inst).generate(env, inst, samples=16)
    res = env.evaluate([inst], answers[None])
    valid, index = res["valid"][0], res["solution_index"][0]
    # valid exactly when the answer is one of the instance's solutions
    in_set = (answers[:, None] == sols[None]).all(axis=(-2, -1)).any(axis=1)
    assert np.array_equal(valid, in_set)
    # a valid answer's solution_index points at that very solution; an invalid one gets -1
    assert np.array_equal(sols[index[valid]], answers[valid]) and (index[~valid] == -1).all()
    # valid answers break no rule
    assert (res["conflicts"][0][valid] == 0).all()
    # accuracy and coverage as the GRAM paper defines them, recomputed by hand
    metrics = res["metrics"]
    assert metrics["accuracy"] == pytest.approx(valid.mean())
    assert metrics["coverage"] == pytest.approx(len(np.unique(index[valid])) / len(sols))
