"""Reading pictures in tests: the colour of a known place on a rendered map."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def hex_rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) for i in (0, 2, 4)])


def pixel_of(ax, fig, x: float, y: float, shape: tuple[int, int]) -> tuple[int, int]:
    """(row, column) in an image of ``shape`` of the data point (x, y) of ``ax`` in ``fig`` (drawn or scaled)."""
    px, py = ax.transData.transform((x, y))
    w, h = fig.canvas.get_width_height()
    sy, sx = shape[0] / h, shape[1] / w
    return int(round((h - py) * sy)), int(round(px * sx))


def colour_near(img: np.ndarray, row: int, col: int, color: str, radius: int = 2, tol: int = 12) -> bool:
    """Is there a pixel of ``color`` (within ``tol`` per channel) within ``radius`` pixels of (row, col)?"""
    patch = img[max(0, row - radius):row + radius + 1, max(0, col - radius):col + radius + 1]
    return bool((np.abs(patch - hex_rgb(color)).max(axis=-1) <= tol).any())


def share_of_colour(img: np.ndarray, color: str, tol: int = 12) -> float:
    return float((np.abs(img - hex_rgb(color)).max(axis=-1) <= tol).mean())
