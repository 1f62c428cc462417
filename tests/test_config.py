"""GRAMConfig: grouped fields with help, type and range checks, removed options, presets and recipes."""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gram_agent.config import FIELDS, GROUPS, PRESETS, REMOVED, REMOVED_AT, GRAMConfig, fields_by_group, preset
from gram_agent.recipes import RECIPES, format_temperature, recipe


def _default(name: str):
    f = FIELDS[name]
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()


def test_every_field_has_a_group_and_a_one_line_help():
    assert set(fields_by_group()) == set(GROUPS)
    for name, f in FIELDS.items():
        assert f.metadata["group"] in GROUPS, name
        text = f.metadata["help"]
        assert text and "\n" not in text and len(text) <= 120, name
    assert sum(len(v) for v in fields_by_group().values()) == len(FIELDS)


def test_removed_options_are_gone_and_old_configs_still_load():
    assert not set(REMOVED) & set(FIELDS)
    old = {**GRAMConfig().to_dict(), **REMOVED}  # a stored config from before the cleanup
    assert GRAMConfig.from_dict(json.loads(json.dumps(old))) == GRAMConfig()
    for name, default in REMOVED.items():
        changed = {**old, name: {"x": 1} if isinstance(default, dict) else "all" if isinstance(default, str)
                   else default + 1}
        with pytest.raises(ValueError, match=f"'{name}'.*was removed.*(pre-cleanup|{REMOVED_AT.get(name)})"):
            GRAMConfig.from_dict(changed)
        with pytest.raises(ValueError, match="was removed"):
            preset("tiny", **{name: changed[name]})


def test_unknown_fields_are_refused_with_the_closest_name():
    with pytest.raises(ValueError, match="unknown config field 'sigma_inti'; did you mean 'sigma_init'"):
        GRAMConfig.from_dict({"sigma_inti": 0.2})
    with pytest.raises(ValueError, match="did you mean 'n_sup'"):
        GRAMConfig().set("nsup=3")
    with pytest.raises(ValueError, match="unknown config field"):
        GRAMConfig().replace(bogus=1)


@pytest.mark.parametrize("bad, field", [
    ({"T": 0}, "T"), ({"sigma_init": math.nan}, "sigma_init"), ({"n_sup": 10**9}, "n_sup"),
    ({"n_sup": 1e9}, "n_sup"), ({"model": "ptrm"}, "model"), ({"d_model": True}, "d_model"),
    ({"lr": -1.0}, "lr"), ({"lr": math.inf}, "lr"), ({"betas": (1.0, 0.5)}, "betas"), ({"betas": (0.9,)}, "betas"),
    ({"dataset_kwargs": {"a": object()}}, "dataset_kwargs"), ({"eval_batch": 0}, "eval_batch"),
    ({"ema": 1.0}, "ema"), ({"kl_balance": 1.5}, "kl_balance"), ({"compile": 1}, "compile"),
    ({"init_from": 3}, "init_from"), ({"sigma_init": 2.0}, "sigma_init"), ({"sigma_min": 2.0}, "sigma_min"),
    ({"n_heads": 3}, "n_heads"), ({"seed": -1}, "seed"), ({"dtype": "fp8"}, "dtype"),
])
def test_bad_values_are_refused_by_field_name(bad, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        GRAMConfig(**bad)
    stored = {**GRAMConfig().to_dict(), **{k: list(v) if isinstance(v, tuple) else v for k, v in bad.items()}}
    if field != "dataset_kwargs":
        with pytest.raises(ValueError, match=re.escape(field)):
            GRAMConfig.from_dict(stored)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(FIELDS)),
       value=st.one_of(st.text(max_size=5), st.floats(allow_nan=True, allow_infinity=True), st.none(),
                       st.lists(st.integers(), max_size=2)))
def test_wrong_types_and_non_finite_numbers_name_the_field(name, value):
    """Any value is either accepted with the field's type or refused by a ValueError naming the field."""
    default = _default(name)
    try:
        cfg = GRAMConfig(**{name: value})
    except ValueError as err:
        assert name in str(err)
        return
    got = getattr(cfg, name)
    assert type(got) is type(default)
    if isinstance(got, float):
        assert math.isfinite(got)


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("model", ["gram", "trm"])
def test_presets_round_trip_through_json(name, model):
    for env_id in (None, "GRAM/NQueens-8", "GRAM/Sudoku-Extreme", "GRAM/ARC-AGI-1"):
        cfg = preset(name, env_id, model=model)
        assert GRAMConfig.from_dict(json.loads(cfg.to_json())) == cfg


def test_preset_refuses_unknown_env_ids_and_names():
    with pytest.raises(ValueError, match="unknown env id 'GRAM/Foo'"):
        preset("small", "GRAM/Foo")
    with pytest.raises(ValueError, match="did you mean 'GRAM/NQueens-8'"):
        preset("small", "GRAM/nqueens-8")
    with pytest.raises(ValueError, match="unknown preset or recipe 'smal'; did you mean 'small'"):
        preset("smal")


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_is_a_preset(name):
    r = recipe(name)
    cfg = preset(name)
    assert cfg == preset(r.preset, r.env_id, r.model, **r.overrides)
    assert cfg.model == r.model and preset(name, r.env_id) == cfg
    assert preset(name, lr=1e-3).lr == 1e-3
    other = "GRAM/NQueens-10" if r.env_id != "GRAM/NQueens-10" else "GRAM/NQueens-8"
    with pytest.raises(ValueError, match=f"recipe '{name}' trains {r.env_id}"):
        preset(name, other)
    with pytest.raises(ValueError, match="trains model"):
        preset(name, model="trm" if r.model == "gram" else "gram")
    if not isinstance(r.temperature, (int, float)):
        assert len(r.temperature) == cfg.n_sup  # one prior temperature per supervision step


def test_recipe_lookup_and_temperature_format():
    with pytest.raises(ValueError, match="unknown recipe 'nq8'.*known recipes"):
        recipe("nq8")
    assert format_temperature((3.0, 3.0) + (0.5,) * 14) == "3x2,0.5x14"
    assert format_temperature(1.0) == "1" and format_temperature([2.0, 1.0]) == "2,1"
    from gram_agent.cli import parse_temperature

    assert parse_temperature(format_temperature((3.0, 3.0, 0.5))) == [3.0, 3.0, 0.5]


def test_agent_sources_carry_no_run_ids():
    root = pathlib.Path(__file__).resolve().parents[1] / "gram_agent"
    for path in root.rglob("*"):
        if path.suffix in (".py", ".md", ".json"):
            assert not re.search(r"s[0-9]+-call[0-9]", path.read_text()), path
