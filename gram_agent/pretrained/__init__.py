"""Pretrained agents shipped inside the package, one folder each: ``<name>/`` holds
weights.safetensors (bf16), config.json, task.json (its ``meta["card"]`` names the recipe and the
headline metrics) and a README.md model card. Adding a folder in this layout is enough to ship one.
"""

from __future__ import annotations

import difflib
import json
import os
from typing import Any

PRETRAINED_DIR = os.path.dirname(os.path.abspath(__file__))
FILES = ("weights.safetensors", "config.json", "task.json", "README.md")
LICENSE = "MIT"


def _folders() -> dict[str, str]:
    """name -> folder of every complete pretrained agent."""
    out = {}
    for name in sorted(os.listdir(PRETRAINED_DIR)):
        path = os.path.join(PRETRAINED_DIR, name)
        if os.path.isdir(path) and all(os.path.isfile(os.path.join(path, f)) for f in FILES[:3]):
            out[name] = path
    return out


def pretrained_path(name: str) -> str:
    """Folder of the pretrained agent ``name``; a ValueError lists the available names."""
    found = _folders()
    if name not in found:
        near = difflib.get_close_matches(str(name), found, n=1)
        raise ValueError(f"no pretrained agent {name!r}" + (f"; did you mean {near[0]!r}?" if near else "")
                         + f"; available: {sorted(found) or 'none'}")
    return found[name]


def card(name: str) -> dict[str, Any]:
    """What ``gram list`` shows of one agent: name, env id, model, recipe, headline metrics and their source."""
    path = pretrained_path(name)
    with open(os.path.join(path, "task.json")) as f:
        task = json.load(f)
    with open(os.path.join(path, "config.json")) as f:
        model = json.load(f).get("model")
    info = dict((task.get("meta") or {}).get("card") or {})
    return {"name": name, "env_id": task["spec"].get("env_id"), "model": model, "recipe": info.get("recipe"),
            "metrics": info.get("metrics", {}), "source": info.get("source"), "path": path}


def list_pretrained() -> list[dict[str, Any]]:
    """Cards of every shipped pretrained agent, sorted by name."""
    return [card(name) for name in _folders()]


def load_pretrained(name: str, device: Any = None) -> Any:
    """The shipped agent ``name`` as an ``Agent`` (on ``device``, default CPU)."""
    from gram_agent.infer import Agent

    return Agent.load(pretrained_path(name), device=device or "cpu")


def export_pretrained(src: str, name: str, *, recipe: str, metrics: dict[str, float], source: str,
                      reproduce: str, notes: str = "", root: str = PRETRAINED_DIR) -> str:
    """Write the agent saved at ``src`` as pretrained ``name`` under ``root``: bf16 weights, its
    config and task, ``meta["card"]`` and a model card README. ``metrics`` are copied from the result
    files under ``source`` (a repository path); ``reproduce`` is the command that trains it."""
    import torch

    from gram_agent.infer import Agent
    from gram_agent.recipes import recipe as get_recipe

    r = get_recipe(recipe)
    agent = Agent.load(src, device="cpu")
    if agent.spec.env_id != r.env_id or agent.config.model != r.model:
        raise ValueError(f"{src} holds a {agent.config.model} agent for {agent.spec.env_id}; recipe {recipe!r} "
                         f"trains {r.model} on {r.env_id}")
    agent.meta = {"card": {"recipe": recipe, "metrics": metrics, "source": source},
                  **{k: v for k, v in agent.meta.items() if k == "step"}}
    out = os.path.join(root, name)
    agent.save(out, dtype=torch.bfloat16)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(model_card(name, agent, r, metrics, source, reproduce, "\n" + notes if notes else ""))
    return out


def model_card(name: str, agent: Any, r: Any, metrics: dict[str, float], source: str, reproduce: str,
               notes: str = "") -> str:
    """The README.md of a pretrained agent."""
    from gram_agent.recipes import format_temperature

    cfg = agent.config
    temp = format_temperature(r.temperature)
    rows = "\n".join(f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in metrics.items())
    return f"""# {name}

{r.description or r.name}.

| | |
|---|---|
| task | `{agent.spec.env_id}` |
| model | {cfg.model.upper()} (D={cfg.d_model}, T={cfg.T}, K={cfg.K}, N_sup={cfg.n_sup}) |
| recipe | `{r.name}` (`gram_agent.recipe("{r.name}")`) |
| sampling | {r.samples} samples, prior temperature {temp} (`--temperature {temp}`) |
| weights | bf16 safetensors |
| license | {LICENSE} |

## Metrics

From `{source}` (where these weights were scored on the test split):

| metric | value |
|---|---|
{rows}
{notes}

## Use

```python
import gram_agent

agent = gram_agent.load_pretrained("{name}")
```

```bash
gram eval --pretrained {name} --instances 20
```

## Reproduce

```bash
{reproduce}
```
"""
