"""Env -> device tensors: the task's token spec, training rows as answer classes, and the
per-instance solution table used for on-device validity targets (halting/LPRM).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import torch

IGNORE = -100


@dataclass
class TaskSpec:
    """What the model needs to know about an env's tokens (JSON-serialisable, saved with checkpoints)."""

    env_id: str | None
    env_kwargs: dict[str, Any]
    vocab_size: int
    seq_len: int
    answer_tokens: list[int]
    out_positions: list[int]  #: sequence positions the decoder answers (others copy the input)
    #: answers are classes under relabelling of answer values (colourings): compare canonical forms
    canonical_labels: bool = False

    @property
    def n_answer(self) -> int:
        return len(self.answer_tokens)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TaskSpec:
        """A spec read from a file, every field checked (``check``): task.json is untrusted input."""
        if not isinstance(d, dict):
            raise ValueError(f"spec must be a JSON object, got {type(d).__name__}")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        missing = sorted(n for n in names - set(d) if n != "canonical_labels")
        if unknown or missing:
            raise ValueError(f"spec fields: unknown {unknown}, missing {missing}; expected {sorted(names)}")
        spec = cls(**d)
        spec.check()
        return spec

    def check(self) -> None:
        """ValueError naming the first bad field: types, token ids inside the vocabulary, positions
        inside the sequence, and an env id gymnasium will not import a module for."""

        def is_int(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        if self.env_id is not None and not (isinstance(self.env_id, str) and self.env_id):
            raise ValueError(f"spec.env_id must be a registered env id or null, got {self.env_id!r}")
        if isinstance(self.env_id, str) and ":" in self.env_id:
            raise ValueError(f"spec.env_id {self.env_id!r}: a 'module:' prefix would make gymnasium import a "
                             "module; expected a registered env id such as 'GRAM/NQueens-8'")
        if not isinstance(self.env_kwargs, dict) or not all(isinstance(k, str) for k in self.env_kwargs):
            raise ValueError(f"spec.env_kwargs must be a JSON object, got {self.env_kwargs!r}")
        for k, v in self.env_kwargs.items():
            ok = v is None or isinstance(v, (bool, int, float, str)) or (
                isinstance(v, (list, tuple)) and all(isinstance(e, (bool, int, float, str)) for e in v))
            if not ok:
                raise ValueError(f"spec.env_kwargs[{k!r}] must be a number, string, bool or a list of them, got {v!r}")
        for name, lo in (("vocab_size", 2), ("seq_len", 1)):
            v = getattr(self, name)
            if not is_int(v) or v < lo:
                raise ValueError(f"spec.{name} must be an integer >= {lo}, got {v!r}")
        for name, bound in (("answer_tokens", self.vocab_size), ("out_positions", self.seq_len)):
            v = getattr(self, name)
            if not isinstance(v, list) or not v or not all(is_int(t) for t in v):
                raise ValueError(f"spec.{name} must be a non-empty list of integers, got {v!r}"[:300])
            bad = [t for t in v if not 0 <= t < bound]
            if bad:
                raise ValueError(f"spec.{name} must lie in [0, {bound}), got {bad[:5]}")
            if len(set(v)) != len(v):
                raise ValueError(f"spec.{name} must not repeat entries")
        if not isinstance(self.canonical_labels, bool):
            raise ValueError(f"spec.canonical_labels must be true or false, got {self.canonical_labels!r}")

    def tok2cls(self) -> np.ndarray:
        """Lookup token id -> answer class (-100 for tokens the decoder never emits)."""
        t = np.full(self.vocab_size, IGNORE, dtype=np.int64)
        t[np.asarray(self.answer_tokens)] = np.arange(self.n_answer)
        return t

    def labels_to_cls(self, labels: np.ndarray) -> np.ndarray:
        lab = np.asarray(labels).astype(np.int64)
        out = np.full(lab.shape, IGNORE, dtype=np.int64)
        ok = lab >= 0
        out[ok] = self.tok2cls()[lab[ok]]
        return out


def env_identity(env: Any) -> tuple[str | None, dict[str, Any]]:
    spec = getattr(env, "spec", None)
    if spec is None:
        return None, {}
    kwargs = {k: v for k, v in dict(spec.kwargs or {}).items() if isinstance(v, (int, float, str, bool, list, tuple))}
    return spec.id, kwargs


def task_spec(env: Any, ds: Any) -> TaskSpec:
    info = dict(ds.info)
    answer = [int(t) for t in info.get("answer_tokens", range(1, ds.vocab_size))]
    if "output_positions" in info:
        pos = [int(p) for p in np.asarray(info["output_positions"]).ravel()]
    else:
        pos = np.flatnonzero((np.asarray(ds.labels) != IGNORE).any(0)).tolist()
    env_id, kwargs = env_identity(env)
    canonical = info.get("answer_symmetry") == "label_permutation"
    return TaskSpec(env_id, kwargs, int(ds.vocab_size), int(ds.seq_len), answer, pos, canonical)


def solution_table(env_u: Any, ds: Any, spec: TaskSpec, cap: int) -> np.ndarray | None:
    """(instances, S, L) int8 answer classes of every valid answer per instance (-1 don't care,
    -2 padding rows), so "is this prediction any valid solution" is one batched comparison."""
    if ds.solutions is None or not len(ds.solutions):
        return None
    counts = np.array([min(len(s), cap) for s in ds.solutions])
    s_max = int(max(counts.max(), 1))
    flat = np.concatenate([np.asarray(s)[:c] for s, c in zip(ds.solutions, counts, strict=True)])
    if len(flat) == 0:
        return None
    tok = env_u.tokenize_answers(flat)
    cls = spec.labels_to_cls(tok)
    cls = np.where(cls < 0, -1, cls)
    table = np.full((len(ds.solutions), s_max, spec.seq_len), -2, dtype=np.int8)
    inst = np.repeat(np.arange(len(counts)), counts)
    slot = np.concatenate([np.arange(c) for c in counts])
    table[inst, slot] = cls
    return table


class DeviceData:
    """Training rows on the device (static shapes; indexing needs no host round trip)."""

    def __init__(self, env_u: Any, ds: Any, spec: TaskSpec, device: torch.device, cap: int = 64,
                 use_solutions: bool = True) -> None:
        self.device = device
        self.ds = ds
        self.spec = spec
        self.rows = len(ds.inputs)
        pids = dict(ds.info).get("puzzle_identifiers")
        self.set_rows(np.asarray(ds.inputs), np.asarray(ds.labels), None if pids is None else np.asarray(pids))
        pos, _ = instance_positions(ds.instance_ids, ds.row_instance)
        self.row_inst = torch.as_tensor(pos, dtype=torch.long, device=device)
        table = solution_table(env_u, ds, spec, cap) if (use_solutions and ds.augment is None) else None
        self.sols = None if table is None else torch.as_tensor(table, device=device)

    def set_rows(self, inputs: np.ndarray, labels: np.ndarray, puzzle_ids: np.ndarray | None = None) -> None:
        """(Re)load rows, e.g. a freshly augmented copy of the training set, with their puzzle
        identifiers where the dataset has them (ARC: one per task variant)."""
        self.pid = None if puzzle_ids is None else torch.as_tensor(puzzle_ids, dtype=torch.long, device=self.device)
        self.x = torch.as_tensor(inputs, dtype=torch.int32, device=self.device)
        y_cls = self.spec.labels_to_cls(labels)
        self.y_cls = torch.as_tensor(y_cls, dtype=torch.long, device=self.device)
        self.y_tok = torch.as_tensor(np.where(labels >= 0, labels, 0), dtype=torch.int32, device=self.device)

    @property
    def augments(self) -> bool:
        return self.ds.augment is not None or hasattr(self.ds, "sample_variants")

    def augment(self, rng: np.random.Generator) -> None:
        """A fresh random augmentation of every row. Datasets with per-variant identifiers (ARC's
        ``sample_variants``) give each row a random variant and that variant's puzzle id."""
        if hasattr(self.ds, "sample_variants"):
            x, y, pid = self.ds.sample_variants(rng, np.arange(self.rows))
            self.set_rows(np.asarray(x), np.asarray(y), np.asarray(pid))
            return
        if self.ds.augment is None:
            return
        x, y = self.ds.augment(rng, np.asarray(self.ds.inputs).copy(), np.asarray(self.ds.labels).copy())
        self.set_rows(np.asarray(x), np.asarray(y))

    def gather(self, idx: torch.Tensor):
        """(x, y_cls, y_tok, sols, puzzle_ids) of the given rows; sols / puzzle_ids may be None."""
        sols = None if self.sols is None else self.sols[self.row_inst[idx]]
        pid = None if self.pid is None else self.pid[idx]
        return self.x[idx], self.y_cls[idx], self.y_tok[idx], sols, pid


def instance_positions(instance_ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index into ``instance_ids`` of each wanted id (batched search), and whether it was found
    (demonstration rows carry -1 and match nothing; their index is then meaningless)."""
    ids = np.asarray(instance_ids)
    wanted = np.asarray(wanted)
    order = np.argsort(ids)
    at = np.minimum(np.searchsorted(ids[order], wanted), max(len(ids) - 1, 0))
    pos = order[at] if len(ids) else np.zeros(len(wanted), dtype=np.int64)
    found = ids[pos] == wanted if len(ids) else np.zeros(len(wanted), dtype=bool)
    return pos, found


def instance_puzzle_ids(ds: Any) -> np.ndarray | None:
    """Puzzle identifier of each test instance (``ds.instance_ids`` order) from its row, or None."""
    pids = dict(ds.info).get("puzzle_identifiers")
    if pids is None:
        return None
    pos, found = instance_positions(ds.instance_ids, ds.row_instance)
    out = np.zeros(len(ds.instance_ids), dtype=np.int64)
    out[pos[found]] = np.asarray(pids)[found]
    return out
