"""Strict conversion of user input: wrong type, shape, dtype or range is a clear ValueError.

Only real integer kinds count as integers: signed and unsigned ints. Bools, floats (even
1.0), timedelta/datetime, strings, objects and masked arrays are refused, because numpy
would otherwise coerce them silently (a timedelta64 is a numpy integer subclass, a list
mixing ``True`` with ints becomes an int array, a masked array loses its mask).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

_INT_KINDS = "iu"


def _refuse_hidden(value: Any, what: str, expected: str) -> None:
    """Walk nested lists/tuples for masked arrays, bools and non-integer arrays numpy would coerce."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, np.ma.MaskedArray):
            raise ValueError(f"{what} must be {expected}; masked arrays are refused (the mask would be lost)")
        if isinstance(item, np.ndarray):
            if item.dtype.kind not in _INT_KINDS:
                raise ValueError(f"{what} must be {expected}; found an element array of dtype {item.dtype}")
        elif isinstance(item, (bool, np.bool_)):
            raise ValueError(f"{what} must be {expected}; found the bool {item!r} (write 0/1 as ints)")
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


def as_integer_array(value: Any, what: str, expected: str = "an integer array") -> np.ndarray:
    """``value`` as an ndarray of a signed/unsigned integer dtype (no copy for int arrays), else ValueError."""
    if isinstance(value, np.ma.MaskedArray):
        raise ValueError(f"{what} must be {expected}; masked arrays are refused (the mask would be lost)")
    if isinstance(value, (list, tuple)):
        _refuse_hidden(value, what, expected)
    elif isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{what} must be {expected}, got the bool {value!r}")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise ValueError(f"{what} must be {expected}: {exc}") from None
    if arr.dtype.kind not in _INT_KINDS:
        raise ValueError(
            f"{what} must have an integer dtype (signed or unsigned int), got {arr.dtype}; expected {expected}"
        )
    return arr


def integer_array(
    value: Any, shape: tuple[int, ...], low: int | np.ndarray, high: int | np.ndarray, what: str
) -> np.ndarray:
    """``value`` as int64 of exactly ``shape`` with ``low <= v <= high``, else ValueError.

    Floats are refused (even 1.0) and so are bools, timedeltas and masked arrays, so nothing
    is silently coerced.
    """
    shape = tuple(shape)
    arr = as_integer_array(value, what, f"an integer array of shape {shape}")
    if arr.shape != shape:
        raise ValueError(f"{what} must have shape {shape}, got {arr.shape}")
    check_range(arr, low, high, what)
    return arr.astype(np.int64)


def check_range(arr: np.ndarray, low: int | np.ndarray, high: int | np.ndarray, what: str) -> None:
    """ValueError unless every value lies in [low, high] (scalar bounds allocate nothing)."""
    if not arr.size:
        return
    lo, hi = arr.min(), arr.max()
    scalar = np.ndim(low) == 0 and np.ndim(high) == 0
    if (lo < low or hi > high) if scalar else bool(np.any(arr < low) or np.any(arr > high)):
        raise ValueError(f"{what} values must lie in [{np.min(low)}, {np.max(high)}]; got range [{lo}, {hi}]")


def is_int(value: Any) -> bool:
    """True for Python/numpy integers; False for bools, timedeltas and everything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_, np.timedelta64))


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """``value`` as a Python int within [low, high] (None: unbounded), else ValueError naming it."""
    bounds = f" in [{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    if not is_int(value) or (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an int{bounds}, got {value!r} ({type(value).__name__})")
    return int(value)


def check_real(name: str, value: Any, low: float, high: float, *, open_low: bool = False,
               open_high: bool = False) -> float:
    """``value`` as a finite float in the interval, else ValueError naming it (bools refused)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    ok = ok and not isinstance(value, np.timedelta64) and np.isfinite(float(value))
    if ok:
        v = float(value)
        ok = (v > low if open_low else v >= low) and (v < high if open_high else v <= high)
    if not ok:
        interval = f"{'(' if open_low else '['}{low}, {high}{')' if open_high else ']'}"
        raise ValueError(f"{name} must be a number in {interval}, got {value!r} ({type(value).__name__})")
    return float(value)


def check_bool(name: str, value: Any) -> bool:
    """``value`` if it is a bool, else ValueError (no truthiness coercion of strings or ints)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_int_pair(name: str, value: Any, low: int | None = None, high: int | None = None) -> tuple[int, int]:
    """A (lo, hi) pair of ints with lo <= hi, each within [low, high], else ValueError."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (Sequence, np.ndarray)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (lo, hi) of ints, got {value!r}")
    lo, hi = (check_int(f"{name}[{i}]", v, low, high) for i, v in enumerate(value))
    if lo > hi:
        raise ValueError(f"{name} must satisfy lo <= hi, got {value!r}")
    return lo, hi


def check_split(split: Any, accepted: Sequence[str], aliases: Mapping[str, str] | None = None) -> str:
    """The canonical split name of ``split`` (aliases resolved), else ValueError listing the accepted names."""
    aliases = aliases or {}
    names = list(accepted) + [a for a in aliases if a not in accepted]
    if not isinstance(split, str) or (split not in accepted and split not in aliases):
        raise ValueError(f"unknown split {split!r}; expected one of {names}")
    return aliases.get(split, split)
