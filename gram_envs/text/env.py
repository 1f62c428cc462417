"""``GRAM/<id>-Text``: multi-turn text episodes over a GRAM puzzle env.

Observation and action are ``gymnasium.spaces.Text``. ``reset`` returns the question
(``options={"split", "index"}`` as in the puzzle envs); each ``step(answer_text)`` returns
the env's reply: "Correct." for a valid answer (terminated), otherwise the exact reasons
(attacking queens, monochromatic edges, repeated symbols, wrong ARC cells, or why the text
could not be read) and the answer format, until ``max_turns`` answers (truncated). The
reward of a step is the answer's score (``gram_envs.text.scoring``: 1.0 valid, else
partial credit). Text that is not in the action space's charset is still read (any str).
"""

from __future__ import annotations

import string
from typing import Any, ClassVar

import gymnasium as gym
from gymnasium import spaces

from gram_envs.core.env import choose_instance
from gram_envs.text.scoring import check_partial_credit, score_texts
from gram_envs.text.tasks import text_task

CHARSET = frozenset(string.printable)
MAX_OBSERVATION_CHARS = 100_000
MAX_ACTION_CHARS = 20_000


class TextEnv(gym.Env):
    """Question, answer, exact feedback, for up to ``max_turns`` answers per puzzle."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        env_id: str = "GRAM/NQueens-8",
        env_kwargs: dict[str, Any] | None = None,
        split: str = "train",
        max_turns: int = 4,
        partial_credit: float = 0.0,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        if isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1:
            raise ValueError(f"max_turns must be a positive int, got {max_turns!r}")
        self.task = text_task(env_id, env_kwargs)
        self.task.split_ids(split)  # validates the split name
        self.default_split = split
        self.max_turns = max_turns
        self.partial_credit = check_partial_credit(partial_credit)
        self.render_mode = render_mode
        self.observation_space = spaces.Text(MAX_OBSERVATION_CHARS, min_length=1, charset=CHARSET)
        self.action_space = spaces.Text(MAX_ACTION_CHARS, min_length=0, charset=CHARSET)
        self._instance: int | None = None
        self._turn = 0
        self._done = False
        self._last = ""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        split, index, self._instance = choose_instance(options, self.default_split, self.task.split_ids,
                                                       self.np_random)
        self._turn = 0
        self._done = False
        self._last = self.task.question(self._instance)
        info = {"instance_id": self._instance, "split": split, "index": int(index),
                "num_solutions": self.task.num_solutions(self._instance), "max_turns": self.max_turns}
        return self._last, info

    def step(self, action: Any):
        if self._instance is None:
            raise RuntimeError("call reset() before step()")
        if self._done:
            raise RuntimeError("the episode has ended; call reset() for a new puzzle")
        self._turn += 1
        res = score_texts(self.task, [self._instance], [action], self.partial_credit)
        valid, parsed = bool(res["valid"][0]), bool(res["parsed"][0])
        terminated = valid
        truncated = not valid and self._turn >= self.max_turns
        if valid:
            reply = "Correct."
        else:
            if parsed:
                answer, _ = self.task.parse(action)
                reply = "Not a solution yet.\n" + self.task.feedback(self._instance, answer)
            else:
                reply = f"Could not read your answer: {res['errors'][0]}."
            reply += "\n" + self.task.answer_format()
            left = self.max_turns - self._turn
            reply += f"\nTurns left: {left}." if left else "\nNo turns left."
        self._done = terminated or truncated
        self._last = "".join(ch if ch in CHARSET else "?" for ch in reply)[:MAX_OBSERVATION_CHARS]
        info = {
            "valid": valid,
            "parsed": parsed,
            "error": res["errors"][0],
            "conflicts": int(res["conflicts"][0]),
            "defects": int(res["defects"][0]),
            "solution_index": int(res["solution_index"][0]),
            "num_solutions": self.task.num_solutions(self._instance),
            "instance_id": self._instance,
            "turn": self._turn,
            "turns_left": self.max_turns - self._turn,
        }
        return self._last, float(res["score"][0]), terminated, truncated, info

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called with render_mode=None; pass render_mode='ansi'")
            return None
        if self._instance is None:
            raise RuntimeError("call reset() before render()")
        return self._last
