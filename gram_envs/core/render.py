"""Tiny dependency-free raster helpers shared by the families' ``rgb_array`` renders."""

from __future__ import annotations

import numpy as np


def grid_image(colors: np.ndarray, cell: int = 24, border: int = 1) -> np.ndarray:
    """Paint an (H, W, 3) uint8 colour grid as cells of ``cell`` pixels with grid lines."""
    colors = np.asarray(colors, dtype=np.uint8)
    h, w = colors.shape[:2]
    img = np.repeat(np.repeat(colors, cell, axis=0), cell, axis=1)
    if border:
        img[::cell, :, :] = 60
        img[:, ::cell, :] = 60
        img = np.pad(img, ((0, border), (0, border), (0, 0)), constant_values=60)
    return np.ascontiguousarray(img[: h * cell + border, : w * cell + border])


def disc_mask(cell: int, radius_frac: float = 0.35) -> np.ndarray:
    """Boolean (cell, cell) disc, used to draw a piece (a queen, a vertex) in a cell."""
    yy, xx = np.mgrid[:cell, :cell]
    c = (cell - 1) / 2
    return (yy - c) ** 2 + (xx - c) ** 2 <= (radius_frac * cell) ** 2
