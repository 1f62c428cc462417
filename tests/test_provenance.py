"""Result provenance: a run from uncommitted edits must not pass for the commit it started from."""

from __future__ import annotations

import subprocess

import pytest

from gram_envs.core import metrics as common


@pytest.mark.parametrize(("status", "expected"), [("", "abc1234"), (" M gram_agent/train.py", "abc1234+dirty")])
def test_provenance_marks_a_dirty_working_tree(monkeypatch, status, expected):
    def fake_run(cmd, **_kw):
        out = "abc1234\n" if cmd[:2] == ["git", "rev-parse"] else status
        return subprocess.CompletedProcess(cmd, 0, stdout=out, stderr="")

    monkeypatch.setattr(common.subprocess, "run", fake_run)
    assert common.provenance()["commit"] == expected


def test_provenance_without_git_falls_back_to_the_environment(monkeypatch):
    def no_git(*_a, **_kw):
        raise OSError("git not found")

    monkeypatch.setattr(common.subprocess, "run", no_git)
    monkeypatch.setenv("GIT_COMMIT", "feed123")
    assert common.provenance()["commit"] == "feed123"


def test_the_carried_commit_wins_over_the_device_s_stale_git(monkeypatch):
    """A machine whose git reads an older snapshot: GIT_COMMIT (from .carry/) names the code sent."""
    def stale_git(cmd, **_kw):
        out = "0ld0ld0\n" if cmd[:2] == ["git", "rev-parse"] else " M benchmarks/common.py"
        return subprocess.CompletedProcess(cmd, 0, stdout=out, stderr="")

    monkeypatch.setattr(common.subprocess, "run", stale_git)
    monkeypatch.setenv("GIT_COMMIT", "e275f11")
    assert common.provenance()["commit"] == "e275f11"
    monkeypatch.setenv("GIT_COMMIT", "unknown")  # scripts/carry_env.sh's value when .carry/ has no commit
    assert common.provenance()["commit"] == "0ld0ld0+dirty"
    monkeypatch.delenv("GIT_COMMIT")
    assert common.provenance()["commit"] == "0ld0ld0+dirty"


def test_a_module_run_is_recorded_by_its_name_not_its_path(monkeypatch):
    """``python -m experiments.x`` has argv[0] = the module's absolute path: the record names the module."""
    import sys
    import types

    main = types.ModuleType("__main__")
    main.__spec__ = types.SimpleNamespace(name="experiments.sampling_seeds")
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.setattr(sys, "argv", ["/abs/checkout/experiments/sampling_seeds.py", "RUN", "--out", "a b.json"])
    assert common.command_line().endswith(" -m experiments.sampling_seeds RUN --out 'a b.json'")
    main.__spec__ = None  # a script: its argv as given
    monkeypatch.setattr(sys, "argv", ["tool.py", "--x"])
    assert common.command_line().endswith(" tool.py --x")
