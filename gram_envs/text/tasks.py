"""One text adapter per family: prompt renderer, strict parser, exact check and feedback.

A ``TextTask`` wraps an existing GRAM env (made with ``gym.make``) and never re-implements
its rules: validity and conflict counts come from the env's own batched check (the hook
behind ``step`` and ``evaluate``), solution indices from its solution sets. What the
adapter adds is text: ``question`` (the puzzle and the exact answer format),
``render_answer`` (the canonical answer text), ``parse`` (text -> answer array, or a
reason) and ``feedback`` (which queens attack, which edges are monochromatic, ...).

Parsers accept exactly the documented format after ``extract.extract_body`` (tags, one
code fence, whitespace); they never evaluate text and never raise on any input.
"""

from __future__ import annotations

import json
from itertools import combinations
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from gram_envs.text.extract import ParseError, bad_char, extract_body, grid_rows

#: ARC splits also answer to the names every other family uses
_ARC_SPLIT_ALIASES = {"train": "training", "test": "evaluation"}


class TextTask:
    """Text view of one GRAM env (see module docstring); build it with ``text_task``."""

    family: ClassVar[str] = ""

    def __init__(self, env_id: str, env_kwargs: dict[str, Any], env: gym.Env) -> None:
        self.env_id = env_id
        self.env_kwargs = dict(env_kwargs)
        self.env = env

    # ------------------------------------------------------------------ data
    def split_ids(self, split: str) -> np.ndarray:
        """Global instance ids of a split."""
        return self.env.puzzle_set.split_ids(split)

    def solutions(self, instance_id: int) -> np.ndarray:
        """Every valid answer of an instance (user encoding), in ``solution_index`` order."""
        return self.env.puzzle_set.solutions.of(int(instance_id))

    def num_solutions(self, instance_id: int) -> int:
        return int(self.env.num_solutions(np.array([int(instance_id)]))[0])

    def instance_metadata(self, instance_id: int) -> dict[str, Any]:
        """JSON-ready fields that identify the instance (added to dataset entries)."""
        return {}

    # ------------------------------------------------------------------ text
    def question(self, instance_id: int) -> str:
        raise NotImplementedError

    def render_answer(self, answer: Any) -> str:
        raise NotImplementedError

    def parse_body(self, body: str) -> Any:
        """Answer array from an extracted body, or ``ParseError``."""
        raise NotImplementedError

    def parse(self, text: object) -> tuple[Any, str | None]:
        """(answer, None) or (None, reason); never raises."""
        try:
            return self.parse_body(extract_body(text)), None
        except ParseError as exc:
            return None, str(exc)

    def parse_many(self, texts: list) -> tuple[np.ndarray, Any, list[str | None]]:
        """(ok mask, stacked answers of the ok rows, reason per text: None where parsed)."""
        answers, errors, ok = [], [], np.zeros(len(texts), dtype=bool)
        for i, text in enumerate(texts):
            answer, error = self.parse(text)
            errors.append(error)
            if error is None:
                ok[i] = True
                answers.append(answer)
        return ok, self.stack(answers), errors

    def stack(self, answers: list) -> Any:
        return np.stack(answers) if answers else np.zeros((0, *self.env.action_space.shape), dtype=np.int8)

    # ------------------------------------------------------------------ checking
    def check(self, instance_ids: np.ndarray, answers: Any) -> dict[str, np.ndarray]:
        """Exact ``valid``, ``conflicts``, ``defects`` and ``solution_index`` per answer.

        ``defects`` counts what makes an answer invalid besides conflicts (missing
        queens, changed givens), so ``valid`` iff ``conflicts + defects == 0``.
        """
        env = self.env
        ids = np.asarray(instance_ids, dtype=np.int64)
        valid, conflicts = env._score(ids, answers[:, None])  # the env's own exact check
        valid = np.broadcast_to(valid, (len(ids), 1))[:, 0].copy()
        conflicts = np.broadcast_to(conflicts, (len(ids), 1))[:, 0].astype(np.int64)
        index = np.full(len(ids), -1, dtype=np.int64)
        hit = np.flatnonzero(valid)
        sets = env.puzzle_set.solutions
        if hit.size:
            pos = sets.lookup(ids[hit], env._canonical_answers(answers[hit]))
            if np.any(pos < 0):
                raise AssertionError("internal: a valid answer is missing from the solution set")
            index[hit] = sets.local_index(ids[hit], pos)
        defects = np.zeros(len(ids), dtype=np.int64)
        miss = np.flatnonzero(~valid)  # valid answers have none
        if miss.size:
            defects[miss] = self.defects(ids[miss], answers[miss])
        return {"valid": valid, "conflicts": conflicts, "defects": defects, "solution_index": index}

    def defects(self, instance_ids: np.ndarray, answers: Any) -> np.ndarray:
        return np.zeros(len(instance_ids), dtype=np.int64)

    def feedback(self, instance_id: int, answer: Any) -> str:
        """Exact, human-readable reasons why ``answer`` is not a solution ("" when it is one)."""
        raise NotImplementedError


def _listing(items: list[str], limit: int = 60) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


class NQueensText(TextTask):
    """Boards as rows of ``Q`` (queen) and ``_`` (empty) separated by spaces (reasoning-gym's format)."""

    family = "nqueens"

    def __init__(self, env_id: str, env_kwargs: dict[str, Any], env: gym.Env) -> None:
        super().__init__(env_id, env_kwargs, env)
        n = self.n = env.n
        self.canonical_len = n * (2 * n - 1) + (n - 1)
        # vectorised parser: a board plus one joining newline is n rows of 2n bytes; XOR with the
        # all-empty board leaves 0 on a matching byte and 'Q' ^ '_' on a queen (checked word-wise)
        row = np.full(2 * n, ord(" "), dtype=np.uint8)
        row[0::2], row[-1] = ord("_"), ord("\n")
        cell = np.zeros(2 * n, dtype=np.uint8)
        cell[0::2] = ord("Q") ^ ord("_")
        word = np.uint64 if (2 * n * n) % 8 == 0 else np.uint8
        self._empty, self._queen_bits = np.tile(row, n).view(word), np.tile(cell, n).view(word)
        self._low_bits = (np.tile(cell, n) > 0).astype(np.uint8).view(word)

    def answer_format(self) -> str:
        n = self.n
        return (f"Answer with the whole {n} x {n} board in the same format: {n} lines of {n} cells separated "
                "by spaces, Q for a queen and _ for an empty square. You may wrap it in <answer></answer> tags.")

    def question(self, instance_id: int) -> str:
        board = self.env.puzzle_set.puzzles[int(instance_id)]
        n, given = self.n, int(board.sum())
        return (
            f"Complete this {n} x {n} N-Queens board: place {n} queens in total so that no two queens share a "
            f"row, a column or a diagonal. Keep the {given} given queen(s) and add {n - given} more.\n\n"
            f"{self.render_answer(board)}\n\n{self.answer_format()}"
        )

    def render_answer(self, answer: Any) -> str:
        return "\n".join(" ".join("Q" if v else "_" for v in row) for row in np.asarray(answer))

    def parse_body(self, body: str) -> np.ndarray:
        n = self.n
        rows = grid_rows(body, "board")
        if len(rows) != n:
            raise ParseError(f"expected {n} rows, got {len(rows)}")
        for r, row in enumerate(rows):
            ch = bad_char(row, "Q_")
            if ch is not None:
                raise ParseError(f"row {r + 1} holds {ascii(ch)}; cells must be Q or _")
            if len(row) != n:
                raise ParseError(f"row {r + 1} has {len(row)} cells, expected {n}")
        return np.array([[c == "Q" for c in row] for row in rows], dtype=np.int8)

    def parse_many(self, texts: list) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        """Vectorised for texts in the canonical layout; everything else goes through ``parse``."""
        m, n, size = len(texts), self.n, self.canonical_len
        boards = np.zeros((m, n, n), dtype=np.int8)
        ok = np.zeros(m, dtype=bool)
        errors: list[str | None] = [None] * m
        bodies = texts if isinstance(texts, list) else list(texts)
        if set(map(type, bodies)) <= {str}:
            lengths = np.fromiter(map(len, bodies), dtype=np.int64, count=m)
            other = np.flatnonzero(lengths != size).tolist()
        else:
            other = [i for i, t in enumerate(bodies) if type(t) is not str or len(t) != size]
        if other:  # extract tags/fences first: a tagged canonical board still takes the fast path
            bodies = list(bodies)
            for i in other:
                try:
                    bodies[i] = extract_body(bodies[i])
                except ParseError as exc:
                    errors[i], bodies[i] = str(exc), ""
        slow: list[int] = []
        fast = np.arange(m) if not other else np.flatnonzero(
            np.fromiter(map(len, bodies), dtype=np.int64, count=m) == size)
        if len(fast):
            # latin-1 with "replace" keeps one byte per character, so rows stay aligned
            picked = bodies if len(fast) == m else [bodies[i] for i in fast.tolist()]
            raw = ("\n".join(picked) + "\n").encode("latin-1", "replace")
            grid = np.frombuffer(raw, dtype=np.uint8).reshape(len(fast), size + 1)
            x = grid.view(self._empty.dtype) ^ self._empty
            z = x & self._queen_bits
            # a cell byte is valid iff z is 0 ('_') or all of 'Q' ^ '_' (three equal bits)
            bad = (x & ~self._queen_bits) | (((z >> 1) ^ (z >> 2)) | ((z >> 1) ^ (z >> 3))) & self._low_bits
            good = ~bad.any(axis=1)
            found = (grid.reshape(len(fast), n, 2 * n)[:, :, 0::2] == ord("Q")).view(np.int8)  # 0/1, no copy
            if len(fast) == m and good.all():
                return np.ones(m, dtype=bool), found, errors
            boards[fast[good]] = found[good]
            ok[fast[good]] = True
            slow = fast[~good].tolist()
        if other:
            slow += [i for i in other if errors[i] is None and len(bodies[i]) != size]
        for i in slow:
            try:  # extract_body is idempotent on bodies already extracted above
                boards[i] = self.parse_body(extract_body(bodies[i]))
                ok[i] = True
            except ParseError as exc:
                errors[i] = str(exc)
        return ok, boards[ok], errors

    def check(self, instance_ids: np.ndarray, answers: np.ndarray) -> dict[str, np.ndarray]:
        """Validity by membership in the instance's solution set (every completion is enumerated,
        so it is exact), conflicts by the env's ``queen_conflicts``: the same results as the env's
        check in fewer passes over the boards (tests compare both)."""
        from gram_envs.nqueens.logic import queen_conflicts

        ids = np.asarray(instance_ids, dtype=np.int64)
        sets = self.env.puzzle_set.solutions
        pos = self._lookup64(ids, answers) if self.n * self.n <= 64 else sets.lookup(ids, answers)
        valid = pos >= 0
        conflicts = queen_conflicts(answers)
        if np.any(conflicts[valid]):
            raise AssertionError("internal: a listed solution has conflicts")
        defects = np.zeros(len(ids), dtype=np.int64)
        miss = np.flatnonzero(~valid)
        if miss.size:
            defects[miss] = self.defects(ids, answers) if miss.size == len(ids) else self.defects(ids[miss],
                                                                                                  answers[miss])
            if np.any((conflicts[miss] == 0) & (defects[miss] == 0)):
                raise AssertionError("internal: a valid board is missing from the solution set")
        return {"valid": valid, "conflicts": conflicts, "defects": defects,
                "solution_index": sets.local_index(ids, pos).astype(np.int64)}

    @staticmethod
    def _bits(boards: np.ndarray) -> np.ndarray:
        """One uint64 per 0/1 board of at most 64 cells (row-major bits)."""
        flat = np.ascontiguousarray(boards.reshape(len(boards), -1), dtype=np.uint8)
        packed = np.zeros((len(boards), 8), dtype=np.uint8)
        packed[:, : (flat.shape[1] + 7) // 8] = np.packbits(flat, axis=1)
        return packed.view(np.uint64)[:, 0]

    def _lookup64(self, ids: np.ndarray, boards: np.ndarray) -> np.ndarray:
        """``SolutionSets.lookup`` (global positions, -1 if absent) on 64-bit keys of the same
        solution sets: the same answer, without comparing 64-byte keys."""
        if not hasattr(self, "_keys64"):
            sets = self.env.puzzle_set.solutions
            keys = self._bits(sets.flat)
            self._keys64 = np.unique(keys)
            owner = np.repeat(np.arange(len(sets.counts), dtype=np.int64), sets.counts)
            combined = owner * len(self._keys64) + np.searchsorted(self._keys64, keys)
            self._order64 = np.argsort(combined, kind="stable")
            self._combined64 = combined[self._order64]
        keys = self._bits(boards)
        unique = self._keys64
        rank = np.minimum(np.searchsorted(unique, keys), len(unique) - 1)
        combined = ids * len(unique) + rank
        at = np.minimum(np.searchsorted(self._combined64, combined), len(self._combined64) - 1)
        hit = (unique[rank] == keys) & (self._combined64[at] == combined)
        return np.where(hit, self._order64[at], -1)

    def defects(self, instance_ids: np.ndarray, answers: np.ndarray) -> np.ndarray:
        givens = self.env.puzzle_set.puzzles[instance_ids]
        count = np.abs(answers.sum(axis=(-2, -1), dtype=np.int64) - self.n)
        dropped = np.count_nonzero((givens > 0) & (answers == 0), axis=(-2, -1))
        return (count + dropped).astype(np.int64)

    def attacking_pairs(self, answer: np.ndarray) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
        """Every unordered pair of queens on one line (0-based cells), as the env counts them."""
        queens = [tuple(int(v) for v in q) for q in np.argwhere(np.asarray(answer) > 0)]
        out = []
        for (r1, c1), (r2, c2) in combinations(queens, 2):
            line = ("row" if r1 == r2 else "column" if c1 == c2 else "diagonal" if r1 - c1 == r2 - c2
                    else "anti-diagonal" if r1 + c1 == r2 + c2 else "")
            if line:
                out.append(((r1, c1), (r2, c2), line))
        return out

    def feedback(self, instance_id: int, answer: np.ndarray) -> str:
        answer = np.asarray(answer)
        givens = self.env.puzzle_set.puzzles[int(instance_id)]
        lines = []
        count = int(answer.sum())
        if count != self.n:
            lines.append(f"The board has {count} queen(s); it needs exactly {self.n}.")
        dropped = [f"({r + 1}, {c + 1})" for r, c in np.argwhere((givens > 0) & (answer == 0))]
        if dropped:
            lines.append(f"Given queen(s) removed at (row, column): {', '.join(dropped)}.")
        pairs = self.attacking_pairs(answer)
        if pairs:
            items = [f"({a[0] + 1}, {a[1] + 1}) and ({b[0] + 1}, {b[1] + 1}) share a {line}" for a, b, line in pairs]
            lines.append(f"{len(pairs)} attacking pair(s) (row, column): {_listing(items)}.")
        return "\n".join(lines)


class ColoringText(TextTask):
    """Colourings as ``n`` colour numbers (vertex 0 first) separated by spaces or commas."""

    family = "coloring"

    def answer_format(self) -> str:
        n, k = self.env.n, self.env.k
        return (f"Answer with {n} colour numbers (each 0 to {k - 1}) separated by spaces: the colour of vertex 0, "
                f"then of vertex 1, and so on up to vertex {n - 1}. You may wrap it in <answer></answer> tags.")

    def question(self, instance_id: int) -> str:
        adj = self.env.puzzle_set.puzzles[int(instance_id)]
        n, k = self.env.n, self.env.k
        iu, ju = np.triu_indices(n, 1)
        edges = [f"{a}-{b}" for a, b in zip(iu.tolist(), ju.tolist(), strict=True) if adj[a, b]]
        return (
            f"Colour the {n} vertices (numbered 0 to {n - 1}) of this graph with {k} colours (0 to {k - 1}) so that "
            f"no edge joins two vertices of the same colour.\n\nEdges ({len(edges)}): {', '.join(edges)}\n\n"
            f"{self.answer_format()}"
        )

    def render_answer(self, answer: Any) -> str:
        return " ".join(str(int(v)) for v in np.asarray(answer))

    def parse_body(self, body: str) -> np.ndarray:
        n, k = self.env.n, self.env.k
        if body.startswith("[") and body.endswith("]"):
            body = body[1:-1]
        tokens = [t for t in body.replace(",", " ").split() if t]
        if len(tokens) != n:
            raise ParseError(f"expected {n} colours, got {len(tokens)} items")
        values = []
        for v, tok in enumerate(tokens):
            if not (tok.isascii() and tok.isdigit() and len(tok) <= 3) or int(tok) >= k:
                raise ParseError(f"the colour of vertex {v} is {ascii(tok[:20])}; expected a number 0 to {k - 1}")
            values.append(int(tok))
        return np.array(values, dtype=np.int8)

    def feedback(self, instance_id: int, answer: np.ndarray) -> str:
        from gram_envs.coloring.logic import conflict_edges, triu_index

        adj = self.env.puzzle_set.puzzles[int(instance_id)]
        mono = conflict_edges(adj, np.asarray(answer))
        iu, ju = triu_index(self.env.n)
        items = [f"{a}-{b} (both colour {int(answer[a])})" for a, b in zip(iu[mono].tolist(), ju[mono].tolist(),
                                                                           strict=True)]
        return f"{len(items)} edge(s) join vertices of the same colour: {_listing(items)}." if items else ""


class SudokuText(TextTask):
    """Boards as rows of symbols (``1``-``9``, then ``A``... for 16x16); ``.`` marks a blank in questions."""

    family = "sudoku"

    def __init__(self, env_id: str, env_kwargs: dict[str, Any], env: gym.Env) -> None:
        super().__init__(env_id, env_kwargs, env)
        from gram_envs.sudoku.render import SYMBOLS

        self.side = env.side
        self.symbols = SYMBOLS[1 : self.side + 1]

    def answer_format(self) -> str:
        s = self.side
        return (f"Answer with the completed {s} x {s} grid: {s} lines of {s} symbols ({self.symbols[0]} to "
                f"{self.symbols[-1]}), every '.' replaced; spaces and the | and -+- box separators are optional. "
                "You may wrap it in <answer></answer> tags.")

    def instance_metadata(self, instance_id: int) -> dict[str, Any]:
        rating = self.env.puzzle_set.extras.get("rating")
        return {} if rating is None else {"rating": int(rating[int(instance_id)])}

    def question(self, instance_id: int) -> str:
        from gram_envs.sudoku.render import board_ansi

        s, b = self.side, self.env.box
        board = board_ansi(self.env.puzzle_set.puzzles[int(instance_id)], None).rstrip("\n")
        return (
            f"Solve this {s} x {s} Sudoku: fill every '.' so that each row, each column and each {b} x {b} box "
            f"holds every symbol {self.symbols[0]} to {self.symbols[-1]} exactly once. Keep the given symbols.\n\n"
            f"{board}\n\n{self.answer_format()}"
        )

    def render_answer(self, answer: Any) -> str:
        from gram_envs.sudoku.render import board_ansi

        answer = np.asarray(answer)
        return board_ansi(answer, None).rstrip("\n")

    def parse_body(self, body: str) -> np.ndarray:
        s = self.side
        rows = [r.replace("|", "") for r in grid_rows(body, "grid")]
        rows = [r for r in rows if r and bad_char(r, "-+") is not None]  # drop -+- separator lines
        if len(rows) != s:
            raise ParseError(f"expected {s} rows, got {len(rows)}")
        for r, row in enumerate(rows):
            ch = bad_char(row, self.symbols)
            if ch is not None:
                raise ParseError(f"row {r + 1} holds {ascii(ch)}; cells must be {self.symbols[0]} to {self.symbols[-1]}")
            if len(row) != s:
                raise ParseError(f"row {r + 1} has {len(row)} cells, expected {s}")
        return np.array([[self.symbols.index(c) + 1 for c in row] for row in rows], dtype=np.int8)

    def defects(self, instance_ids: np.ndarray, answers: np.ndarray) -> np.ndarray:
        givens = self.env.puzzle_set.puzzles[instance_ids]
        return np.count_nonzero((givens > 0) & (answers != givens), axis=(-2, -1)).astype(np.int64)

    def repeats(self, answer: np.ndarray) -> list[tuple[str, int, int, int]]:
        """(unit kind, unit number 1-based, digit, times) for every digit seen twice or more in a unit."""
        a, b, s = np.asarray(answer), self.env.box, self.side
        units = [("row", i, a[i]) for i in range(s)] + [("column", i, a[:, i]) for i in range(s)]
        units += [("box", i, a[(i // b) * b : (i // b + 1) * b, (i % b) * b : (i % b + 1) * b].ravel()) for i in range(s)]
        out = []
        for kind, i, cells in units:
            counts = np.bincount(cells[cells > 0], minlength=s + 1)
            out.extend((kind, i + 1, d, int(counts[d])) for d in np.flatnonzero(counts >= 2).tolist())
        return out

    def feedback(self, instance_id: int, answer: np.ndarray) -> str:
        answer = np.asarray(answer)
        givens = self.env.puzzle_set.puzzles[int(instance_id)]
        lines = []
        changed = np.argwhere((givens > 0) & (answer != givens))
        if len(changed):
            items = [f"({r + 1}, {c + 1}) must stay {self.symbols[givens[r, c] - 1]}" for r, c in changed]
            lines.append(f"{len(items)} given(s) changed (row, column): {_listing(items)}.")
        reps = self.repeats(answer)
        if reps:
            total = sum(t - 1 for *_, t in reps)
            items = [f"{kind} {i} has {self.symbols[d - 1]} {t} times" for kind, i, d, t in reps]
            lines.append(f"{total} repeated symbol(s): {_listing(items)}.")
        return "\n".join(lines)


class ArcText(TextTask):
    """Grids as rows of colour digits 0-9 separated by spaces; any size from 1x1 to 30x30."""

    family = "arc"

    def split_ids(self, split: str) -> np.ndarray:
        return self.env.instance_ids(_ARC_SPLIT_ALIASES.get(split, split))

    def solutions(self, instance_id: int) -> np.ndarray:
        d, i = self.env.data, int(instance_id)
        h, w = d.test_output_shapes[i]
        return d.test_outputs[i, :h, :w][None].copy()

    def num_solutions(self, instance_id: int) -> int:
        return 1

    def instance_metadata(self, instance_id: int) -> dict[str, Any]:
        d, i = self.env.data, int(instance_id)
        return {"task_id": d.task_ids[int(d.test_task[i])], "test_index": int(d.test_index[i])}

    def answer_format(self) -> str:
        return ("Answer with the output grid only: one line per row, one digit 0-9 per cell, separated by spaces. "
                "You may wrap it in <answer></answer> tags.")

    def question(self, instance_id: int) -> str:
        d, i = self.env.data, int(instance_id)
        task = int(d.test_task[i])
        parts = ["Find the rule that turns each input grid into its output grid, then apply it to the test input. "
                 "A grid is rows of colour digits 0-9."]
        for k, (inp, out) in enumerate(self.env._demos(task)):
            parts.append(f"Example {k + 1}\nInput:\n{self.render_answer(inp)}\nOutput:\n{self.render_answer(out)}")
        h, w = d.test_input_shapes[i]
        parts.append(f"Test input:\n{self.render_answer(d.test_inputs[i, :h, :w])}")
        parts.append(self.answer_format())
        return "\n\n".join(parts)

    def render_answer(self, answer: Any) -> str:
        return "\n".join(" ".join(str(int(v)) for v in row) for row in np.asarray(answer))

    def parse_body(self, body: str) -> np.ndarray:
        from gram_envs.arc.logic import MAX_SIZE

        rows = grid_rows(body, "grid")
        if len(rows) > MAX_SIZE:
            raise ParseError(f"the grid has {len(rows)} rows; at most {MAX_SIZE}")
        for r, row in enumerate(rows):
            ch = bad_char(row, "0123456789")
            if ch is not None:
                raise ParseError(f"row {r + 1} holds {ascii(ch)}; cells must be digits 0-9")
            if len(row) != len(rows[0]):
                raise ParseError(f"row {r + 1} has {len(row)} cells but row 1 has {len(rows[0])}")
        if len(rows[0]) > MAX_SIZE:
            raise ParseError(f"the grid has {len(rows[0])} columns; at most {MAX_SIZE}")
        return np.array([[int(c) for c in row] for row in rows], dtype=np.int8)

    def stack(self, answers: list) -> dict[str, np.ndarray]:
        from gram_envs.arc.logic import MAX_SIZE

        grids = np.zeros((len(answers), MAX_SIZE, MAX_SIZE), dtype=np.int8)
        shapes = np.zeros((len(answers), 2), dtype=np.int64)
        for i, a in enumerate(answers):
            grids[i, : a.shape[0], : a.shape[1]] = a
            shapes[i] = a.shape
        return {"grid": grids, "shape": shapes}

    def check(self, instance_ids: np.ndarray, answers: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ids = np.asarray(instance_ids, dtype=np.int64)
        res = self.env.evaluate(ids, {"grid": answers["grid"][:, None], "shape": answers["shape"][:, None]},
                                record=False)
        valid = res["valid"][:, 0]
        return {
            "valid": valid,
            "conflicts": res["conflicts"][:, 0].astype(np.int64),
            "defects": np.zeros(len(ids), dtype=np.int64),
            "solution_index": np.where(valid, 0, -1).astype(np.int64),
        }

    def feedback(self, instance_id: int, answer: np.ndarray) -> str:
        answer = np.asarray(answer)
        d, i = self.env.data, int(instance_id)
        target = tuple(int(v) for v in d.test_output_shapes[i])
        if answer.shape != target:
            return f"Your grid is {answer.shape[0]} x {answer.shape[1]}; the expected output has another size."
        wrong = int(np.count_nonzero(answer != d.test_outputs[i, : target[0], : target[1]]))
        return f"The size is right but {wrong} of {target[0] * target[1]} cells are wrong." if wrong else ""


#: env class name -> adapter
_ADAPTERS: dict[str, type[TextTask]] = {
    "NQueensEnv": NQueensText,
    "GraphColoringEnv": ColoringText,
    "SudokuExtremeEnv": SudokuText,
    "SudokuEnv": SudokuText,
    "ArcEnv": ArcText,
}
_CACHE: dict[str, TextTask] = {}


def text_task(env_id: str, env_kwargs: dict[str, Any] | None = None) -> TextTask:
    """The (cached) text adapter of ``gym.make(env_id, **env_kwargs)``; ValueError for other envs."""
    import gram_envs  # noqa: F401  (registers the GRAM/... ids)

    kwargs = dict(env_kwargs or {})
    key = json.dumps([env_id, kwargs], sort_keys=True, default=repr)
    task = _CACHE.get(key)
    if task is None:
        if not isinstance(env_id, str) or env_id not in gym.registry or env_id.endswith("-Text"):
            raise ValueError(f"env_id must be a registered GRAM puzzle id such as 'GRAM/NQueens-8', got {env_id!r}")
        env = gym.make(env_id, **kwargs).unwrapped
        adapter = _ADAPTERS.get(type(env).__name__)
        if adapter is None:
            raise ValueError(
                f"{env_id} ({type(env).__name__}) has no text interface; supported: {sorted(_ADAPTERS)} "
                "(SudokuGen-9 has no enumerable solution set)"
            )
        task = _CACHE[key] = adapter(env_id, kwargs, env)
    return task
