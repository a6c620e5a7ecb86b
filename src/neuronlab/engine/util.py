"""Small helpers shared by the engine modules: seeded randomness and argument checks."""

from __future__ import annotations

import math
import numbers

import numpy as np


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Every random draw goes through a seeded Generator: same seed, same run."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
    ):
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    return np.random.default_rng(seed)


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Return value as a float, or raise ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound} and finite, got {value!r}")
    return value


def check_fraction(name: str, value: float, *, low: float = 0.0, high: float = 1.0) -> float:
    """Return value as a float in [low, high), or raise ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not (low <= value < high):
        raise ValueError(f"{name} must be in [{low}, {high}), got {value!r}")
    return value


def check_int(name: str, value: int, *, low: int = 1, high: int | None = None) -> int:
    """Return value as an int in [low, high], or raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        upper = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be >= {low}{upper}, got {value}")
    return value
