"""Find the answer inside a model's text, safely: no eval, no backtracking regex, bounded work.

Rules (documented in docs/text.md): the text must be a ``str``; when it holds ``<answer>``
tags the content of the last ``<answer>...</answer>`` pair is the answer (a tag inside that
content is a failure); one surrounding code fence (```` ```lang ... ``` ````) is removed;
surrounding whitespace is ignored and ``\\r\\n`` counts as ``\\n``. Anything else is left to
the family parser, which accepts exactly its documented format.
"""

from __future__ import annotations

OPEN, CLOSE = "<answer>", "</answer>"
#: longest answer body a parser looks at (a 30x30 ARC grid with spaces is under 2,000 chars)
MAX_BODY_CHARS = 20_000


class ParseError(ValueError):
    """Raised inside parsers only; the public entry points turn it into a reason string."""


def extract_body(text: object) -> str:
    """The answer part of ``text`` with tags, one code fence and outer whitespace removed.

    Raises ``ParseError`` with a reason when there is no usable answer.
    """
    if not isinstance(text, str):
        raise ParseError(f"the answer must be a string, got {type(text).__name__}")
    end = text.rfind(CLOSE)
    if end >= 0:
        start = text.rfind(OPEN, 0, end)
        if start < 0:
            raise ParseError("found </answer> without an opening <answer> tag")
        body = text[start + len(OPEN) : end]
    elif OPEN in text:
        raise ParseError("found <answer> without a closing </answer> tag")
    else:
        body = text
    if len(body) > MAX_BODY_CHARS:
        raise ParseError(f"the answer is {len(body)} characters long; at most {MAX_BODY_CHARS} are read")
    if OPEN in body or CLOSE in body:
        raise ParseError("nested <answer> tags")
    body = body.replace("\r\n", "\n").strip()
    if body.startswith("```"):
        first_newline = body.find("\n")
        if first_newline < 0 or not body.endswith("```") or len(body) < first_newline + 4:
            raise ParseError("unclosed code fence")
        body = body[first_newline + 1 : -3].strip()
        if "```" in body:
            raise ParseError("more than one code fence")
    if not body:
        raise ParseError("the answer is empty")
    return body


def grid_rows(body: str, what: str) -> list[str]:
    """Non-empty lines of a grid answer with inner whitespace removed."""
    rows = ["".join(line.split()) for line in body.split("\n")]
    rows = [r for r in rows if r]
    if not rows:
        raise ParseError(f"no {what} rows found")
    return rows


def bad_char(row: str, allowed: str) -> str | None:
    """First character of ``row`` not in ``allowed`` (None if all are allowed)."""
    for ch in row:
        if ch not in allowed:
            return ch
    return None
