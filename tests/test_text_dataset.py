"""reasoning-gym compatible datasets, registration into the real reasoning-gym, and export."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gram_envs.text import DATASETS, create_dataset, load_rows, score_answer, score_group
from gram_envs.text.export import main as export_main


def test_entries_are_deterministic_from_seed_and_index() -> None:
    a = create_dataset("gram_nqueens", size=6, seed=7)
    b = create_dataset("gram_nqueens", size=6, seed=7)
    c = create_dataset("gram_nqueens", size=6, seed=8)
    assert len(a) == 6 and [a[i] for i in range(6)] == list(b)
    assert [e["metadata"]["instance_id"] for e in a] != [e["metadata"]["instance_id"] for e in c]
    assert list(a) == list(a)  # iterating twice restarts
    with pytest.raises(IndexError):
        a[6]
    meta = a[0]["metadata"]
    assert meta["source_dataset"] == "gram_nqueens" and meta["source_index"] == 0
    assert meta["env_id"] == "GRAM/NQueens-8" and meta["split"] == "train"
    assert meta["instance_id"] in set(a.task.split_ids("train").tolist())
    assert meta["num_solutions"] == len(a.task.solutions(meta["instance_id"]))
    json.dumps(a[0])  # entries are plain JSON


def test_seedless_dataset_draws_a_seed() -> None:
    ds = create_dataset("gram_nqueens", size=2)
    assert isinstance(ds.seed, int) and ds[0] == ds[0]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("gram_nqueens", {"n": 6}), ("gram_graph_coloring", {}), ("gram_sudoku", {"split": "test"}),
     ("gram_arc", {"data_path": "fixtures"}), ("gram", {"env_id": "GRAM/NQueens-10", "split": "test"})],
)
def test_every_dataset_scores_its_own_answers(name: str, kwargs: dict) -> None:
    ds = create_dataset(name, size=3, seed=0, **kwargs)
    for entry in ds:
        assert entry["question"].isascii()
        assert ds.score_answer(entry["answer"], entry) == 1.0
        assert score_answer("no board here", entry) == 0.0
        meta = entry["metadata"]
        sols = ds.task.solutions(meta["instance_id"])
        assert meta["num_solutions"] == len(sols)
        # every valid completion scores 1.0, not just the reference answer
        assert all(ds.score_answer(ds.task.render_answer(s), entry) == 1.0 for s in sols[:20])


def test_bad_configs_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        create_dataset("n_queens")
    with pytest.raises(ValueError, match="n must be an int in"):
        create_dataset("gram_nqueens", n=13)
    with pytest.raises(ValueError, match="size"):
        create_dataset("gram_nqueens", size=0)
    with pytest.raises(ValueError, match="partial_credit"):
        create_dataset("gram_nqueens", partial_credit=1.5)
    with pytest.raises(ValueError, match="unknown split"):
        create_dataset("gram_nqueens", split="dev")[0]
    with pytest.raises(ValueError, match="version"):
        create_dataset("gram_arc", version="arc-agi-3")


def test_reasoning_gym_create_dataset_and_score_fn() -> None:
    rg = pytest.importorskip("reasoning_gym")
    from gram_envs.text import register_reasoning_gym

    assert register_reasoning_gym() == list(DATASETS)
    register_reasoning_gym()  # idempotent
    ds = rg.create_dataset("gram_nqueens", size=5, seed=42)
    assert isinstance(ds, rg.dataset.ProceduralDataset) and len(ds) == 5
    ours = create_dataset("gram_nqueens", size=5, seed=42)
    assert list(ds) == list(ours)
    for entry in ds:
        score_fn = rg.get_score_answer_fn(entry["metadata"]["source_dataset"])
        assert score_fn(answer=entry["answer"], entry=entry) == 1.0
        assert score_fn(answer="Q", entry=entry) == 0.0
        assert score_fn(answer=None, entry=entry) == 0.0
        boxed = rg.utils.extract_answer(f"thinking...<answer>\n{entry['answer']}\n</answer>")
        assert score_fn(answer=boxed, entry=entry) == 1.0
    arc = rg.create_dataset("gram_arc", size=2, seed=1, data_path="fixtures")
    entry = arc[0]
    assert rg.get_score_answer_fn("gram_arc")(entry["answer"], entry) == 1.0
    with pytest.raises(ValueError):
        rg.create_dataset("gram_graph_coloring", n=9)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_export_rows_load_back_for_scoring(tmp_path, fmt: str, capsys) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"nq8.{fmt}"
    assert export_main(["--env", "GRAM/NQueens-8", "--split", "test", "--format", fmt, "--out", str(out),
                        "--limit", "25"]) == 0
    assert "wrote 25 rows" in capsys.readouterr().out
    rows = load_rows(out)
    assert len(rows) == 25
    ids = [r["metadata"]["instance_id"] for r in rows]
    from gram_envs.text import text_task

    task = text_task("GRAM/NQueens-8")
    assert ids == task.split_ids("test")[:25].tolist()
    for row in rows:
        assert set(row) == {"question", "answer", "metadata"}
        assert score_answer(row["answer"], row) == 1.0
        sols = task.solutions(row["metadata"]["instance_id"])
        g = score_group([task.render_answer(s) for s in sols], row)
        assert g["coverage"] == 1.0 and g["distinct_valid"] == len(sols)


def test_export_defaults_and_user_errors(tmp_path, capsys) -> None:
    out = tmp_path / "gc.jsonl"
    assert export_main(["--env", "GRAM/GraphColoring-8", "--out", str(out), "--limit", "3"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["metadata"]["split"] for r in rows] == ["test"] * 3
    assert export_main(["--env", "GRAM/NQueens-9", "--out", str(out)]) == 2
    assert "registered GRAM puzzle id" in capsys.readouterr().err
    assert export_main(["--env", "GRAM/NQueens-8", "--out", str(tmp_path / "x.csv")]) == 2
    assert "format must be one of" in capsys.readouterr().err
    assert export_main(["--env", "GRAM/NQueens-8", "--split", "dev", "--out", str(out)]) == 2
    assert export_main(["--env", "GRAM/NQueens-8", "--env-kwargs", "[1]", "--out", str(out)]) == 2
    assert np.all([r["metadata"]["env_id"] == "GRAM/GraphColoring-8" for r in load_rows(out)])
