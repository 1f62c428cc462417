"""Pretrained agents shipped in gram_agent/pretrained, format_version, and docs/agent.md's examples."""

from __future__ import annotations

import json
import pathlib
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gram_agent  # noqa: E402
from gram_agent.checkpoint import FORMAT_VERSION  # noqa: E402
from gram_agent.pretrained import FILES, PRETRAINED_DIR, _folders, list_pretrained, load_pretrained  # noqa: E402
from gram_agent.recipes import RECIPES  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHIPPED = sorted(_folders())

torch.set_num_threads(1)


def test_the_headline_gram_agent_ships():
    assert "nqueens8-gram" in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_each_pretrained_agent_has_its_files_card_and_recipe(name):
    folder = pathlib.Path(PRETRAINED_DIR) / name
    assert {p.name for p in folder.iterdir()} == set(FILES)
    card = next(c for c in list_pretrained() if c["name"] == name)
    r = RECIPES[card["recipe"]]
    assert (card["env_id"], card["model"]) == (r.env_id, r.model)
    assert {"accuracy", "coverage", "samples"} <= set(card["metrics"])
    assert card["source"].startswith("benchmarks/results/")
    readme = (folder / "README.md").read_text()
    for needed in (r.env_id, f"`{r.name}`", card["source"], "MIT", "gram train --recipe", "## Reproduce"):
        assert needed in readme, needed
    from safetensors import safe_open

    with safe_open(str(folder / "weights.safetensors"), "pt") as f:
        dtypes = {f.get_slice(k).get_dtype() for k in f.keys()}  # noqa: SIM118  (safe_open is not iterable)
    assert "BF16" in dtypes and not {"F32", "F16"} & dtypes
    assert json.loads((folder / "task.json").read_text())["format_version"] == FORMAT_VERSION


def test_load_pretrained_solves_with_its_recipe_schedule():
    import gymnasium as gym

    import gram_envs  # noqa: F401  (registers the ids)

    agent = load_pretrained("nqueens8-gram")
    assert agent.config.model == "gram" and agent.spec.env_id == "GRAM/NQueens-8"
    env = gym.make("GRAM/NQueens-8")
    u = env.unwrapped
    ds = u.dataset("test")
    ids, inputs = ds.instance_ids[:2], ds.instance_inputs[:2]
    roll = agent.rollout(inputs, samples=3, temperature=RECIPES["nq8-gram"].temperature, seed=0)
    res = u.evaluate(ids, u.detokenize(roll["tokens"].numpy()), record=False)
    assert np.asarray(res["valid"]).mean() >= 0.5  # the shipped model solves N-Queens-8 boards


def test_load_pretrained_names_the_available_agents():
    with pytest.raises(ValueError, match=r"no pretrained agent 'nqueens9-gram'.*available: \[.*'nqueens8-gram'"):
        load_pretrained("nqueens9-gram")


def test_pretrained_trm_when_shipped():
    if "nqueens8-trm" not in SHIPPED:
        pytest.skip("nqueens8-trm is not shipped in this checkout")
    agent = load_pretrained("nqueens8-trm")
    assert agent.config.model == "trm" and agent.spec.env_id == "GRAM/NQueens-8"


def test_package_data_ships_the_pretrained_folders():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"gram_agent" = ["pretrained/*/*"]' in text


def test_format_version_is_written_checked_and_optional(tmp_path):
    from gram_agent.config import preset
    from gram_agent.data import TaskSpec
    from gram_agent.infer import Agent
    from gram_agent.model.core import RecursiveModel

    cfg = preset("tiny").replace(d_model=16, n_heads=2, guidance_hidden=16)
    spec = TaskSpec(env_id="GRAM/NQueens-v0", env_kwargs={"n": 4}, vocab_size=3, seq_len=16, answer_tokens=[1, 2],
                    out_positions=list(range(16)))
    Agent(RecursiveModel(cfg, 3, 16, 2), spec, cfg).save(str(tmp_path))
    task = json.loads((tmp_path / "task.json").read_text())
    assert task["format_version"] == FORMAT_VERSION
    Agent.load(str(tmp_path), device="cpu")
    del task["format_version"]  # written before format_version existed
    (tmp_path / "task.json").write_text(json.dumps(task))
    Agent.load(str(tmp_path), device="cpu")
    for newer in (FORMAT_VERSION + 1, "1", True):
        (tmp_path / "task.json").write_text(json.dumps({**task, "format_version": newer}))
        with pytest.raises(ValueError, match="format_version"):
            Agent.load(str(tmp_path), device="cpu")


def _python_blocks(path: pathlib.Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def test_agent_doc_python_blocks_run():
    """docs/agent.md's python blocks run as written, in order, in one namespace."""
    blocks = _python_blocks(ROOT / "docs" / "agent.md")
    assert len(blocks) >= 4
    namespace: dict = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block, "docs/agent.md", "exec"), namespace)  # noqa: S102


def test_agent_doc_lists_every_config_field():
    from gram_agent.config import FIELDS

    text = (ROOT / "docs" / "agent.md").read_text()
    for name, f in FIELDS.items():
        assert f"| `{name}` |" in text and f.metadata["help"].replace("|", "\\|") in text, name
    assert gram_agent.load_pretrained is load_pretrained


def test_export_and_demo_with_a_second_agent(tmp_path, monkeypatch, capsys):
    """A folder written by ``export_pretrained`` is all it takes to ship an agent: ``gram list`` and
    ``gram demo`` pick it up (here a tiny untrained TRM standing in for nqueens8-trm)."""
    import shutil

    import gram_agent.pretrained as pre
    from gram_agent.cli import main
    from gram_agent.config import preset
    from gram_agent.data import TaskSpec
    from gram_agent.infer import Agent
    from gram_agent.model.core import RecursiveModel

    root = tmp_path / "pretrained"
    shutil.copytree(pathlib.Path(PRETRAINED_DIR) / "nqueens8-gram", root / "nqueens8-gram")
    task = json.loads((root / "nqueens8-gram" / "task.json").read_text())
    spec = TaskSpec.from_dict(task["spec"])
    cfg = preset("nq8-trm").replace(d_model=16, n_heads=2, guidance_hidden=16, n_sup=2)
    Agent(RecursiveModel(cfg, spec.vocab_size, spec.seq_len, spec.n_answer), spec, cfg).save(str(tmp_path / "trm"))
    metrics = {"accuracy": 0.5, "coverage": 0.25, "samples": 20, "test_instances": 1}
    pre.export_pretrained(str(tmp_path / "trm"), "nqueens8-trm", recipe="nq8-trm", metrics=metrics,
                          source="benchmarks/results/runs/x/", reproduce="gram train --recipe nq8-trm", root=str(root))
    with pytest.raises(ValueError, match="recipe 'nq8-gram' trains gram"):
        pre.export_pretrained(str(tmp_path / "trm"), "wrong", recipe="nq8-gram", metrics=metrics, source="s",
                              reproduce="r", root=str(root))
    monkeypatch.setattr(pre, "PRETRAINED_DIR", str(root))
    assert [c["name"] for c in pre.list_pretrained()] == ["nqueens8-gram", "nqueens8-trm"]
    assert main(["list"]) == 0
    assert "nqueens8-trm" in capsys.readouterr().out
    assert main(["demo", "--instances", "1", "--samples", "2"]) == 0
    out = capsys.readouterr().out
    assert "nqueens8-gram acc" in out and "nqueens8-trm acc" in out and "not shipped" not in out
    shutil.rmtree(root / "nqueens8-trm")
    assert main(["demo", "--instances", "1", "--samples", "2"]) == 0
    assert "nqueens8-trm is not shipped in this version: showing GRAM alone" in capsys.readouterr().out
