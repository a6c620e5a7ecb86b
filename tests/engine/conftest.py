"""Fixtures shared by the engine tests: seeded randomness and small labelled data sets."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator: every test draws the same numbers on every run."""
    return np.random.default_rng(1234)


@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian blobs in 2-D: X (90, 2) float64, y (90,) labels 0..2."""
    draw = np.random.default_rng(7)
    centres = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
    y = np.repeat(np.arange(3), 30)
    X = centres[y] + 0.4 * draw.standard_normal((90, 2))
    return X, y


@pytest.fixture
def regression_data() -> tuple[np.ndarray, np.ndarray]:
    """A smooth 2-D regression problem: X (80, 2), y (80,) = sin(x1) + x2 / 2."""
    draw = np.random.default_rng(11)
    X = draw.uniform(-2.0, 2.0, (80, 2))
    return X, np.sin(X[:, 0]) + 0.5 * X[:, 1]
