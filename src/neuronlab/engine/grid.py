"""Grids over the input plane, for drawing what a 2-D network computes everywhere.

A picture of a decision boundary is the network evaluated at the centre of every cell of a
``size`` x ``size`` grid. The cells are listed the way an image is stored: row by row from
the top (largest x2) down, each row from left (smallest x1) to right. So
``network.predict_proba(plane_grid(bounds, size)).reshape(size, size, k)`` is an image.

Notation: ``X`` is ``(n, 2)``, column 0 is x1 (horizontal), column 1 is x2 (vertical).
"""

from __future__ import annotations

import math

import numpy as np

Bounds = tuple[float, float, float, float]  # x1_min, x1_max, x2_min, x2_max


def plane_bounds(X: np.ndarray, minimum: float = 1.2, margin: float = 1.05) -> Bounds:
    """A square centred on the origin that holds every point of ``X`` (n, 2).

    Half its side is the largest ``|coordinate| * margin``, at least ``minimum``, rounded
    up to a tenth so that nearby datasets share the same frame.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2), got {X.shape}")
    if minimum <= 0 or margin < 1:
        raise ValueError("minimum must be > 0 and margin >= 1")
    finite = X[np.isfinite(X).all(axis=1)]
    largest = float(np.abs(finite).max()) * margin if len(finite) else 0.0
    half = max(minimum, math.ceil(largest * 10) / 10)
    return (-half, half, -half, half)


def plane_grid(bounds: Bounds, size: int) -> np.ndarray:
    """The centres of a ``size`` x ``size`` grid of cells over ``bounds``, image order.

    Returns
    -------
    X : ndarray, (size * size, 2)
        Row ``i * size + j`` is the centre of the cell in image row ``i`` (from the top)
        and column ``j`` (from the left).
    """
    x1_min, x1_max, x2_min, x2_max = (float(v) for v in bounds)
    if not (x1_min < x1_max and x2_min < x2_max):
        raise ValueError(
            f"bounds must be (x1_min, x1_max, x2_min, x2_max) with min < max, got {bounds}"
        )
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    step_1 = (x1_max - x1_min) / size
    step_2 = (x2_max - x2_min) / size
    x1 = x1_min + step_1 * (np.arange(size) + 0.5)  # left to right
    x2 = x2_max - step_2 * (np.arange(size) + 0.5)  # top to bottom
    x1_grid, x2_grid = np.meshgrid(x1, x2)  # (size, size) each, image order
    return np.column_stack([x1_grid.ravel(), x2_grid.ravel()])  # (size * size, 2)
