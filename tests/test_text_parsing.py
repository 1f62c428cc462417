"""Text renderers and strict parsers: round trips, extraction rules, adversarial text."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gram_envs.text import score_texts, text_task
from gram_envs.text.extract import MAX_BODY_CHARS

TASKS = {
    "nq8": ("GRAM/NQueens-8", {}),
    "gc8": ("GRAM/GraphColoring-8", {}),
    "sudoku": ("GRAM/Sudoku-Extreme", {}),
    "arc": ("GRAM/ARC-AGI-1", {"data_path": "fixtures"}),
}


def task_of(key: str):
    return text_task(*TASKS[key])


def all_ids(task) -> np.ndarray:
    return np.concatenate([task.split_ids("train"), task.split_ids("test")])


def test_every_nqueens8_solution_round_trips() -> None:
    task = task_of("nq8")
    seen = {}
    for i in all_ids(task)[:400].tolist():
        for sol in task.solutions(i):
            seen[sol.tobytes()] = sol
    assert len(seen) == 92  # every 8-queens board occurs among these instances' completions
    for sol in seen.values():
        text = task.render_answer(sol)
        answer, error = task.parse(text)
        assert error is None and np.array_equal(answer, sol)


@pytest.mark.parametrize("key", sorted(TASKS))
@settings(max_examples=25)
@given(data=st.data())
def test_render_parse_round_trip(key: str, data) -> None:
    task = task_of(key)
    ids = all_ids(task)
    instance = int(ids[data.draw(st.integers(0, len(ids) - 1))])
    sols = task.solutions(instance)
    sol = sols[data.draw(st.integers(0, len(sols) - 1))]
    text = task.render_answer(sol)
    wrapped = data.draw(st.sampled_from([
        text, f"<answer>{text}</answer>", f"reasoning...\n<answer>\n{text}\n</answer>\n", f"```\n{text}\n```",
        f"<answer>\n```text\n{text}\n```\n</answer>", f"  \r\n{text}\r\n\n",
    ]))
    answer, error = task.parse(wrapped)
    assert error is None, error
    assert np.array_equal(answer, sol)
    res = score_texts(task, [instance], [wrapped])
    assert res["valid"][0] and res["score"][0] == 1.0
    assert 0 <= res["solution_index"][0] < len(sols)
    assert np.array_equal(sols[res["solution_index"][0]], task.solutions(instance)[res["solution_index"][0]])


def test_question_shows_the_puzzle_and_format() -> None:
    task = task_of("nq8")
    q = task.question(int(task.split_ids("test")[0]))
    board = task.env.puzzle_set.puzzles[int(task.split_ids("test")[0])]
    assert task.render_answer(board) in q and "Q for a queen" in q
    assert q.isascii()
    gc = task_of("gc8")
    assert "Edges (" in gc.question(0) and gc.question(0).isascii()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "must be a string"),
        (b"Q", "must be a string"),
        ("", "empty"),
        ("<answer></answer>", "empty"),
        ("<answer>Q", "without a closing"),
        ("Q</answer>", "without an opening"),
        ("<answer><answer>x</answer></answer>", "nested"),
        ("```\nQ _", "unclosed code fence"),
        ("x" * (MAX_BODY_CHARS + 1), "at most"),
        ("_ _ _\n" * 8, "has 3 cells"),
        ("__import__('os').system('true')", "expected 8 rows"),
        ("\n".join(["Q _ _ _ _ _ _ é"] * 8), "'\\xe9'"),
    ],
)
def test_parse_failures_name_a_reason(text, reason: str) -> None:
    answer, error = task_of("nq8").parse(text)
    assert answer is None and reason in error


def test_coloring_and_arc_parsers_are_strict() -> None:
    gc = task_of("gc8")
    assert gc.parse("[0, 1, 2, 0, 1, 2, 0, 1]")[1] is None
    assert "expected 8 colours" in gc.parse("0 1 2")[1]
    assert "expected a number 0 to 2" in gc.parse("0 1 2 0 1 2 0 3")[1]
    assert "expected a number" in gc.parse("0 1 2 0 1 2 0 ½")[1]
    assert "expected a number" in gc.parse("0 1 2 0 1 2 0 -1")[1]
    arc = task_of("arc")
    assert arc.parse("1 2\n3 4")[0].shape == (2, 2)
    assert "row 2 has 1 cells" in arc.parse("1 2\n3")[1]
    assert "at most 30" in arc.parse("1\n" * 31)[1]


ADVERSARIAL = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="Q_ \n\t<>/answer`", max_size=400),
    st.builds(lambda s, k: s * k, st.text(min_size=1, max_size=20), st.integers(0, 3000)),
    st.sampled_from([
        "[[1 if i == j else 0 for j in range(8)] for i in range(8)]",
        "eval('1')", "exec('import os')", "<answer>" * 1000 + "</answer>", "\x00" * 5000, "\U0001f451 " * 64,
        "<answer>\n" + "Q _ _ _ _ _ _ _\n" * 8 + "</answer><answer>", "Q" * 10**6,
    ]),
    st.integers(), st.none(), st.lists(st.integers(), max_size=3),
)


@pytest.mark.parametrize("key", sorted(TASKS))
@settings(max_examples=40)
@given(text=ADVERSARIAL, partial=st.sampled_from([0.0, 0.3, 0.9]))
def test_adversarial_text_never_raises_or_overscores(key: str, text, partial: float) -> None:
    task = task_of(key)
    instance = int(task.split_ids("test" if key != "arc" else "training")[0])
    res = score_texts(task, [instance], [text], partial)
    if not res["valid"][0]:
        assert 0.0 <= res["score"][0] <= partial / 2 + 1e-12
    if not res["parsed"][0]:
        assert res["score"][0] == 0.0 and isinstance(res["errors"][0], str)


def test_vectorised_nqueens_parser_matches_the_per_text_parser() -> None:
    task = task_of("nq8")
    rng = np.random.default_rng(0)
    base = [task.render_answer(b) for b in rng.integers(0, 2, (300, 8, 8))]
    texts = []
    for s in base:  # one character replaced, inserted or removed, or the text kept
        k = int(rng.integers(len(s)))
        c = str(rng.choice(list("Q_ \nxé\t")))
        texts.append(rng.choice([s, s[:k] + c + s[k + 1 :], s[:k] + c + s[k:], s[:k] + s[k + 1 :]]))
    compact = "\n".join(base[0].replace(" ", "")[k : k + 9].strip() for k in range(0, 72, 9))
    texts += [None, 7, "<answer>" + base[0] + "</answer>", ("<answer>" + compact + "</answer>").ljust(len(base[0])),
              ("```\n" + compact + "\n```").rjust(len(base[0]))]
    assert len(texts[-1]) == len(texts[-2]) == len(base[0])
    ok, boards, errors = task.parse_many(texts)
    expected = [task.parse(t) for t in texts]
    assert ok.tolist() == [e is None for _, e in expected]
    assert errors == [e for _, e in expected]
    assert np.array_equal(boards, np.stack([a for a, e in expected if e is None]))
