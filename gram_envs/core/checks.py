"""Strict conversion of user answers: wrong shape, dtype or range is a clear ValueError."""

from __future__ import annotations

from typing import Any

import numpy as np


def integer_array(
    value: Any, shape: tuple[int, ...], low: int | np.ndarray, high: int | np.ndarray, what: str
) -> np.ndarray:
    """``value`` as int64 of exactly ``shape`` with ``low <= v <= high``, else ValueError.

    Floats are refused (even 1.0) and so are bools, so nothing is silently coerced.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise ValueError(f"{what} must be an integer array of shape {shape}: {exc}") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{what} must have an integer dtype, got {arr.dtype} (expected shape {shape})")
    if arr.shape != tuple(shape):
        raise ValueError(f"{what} must have shape {tuple(shape)}, got {arr.shape}")
    if arr.size and (np.any(arr < low) or np.any(arr > high)):
        raise ValueError(
            f"{what} values must lie in [{np.min(low)}, {np.max(high)}]; got range [{arr.min()}, {arr.max()}]"
        )
    return arr.astype(np.int64)
