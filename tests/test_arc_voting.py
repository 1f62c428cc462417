"""Voting: de-augment, group identical grids, rank by count then confidence."""

from __future__ import annotations

import numpy as np
import pytest

from gram_envs.arc.augment import augment, variant_table
from gram_envs.arc.data import pad_grids
from gram_envs.arc.voting import vote


def _grid(v: int, shape=(2, 3)) -> np.ndarray:
    return np.full(shape, v, dtype=np.int8)


def test_vote_undoes_augmentation_and_counts() -> None:
    truth = np.array([[1, 2, 0], [3, 4, 5]], dtype=np.int8)
    ks, perms = variant_table(1, 8, seed=0)
    g, s = pad_grids([truth] * 8)
    aug_g, aug_s = augment(g, s, ks[0].astype(np.int64), perms[0].astype(np.int64))
    # 5 variants predict the truth (in their frame), 3 predict junk
    junk_g, junk_s = pad_grids([_grid(7, (4, 4))] * 3)
    aug_g[5:], aug_s[5:] = junk_g, junk_s
    top = vote(aug_g[None], aug_s[None], 2, dihedral=ks[None], perms=perms[None])
    assert tuple(top["shapes"][0, 0]) == (2, 3)
    assert np.array_equal(top["grids"][0, 0, :2, :3], truth)
    assert top["votes"][0].tolist()[0] == 5


def test_ties_broken_by_confidence_then_order() -> None:
    g, s = pad_grids([_grid(1), _grid(2), _grid(1), _grid(2), _grid(3)])
    conf = np.array([[0.1, 0.9, 0.1, 0.9, 1.0]])
    top = vote(g[None], s[None], 3, confidence=conf)
    assert [int(x[0, 0]) for x in top["grids"][0]] == [2, 1, 3]
    assert top["votes"][0].tolist() == [2, 2, 1]
    top = vote(g[None], s[None], 2)
    assert [int(x[0, 0]) for x in top["grids"][0]] == [1, 2]  # no confidence: first seen wins


def test_rows_are_independent_and_missing_ranks_empty() -> None:
    g, s = pad_grids([_grid(1), _grid(1), _grid(4), _grid(5)])
    g, s = g.reshape(2, 2, 30, 30), s.reshape(2, 2, 2)
    s[1, 1] = 0  # an empty candidate is ignored
    top = vote(g, s, 3)
    assert top["votes"].tolist() == [[2, 0, 0], [1, 0, 0]]
    assert top["shapes"][0, 1].tolist() == [0, 0]
    assert int(top["grids"][1, 0, 0, 0]) == 4


def test_vote_feeds_evaluate() -> None:
    import gymnasium as gym

    import gram_envs  # noqa: F401

    env = gym.make("GRAM/ARC-AGI-1", data_path="fixtures").unwrapped
    ids = env.instance_ids("evaluation")
    truth_g, truth_s = env.data.test_outputs[ids], env.data.test_output_shapes[ids]
    cand_g = np.stack([truth_g, np.zeros_like(truth_g), truth_g], axis=1)
    cand_s = np.stack([truth_s, truth_s, truth_s], axis=1)
    top = vote(cand_g, cand_s, 2)
    res = env.evaluate(ids, {"grid": top["grids"], "shape": top["shapes"]})
    assert res["metrics"]["pass@1"] == 1.0


def test_vote_bad_shapes() -> None:
    with pytest.raises(ValueError):
        vote(np.zeros((2, 30, 30)), np.zeros((2, 2)), 2)
