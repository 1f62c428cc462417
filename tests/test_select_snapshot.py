"""experiments.select_snapshot on a tiny CPU run: benchmarks.train_gpu keeps snapshots, the choice is made on
training inputs by the schedule rule, and --adopt puts the chosen model in ckpt/ (the final kept)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
evaluation = pytest.importorskip("gram_agent.evaluation")
ROOT = Path(__file__).resolve().parents[1]


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "weights.safetensors"))


def test_snapshots_are_chosen_on_training_inputs_and_adopted(tmp_path):
    run = tmp_path / "run"
    env = {**os.environ, "GRAM_CACHE_DIR": str(tmp_path / "cache")}
    train = [sys.executable, "-m", "benchmarks.train_gpu", "--env", "GRAM/GraphColoring-v0",
             "--env-kwargs", json.dumps({"n": 5, "p": 0.5, "num_train": 30, "num_test": 6}), "--preset", "tiny",
             "--minutes", "2", "--eval-reserve-s", "1", "--samples", "0", "--no-compile", "--out-dir", str(run),
             "--set", "max_steps=8", "--set", "log_every=2", "--set", "snapshot_every=2", "--set", "snapshot_from=4"]
    done = subprocess.run(train, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in (run / "snapshots").iterdir()) == ["step0000004", "step0000006", "step0000008"]
    # the snapshot of the final step is the final checkpoint: not a second candidate
    assert [name for name, _ in evaluation.snapshot_candidates(run)] == ["final", "step 4", "step 6"]
    final_weights = _weights(run / "ckpt")

    cmd = [sys.executable, "-m", "experiments.select_snapshot", str(run), "--samples", "4",
           "--select-instances", "12", "--adopt"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads((run / "snapshot_selection.json").read_text())
    rows = {r["name"]: r for r in out["candidates"]}
    assert list(rows) == ["final", "step 4", "step 6"] and out["select_instances"] == 12 and out["adopted"]
    assert out["final_step"] == 8 and [rows[n]["step"] for n in ("step 4", "step 6")] == [4, 6]
    # the rule: the best coverage among those at least as accurate as the bar (the final's, capped)
    assert out["min_accuracy"] == min(0.99, rows["final"]["select"]["accuracy"])
    ok = [r for r in rows.values() if r["select"]["accuracy"] >= out["min_accuracy"]]
    assert rows[out["chosen"]]["select"]["coverage"] == max(r["select"]["coverage"] for r in ok)
    # adopted: ckpt/ holds the chosen model, ckpt_final/ the final one
    chosen = _weights(run / "snapshots" / f"step{out['chosen_step']:07d}") if out["chosen"] != "final" else final_weights
    for k, v in _weights(run / "ckpt").items():
        assert torch.equal(v, chosen[k]), k
    for k, v in _weights(run / "ckpt_final").items():
        assert torch.equal(v, final_weights[k]), k
    # a second selection reads the final from ckpt_final/ and keeps it there
    assert evaluation.snapshot_candidates(run)[0][1] == run / "ckpt_final"


def test_candidates_name_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="no final checkpoint"):
        evaluation.snapshot_candidates(tmp_path)
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "weights.safetensors").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="snapshot_every"):
        evaluation.snapshot_candidates(tmp_path)


def test_adopting_the_final_checkpoint_keeps_it_in_both_places(tmp_path):
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "weights.safetensors").write_bytes(b"final")
    evaluation.adopt_snapshot(tmp_path, tmp_path / "ckpt")
    assert (tmp_path / "ckpt" / "weights.safetensors").read_bytes() == b"final"
    assert (tmp_path / "ckpt_final" / "weights.safetensors").read_bytes() == b"final"


def test_run_table1_adopts_the_chosen_snapshot_before_its_analysis(tmp_path, monkeypatch):
    """A job whose run keeps snapshots goes train -> selection -> analysis, and the stored results hold
    the selection beside the analysis of the adopted checkpoint."""
    rt = pytest.importorskip("experiments.run_table1")
    monkeypatch.setenv("GRAM_CACHE_DIR", str(tmp_path / "cache"))
    job = ("gram", ["--env", "GRAM/GraphColoring-v0", "--model", "gram",
                    "--env-kwargs", json.dumps({"n": 5, "p": 0.5, "num_train": 30, "num_test": 6}),
                    "--set", "max_steps=6", "--set", "log_every=2", "--set", "snapshot_every=2", "--no-compile"],
           ["--samples", "4"], False)
    monkeypatch.setitem(rt.RUNS, "tiny-snap", job)
    monkeypatch.setattr(sys, "argv", ["run_table1.py", "--jobs", "tiny-snap", "--minutes", "2", "--preset", "tiny",
                                      "--work", str(tmp_path / "work"), "--out", str(tmp_path / "out"),
                                      "--keep-ckpt", "tiny-snap", "--temperatures"])
    assert rt.main() == 0
    stored = tmp_path / "out" / "tiny-snap"
    selection = json.loads((stored / "snapshot_selection.json").read_text())
    assert selection["adopted"] and [r["name"] for r in selection["candidates"]] == ["final", "step 2", "step 4"]
    assert (stored / "analysis.json").exists() and not (stored / "selection.log").exists()  # logs are not kept
    assert "history" not in json.loads((stored / "results.json").read_text())
    assert json.loads((stored / "ckpt" / "task.json").read_text())["meta"]["step"] == selection["chosen_step"]
    assert not (stored / "snapshots").exists()  # snapshots stay in --work
