"""experiments.chain on a Sudoku recipe (tiny overrides, CPU): chunks resume, a compact pack moves
the run, the ledger keeps a learning curve, the end scores the test split, and curves plots it."""

from __future__ import annotations

import json

import pytest

from experiments import chain, curves


def test_sudoku_chain_keeps_a_curve_packs_compactly_and_scores(tmp_path) -> None:
    run, parts = tmp_path / "run", tmp_path / "parts"
    common = ["--recipe", "sx-gram", "--run-dir", str(run), "--device", "cpu", "--total-minutes", "0.15",
              "--chunk-minutes", "0.1", "--curve-instances", "3", "--curve-seconds", "5", "--instances", "3",
              "--set", "d_model=32", "--set", "n_heads=2", "--set", "T=1", "--set", "K=1", "--set", "n_sup=2",
              "--set", "batch_size=4", "--set", "compile=false",
              "--set", "guidance_hidden=32", "--set", "log_every=50", "--max-mib", "4"]
    chain.main([*common, "--pack", str(parts)])
    manifest = json.loads((parts / "ckpt.manifest.json").read_text())
    assert manifest["bytes"] <= 4 * 2**20 and manifest["transfer"]["carry"] == "dropped"
    assert not (parts / chain.COMPILE_CACHE).exists()  # nothing compiled on CPU: no cache file
    led = json.loads((run / "chain.json").read_text())
    assert len(led["curve"]) == 1 and (led["curve"][0]["instances"], led["curve"][0]["samples"]) == (3, 1)
    assert 0.0 <= led["curve"][0]["accuracy"] <= 1.0
    run2 = tmp_path / "run2"
    common2 = [a if a != str(run) else str(run2) for a in common]
    for _ in range(4):
        chain.main([*common2, "--unpack", str(parts)])
        led2 = json.loads((run2 / "chain.json").read_text())
        if led2.get("evaluated"):
            break
    assert led2["evaluated"] and len(led2["curve"]) >= 2
    assert [p["steps"] for p in led2["curve"]] == sorted(p["steps"] for p in led2["curve"])
    res = json.loads((run2 / "results.json").read_text())
    assert res["split"] == "test" and res["metrics"]["instances"] == 3 and "copy_baselines" not in res
    png = tmp_path / "curve.png"
    curves.main([str(run2), "--png", str(png), "--json", str(tmp_path / "curve.json")])
    assert png.stat().st_size > 0
    assert json.loads((tmp_path / "curve.json").read_text())["sx-gram"] == led2["curve"]
    with pytest.raises(ValueError, match="no learning curve"):
        curves.curves([str(tmp_path / "empty")])


def test_a_generation_chain_draws_its_curve_from_the_blank_board(tmp_path) -> None:
    """SudokuGen's test split is the blank board alone: the curve point is N samples of it."""
    run = tmp_path / "run"
    chain.main(["--recipe", "sudokugen-gram", "--run-dir", str(run), "--device", "cpu", "--total-minutes", "1",
                "--chunk-minutes", "0.1", "--curve-instances", "6", "--curve-seconds", "5",
                "--set", "d_model=32", "--set", "n_heads=2", "--set", "T=1", "--set", "K=1", "--set", "n_sup=2",
                "--set", "batch_size=4", "--set", "compile=false", "--set", "guidance_hidden=32"])
    point = json.loads((run / "chain.json").read_text())["curve"][0]
    assert (point["instances"], point["samples"]) == (1, 6) and 0.0 <= point["accuracy"] <= 1.0


def test_curves_reads_kept_ledger_files_and_labels(tmp_path):
    pts = [{"steps": 10, "train_minutes": 0.5, "instances": 4.0, "accuracy": 0.25}]
    kept = tmp_path / "chain_sx-demo.json"
    kept.write_text(json.dumps({"what": "a kept ledger", "ledger": {"chunks": [], "curve": pts}}))
    assert curves.curves([str(kept)]) == {"sx-demo": pts}
    assert curves.curves([str(kept)], ["ELBO"]) == {"ELBO": pts}
    with pytest.raises(ValueError, match="one per source"):
        curves.curves([str(kept)], ["a", "b"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"chunks": []}))
    with pytest.raises(ValueError, match="'ledger' object"):
        curves.curves([str(bad)])
