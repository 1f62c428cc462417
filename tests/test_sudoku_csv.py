"""Issue 25 item 5: public-format Sudoku-Extreme CSV files (source,question,answer,rating) in a Sudoku env.

Every file here is written by the test itself from the shipped puzzles; nothing is downloaded.
"""

from __future__ import annotations

import gzip

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import gram_envs  # noqa: F401
from gram_envs.sudoku.csv_format import load_sudoku_csv
from gram_envs.sudoku.env import load_extreme
from solvers.sudoku import to_string

HEADER = "source,question,answer,rating"
D = load_extreme()


def good_row(i: int, blank: str = ".") -> str:
    q = to_string(D["puzzles"][i]).replace(".", blank)
    return f"src{i},{q},{to_string(D['solutions'][i])},{int(D['ratings'][i])}"


def write(path, rows: list[str]) -> str:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return str(path)


def test_good_file_serves_every_row(tmp_path) -> None:
    rows = [good_row(i, blank=".0"[i % 2]) for i in range(6)]
    env = gym.make("GRAM/Sudoku-Extreme", path=write(tmp_path / "test.csv", rows), split="test").unwrapped
    check_env(env)
    ids = env.instance_ids("test")
    assert len(ids) == 6 and len(env.instance_ids("train")) == 0
    assert np.array_equal(env.puzzle_set.puzzles, D["puzzles"][:6])
    sols = np.stack([env.solutions(int(i))[0] for i in ids])
    assert np.array_equal(sols, D["solutions"][:6])
    assert env.evaluate(ids, sols[:, None])["valid"].all()
    _, info = env.reset(options={"index": 2})
    assert info["rating"] == int(D["ratings"][2]) and info["source"] == "src2"
    with pytest.raises(ValueError, match="no instances"):
        env.reset(options={"split": "train"})


def test_train_and_test_files_and_gzip(tmp_path) -> None:
    train = write(tmp_path / "train.csv", [good_row(i) for i in range(4)])
    gz = tmp_path / "test.csv.gz"
    gz.write_bytes(gzip.compress(("\n".join([HEADER, good_row(10), good_row(11)]) + "\n").encode()))
    env = gym.make("GRAM/Sudoku-Extreme", path={"train": train, "test": str(gz)}).unwrapped
    assert len(env.instance_ids("train")) == 4 and len(env.instance_ids("test")) == 2
    assert env.dataset("train").augment is not None and len(env.dataset("test")) == 2
    assert np.array_equal(env.puzzle_set.puzzles[4:], D["puzzles"][10:12])


def _bad_rows() -> list[tuple[str, str]]:
    q, a = to_string(D["puzzles"][0]), to_string(D["solutions"][0])
    blank = q.index(".")
    wrong_given = q[:blank] + str(a[blank] == "1" and 2 or 1) + q[blank + 1 :]
    given_i = next(i for i, c in enumerate(q) if c != ".")
    swapped = a[:given_i] + str(int(a[given_i]) % 9 + 1) + a[given_i + 1 :]
    dup = a[:blank] + str(int(a[blank]) % 9 + 1) + a[blank + 1 :]  # a blank cell changed: a digit repeats
    return [
        (f"s,{q[:80]},{a},1", "question has 80 characters"),
        (f"s,{q}.,{a},1", "question has 82 characters"),
        (f"s,{q},{a[:80]},1", "answer has 80 characters"),
        (f"s,{q.replace('.', 'x', 1)},{a},1", "question has characters"),
        (f"s,{q},{a.replace(a[0], '0')},1", "answer has characters"),
        (f"s,{q},{a},high", "rating 'high' is not an integer"),
        (f"s,{q},{a}", "has 3 fields"),
        (f"s,{q},{swapped},1", "answer changes the given"),
        (f"s,{q},{dup},1", "answer is not a valid Sudoku grid"),
        (f"s,{'.' * 81},{a},1", "question has more than one solution"),
        (f"s,{wrong_given},{a},1", "answer changes the given"),
    ]


@settings(max_examples=25)
@given(st.lists(st.integers(0, len(_bad_rows()) - 1), min_size=1, max_size=4), st.integers(0, 3))
def test_bad_rows_are_refused_or_skipped_with_line_numbers(tmp_path_factory, bad_idx, n_good) -> None:
    rows, expect = [good_row(i) for i in range(n_good)], {}
    for k in bad_idx:
        row, reason = _bad_rows()[k]
        rows.append(row)
        expect[len(rows) + 1] = reason  # +1: the header is line 1
    path = write(tmp_path_factory.mktemp("csv") / "mixed.csv", rows)
    with pytest.raises(ValueError) as err:
        gym.make("GRAM/Sudoku-Extreme", path=path)
    for line, reason in expect.items():
        assert f"line {line}: {reason}" in str(err.value)
    if n_good == 0:
        with pytest.warns(UserWarning), pytest.raises(ValueError, match="no valid puzzle rows"):
            load_sudoku_csv(path, on_bad_row="skip")
        return
    with pytest.warns(UserWarning, match=f"skipped {len(expect)} bad row"):
        env = gym.make("GRAM/Sudoku-Extreme", path=path, on_bad_row="skip").unwrapped
    assert {b.line: b.reason for b in env.skipped_rows}.keys() == expect.keys()
    assert all(expect[b.line] in b.reason for b in env.skipped_rows)
    assert len(env.instance_ids("train")) == n_good


def test_bad_files_and_options(tmp_path) -> None:
    (tmp_path / "h.csv").write_text("split,puzzle,solution,rating\n" + good_row(0) + "\n")
    with pytest.raises(ValueError, match="header"):
        gym.make("GRAM/Sudoku-Extreme", path=str(tmp_path / "h.csv"))
    with pytest.raises(ValueError, match="does not exist"):
        gym.make("GRAM/Sudoku-Extreme", path=str(tmp_path / "missing.csv"))
    good = write(tmp_path / "g.csv", [good_row(0)])
    with pytest.raises(ValueError, match="on_bad_row"):
        gym.make("GRAM/Sudoku-Extreme", path=good, on_bad_row="keep")
    with pytest.raises(ValueError, match="'train' and/or 'test'"):
        gym.make("GRAM/Sudoku-Extreme", path={"valid": good})
    with pytest.raises(ValueError, match="path must be"):
        gym.make("GRAM/Sudoku-Extreme", path=3)


def test_checked_outcome_is_cached_by_content(tmp_path, monkeypatch) -> None:
    from gram_envs.sudoku import csv_format

    monkeypatch.setenv("GRAM_CACHE_DIR", str(tmp_path / "cache"))
    path = write(tmp_path / "a.csv", [good_row(0).replace("src0", "Grüße"), good_row(1)])
    first = load_sudoku_csv(path)
    calls = []
    monkeypatch.setattr(csv_format, "check_row", lambda *a: calls.append(a) or "must not be called")
    again = load_sudoku_csv(path)  # same bytes: the cached outcome, no row re-checked
    assert not calls
    assert np.array_equal(first.puzzles, again.puzzles) and list(first.sources) == list(again.sources)
    assert again.sources[0].startswith("Grüße")
    write(tmp_path / "a.csv", [good_row(0)])  # edited file: checked afresh
    with pytest.raises(ValueError, match="line 2: must not be called"):
        load_sudoku_csv(path)
