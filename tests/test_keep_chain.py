"""experiments.keep_chain: a chain's ledger kept under benchmarks/results grows chunk by chunk, with the
training log's rows and each chunk's card, and refuses a ledger of another chain."""

from __future__ import annotations

import json

import pytest

from experiments import keep_chain


def _chunk(steps: int) -> dict:
    return {"steps": steps, "wall_time_s": 60.0, "sample_steps_per_s": 7000.0}


def _log(steps: list[int]) -> str:
    lines = ["training trm on GRAM/Sudoku-Extreme", '{"loss": 1.0, "ce": 0.5, "ki']  # a line cut short
    lines += [json.dumps({"loss": 1.0, "ce": 0.5, "kl": 0.0, "token_acc": 0.8, "correct": 0.1, "sigma_p": 0.0,
                          "sigma_q": 0.0, "halted_acc": 0.5, "step": s, "sample_steps_per_s": 7000.123456})
              for s in steps]
    return "\r\n".join(lines)


def test_a_kept_ledger_grows_chunk_by_chunk(tmp_path):
    out, chain, log = tmp_path / "kept.json", tmp_path / "chain.json", tmp_path / "log.txt"
    chain.write_text(json.dumps({"chunks": [_chunk(300)], "curve": [{"steps": 300, "accuracy": 0.0}]}))
    log.write_text(_log([50, 100, 250, 300]))
    common = ["--recipe", "sx-trm", "--chain", str(chain), "--log", str(log), "--out", str(out)]
    with pytest.raises(SystemExit):  # a new file needs its commit and command
        keep_chain.main([*common, "--device", "NVIDIA H100"])
    assert keep_chain.main([*common, "--device", "NVIDIA H100", "--commit", "abc", "--command", "chain A"]) == 0
    kept = json.loads(out.read_text())
    assert [r["step"] for r in kept["train_log"]["rows"]] == [50, 250]
    assert "kl" not in kept["train_log"]["rows"][0] and kept["train_log"]["rows"][0]["token_acc"] == 0.8
    assert kept["chunk_devices"] == ["NVIDIA H100"] and kept["device"] == "1x H100 (chunks 1)"
    chain.write_text(json.dumps({"chunks": [_chunk(300), _chunk(600), _chunk(900)], "curve": []}))
    log.write_text(_log([250, 500, 750]))
    keep_chain.main([*common, "--device", "NVIDIA H200", "--command", "chain B", "--note", "two more"])
    kept = json.loads(out.read_text())
    assert [r["step"] for r in kept["train_log"]["rows"]] == [50, 250, 500, 750]
    assert kept["chunk_devices"] == ["NVIDIA H100", "NVIDIA H200", "NVIDIA H200"]
    assert kept["device"] == "1x H100 (chunks 1); 1x H200 (chunks 2,3)"
    assert kept["command"] == "chain A; chain B" and kept["note"] == "two more" and kept["commit"] == "abc"
    with pytest.raises(ValueError, match="no chunk beyond"):
        keep_chain.main([*common, "--device", "NVIDIA H200"])
    chain.write_text(json.dumps({"chunks": [_chunk(301), _chunk(600), _chunk(900), _chunk(1200)]}))
    with pytest.raises(ValueError, match="not the same chain"):
        keep_chain.main([*common, "--device", "NVIDIA H200"])


def test_gram_rows_keep_the_kl_and_sigmas():
    rows = keep_chain.log_rows(_log([250]), "gram")
    assert set(rows[0]) == {"step", *keep_chain.LOG_KEYS} and rows[0]["sample_steps_per_s"] == 7000.12346
