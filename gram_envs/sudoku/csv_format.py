"""The public Sudoku-Extreme CSV format (TRM/HRM users hold their data this way).

One header line ``source,question,answer,rating``, then one puzzle per line: ``question`` and
``answer`` are 81-character strings read row-major, ``question`` with ``.`` or ``0`` for a
blank, ``answer`` digits 1-9 only; ``rating`` a non-negative integer (the file's own scale);
``source`` any text. ``.csv.gz`` files are read through gzip.

Every row is checked: 81 cells, allowed characters, the answer keeps every given of the
question, the answer is a valid grid, and the question has exactly one solution
(``solvers.sudoku.count_solutions``). A bad row is never kept silently: by default the
loader raises one ValueError naming every bad row by its line number in the file (the
header is line 1); ``on_bad_row="skip"`` drops them with a warning that names each one and
returns them in ``SudokuCSV.skipped``. Nothing is ever downloaded.

Checking costs a solver call per row, so the outcome is cached (``gram_envs.core.cache``) under
the SHA-256 of the file's bytes: a second load of the same file skips the checks, and an edited
file is checked afresh.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gram_envs.core.cache import cached_arrays
from gram_envs.sudoku.logic import is_valid_grid
from solvers.sudoku import count_solutions

COLUMNS = ("source", "question", "answer", "rating")
_MAX_LISTED = 20  # bad rows named in one error message
CSV_VERSION = 1  # bump when the checks change, so cached outcomes are recomputed
#: cached outcome of checking one file: good rows, and bad rows with their reasons (text as UTF-8 bytes)
SCHEMA = {
    "puzzles": ("int8", 3),
    "solutions": ("int8", 3),
    "ratings": ("int64", 1),
    "lines": ("int64", 1),
    "sources": ("uint8", 1),
    "source_ends": ("int64", 1),
    "bad_lines": ("int64", 1),
    "bad_reasons": ("uint8", 1),
    "bad_ends": ("int64", 1),
}


@dataclass(frozen=True)
class BadRow:
    """A refused row: its line number in the file (header = 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class SudokuCSV:
    """The checked rows of one file: boards (n, 9, 9) int8 (0 = blank), ratings, sources, line numbers."""

    path: str
    puzzles: np.ndarray
    solutions: np.ndarray
    ratings: np.ndarray
    sources: np.ndarray
    lines: np.ndarray
    skipped: list[BadRow] = field(default_factory=list)


def _board(text: str, blanks: bool) -> np.ndarray | str:
    """(9, 9) int8 board of an 81-char string, or the reason it is not one."""
    if len(text) != 81:
        return f"has {len(text)} characters, expected 81"
    allowed = ".0123456789" if blanks else "123456789"
    bad = sorted({c for c in text if c not in allowed})
    if bad:
        return f"has characters {bad}; expected only {'digits 0-9 and .' if blanks else 'digits 1-9'}"
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.where(raw == ord("."), 0, raw.astype(np.int16) - ord("0")).astype(np.int8).reshape(9, 9)


def check_row(question: str, answer: str, rating: str) -> tuple[np.ndarray, np.ndarray, int] | str:
    """(puzzle, solution, rating) of one row, or the reason it is refused."""
    puzzle = _board(question.strip(), blanks=True)
    if isinstance(puzzle, str):
        return f"question {puzzle}"
    solution = _board(answer.strip(), blanks=False)
    if isinstance(solution, str):
        return f"answer {solution}"
    try:
        value = int(rating.strip())
    except ValueError:
        return f"rating {rating!r} is not an integer"
    if value < 0:
        return f"rating {value} is negative"
    givens = puzzle > 0
    if np.any(puzzle[givens] != solution[givens]):
        cell = int(np.flatnonzero((puzzle != solution) & givens)[0])
        return f"answer changes the given at row {cell // 9 + 1}, column {cell % 9 + 1}"
    if not bool(is_valid_grid(solution)):
        return "answer is not a valid Sudoku grid (a digit repeats in a row, column or box)"
    count = count_solutions(puzzle, limit=2)
    if count != 1:
        return "question has no solution" if count == 0 else "question has more than one solution"
    return puzzle, solution, value


def _pack(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as one UTF-8 byte array and the end offset of each."""
    encoded = [t.encode("utf-8") for t in texts]
    ends = np.cumsum([len(e) for e in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), ends


def _unpack(data: np.ndarray, ends: np.ndarray) -> list[str]:
    raw = data.tobytes()
    starts = np.concatenate([[0], ends]).astype(np.int64)[:-1]
    return [raw[a:b].decode("utf-8") for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def _check_file(text: str, name: str) -> dict[str, np.ndarray]:
    """Check every row of a file's text: good rows as arrays, bad rows as (line, reason)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise ValueError(f"{name}: line 1 must be the header {','.join(COLUMNS)}, got {header!r}")
    puzzles, solutions, ratings, sources, lines, bad = [], [], [], [], [], []
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not row:
            continue  # blank line
        if len(row) != 4:
            bad.append(BadRow(start, f"has {len(row)} fields, expected 4 ({','.join(COLUMNS)})"))
            continue
        checked = check_row(row[1], row[2], row[3])
        if isinstance(checked, str):
            bad.append(BadRow(start, checked))
            continue
        puzzles.append(checked[0])
        solutions.append(checked[1])
        ratings.append(checked[2])
        sources.append(row[0])
        lines.append(start)
    empty = np.zeros((0, 9, 9), dtype=np.int8)
    src, src_ends = _pack(sources)
    reasons, reason_ends = _pack([b.reason for b in bad])
    return {
        "puzzles": np.stack(puzzles) if puzzles else empty,
        "solutions": np.stack(solutions) if solutions else empty,
        "ratings": np.asarray(ratings, dtype=np.int64),
        "lines": np.asarray(lines, dtype=np.int64),
        "sources": src,
        "source_ends": src_ends,
        "bad_lines": np.asarray([b.line for b in bad], dtype=np.int64),
        "bad_reasons": reasons,
        "bad_ends": reason_ends,
    }


def load_sudoku_csv(path: str | os.PathLike, *, on_bad_row: str = "raise") -> SudokuCSV:
    """Read and check a Sudoku-Extreme CSV (see the module docstring); ``on_bad_row`` "raise" or "skip"."""
    if on_bad_row not in ("raise", "skip"):
        raise ValueError(f"on_bad_row must be 'raise' or 'skip', got {on_bad_row!r}")
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a path to a .csv or .csv.gz file, got {path!r}")
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"Sudoku CSV {p} does not exist or is not a file")
    raw = p.read_bytes()
    if p.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p}: not UTF-8 text ({exc})") from None
    key = f"sudoku-csv-v{CSV_VERSION}-{hashlib.sha256(raw).hexdigest()}"
    data = cached_arrays(key, lambda: _check_file(text, str(p)), SCHEMA)
    bad = [BadRow(int(line), reason) for line, reason in
           zip(data["bad_lines"].tolist(), _unpack(data["bad_reasons"], data["bad_ends"]), strict=True)]
    if bad and on_bad_row == "raise":
        listed = "; ".join(str(b) for b in bad[:_MAX_LISTED])
        more = f"; and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
        raise ValueError(
            f"{p}: {len(bad)} bad row(s): {listed}{more} (pass on_bad_row='skip' to drop them with a warning)"
        )
    if bad:
        warnings.warn(f"{p}: skipped {len(bad)} bad row(s): " + "; ".join(str(b) for b in bad), stacklevel=2)
    if not len(data["puzzles"]):
        raise ValueError(f"{p}: no valid puzzle rows")
    return SudokuCSV(
        path=str(p),
        puzzles=data["puzzles"],
        solutions=data["solutions"],
        ratings=data["ratings"],
        sources=np.asarray(_unpack(data["sources"], data["source_ends"]), dtype=str),
        lines=data["lines"],
        skipped=bad,
    )
