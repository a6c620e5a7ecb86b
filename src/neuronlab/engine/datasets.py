"""Toy 2-D datasets, a stratified split, and the real datasets that ship with scikit-learn.

Every generator draws its points so that, before noise, they lie in the square
[-1, 1]^2; ``noise`` runs from 0 (clean) to about 1 (the classes mix): it is the
standard deviation of Gaussian jitter added to each coordinate, in units of
``NOISE_SCALE`` = 0.25 (a quarter of the half-width). So noise 0.1 jitters a point by
about 0.025, which leaves every set learnable to ~100%, and noise 1 by 0.25, more than
the gaps between the classes. The lab draws the plane [-1.2, 1.2]^2. For the regression
sets ("surface", "saddle") the noise is the standard deviation added to the target instead.

Classification sets return integer labels ``y`` of shape ``(n,)`` with classes
``0..k-1``, balanced: class sizes differ by at most one. Every random draw goes through
``np.random.default_rng(seed)``, so the same seed gives the same data.

Notation: ``X`` is ``(n, 2)``, rows are samples; ``c`` is a class index, ``k`` the
number of classes, ``t`` a position along a curve in [0, 1], ``r`` a radius.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np

from .util import as_rng, check_fraction, check_int, check_positive

Dataset = tuple[np.ndarray, np.ndarray]

N_RANGE = (2, 100_000)
CLASSES_RANGE = (2, 6)


def _balanced_labels(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Labels 0..k-1, as equal in count as n allows, in random order."""
    return rng.permutation(np.arange(n) % k)


def _check_classes(value: int, argument: str) -> int:
    return check_int(argument, value, low=CLASSES_RANGE[0], high=CLASSES_RANGE[1])


NOISE_SCALE = 0.25


def _jitter(noise: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian jitter of standard deviation noise · NOISE_SCALE per coordinate, (n, 2)."""
    return (noise * NOISE_SCALE) * rng.standard_normal((n, 2))


def spirals(n: int, noise: float, rng: np.random.Generator, arms: int = 2) -> Dataset:
    """Interleaved spiral arms, one class per arm.

    Arm c is the curve r = 0.05 + 0.95 t, angle = 2 pi (c / arms + 1.75 t) for t in [0, 1]:
    every arm turns one and three quarter times round the centre; the arms never cross.
    """
    arms = _check_classes(arms, "arms")
    y = _balanced_labels(n, arms, rng)
    t = rng.uniform(0.0, 1.0, size=n)
    r = 0.05 + 0.95 * t
    angle = 2 * np.pi * (y / arms + 1.75 * t)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])  # (n, 2)
    return X + _jitter(noise, n, rng), y


def circles(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """A disc (class 0, radius <= 0.5) inside a ring (class 1, radius 0.7 to 1)."""
    y = _balanced_labels(n, 2, rng)
    r = np.where(y == 0, 0.5 * np.sqrt(rng.uniform(0.0, 1.0, n)), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return X + _jitter(noise, n, rng), y


def xor(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """The four quadrants: class 1 where the signs of x1 and x2 differ (x1 XOR x2 > 0).

    Points keep 0.1 away from the axes, so with no noise a gap separates the quadrants.
    """
    y = _balanced_labels(n, 2, rng)
    sign_1 = rng.choice([-1.0, 1.0], size=n)
    sign_2 = np.where(y == 1, -sign_1, sign_1)
    X = np.column_stack([sign_1, sign_2]) * rng.uniform(0.1, 1.0, (n, 2))
    return X + _jitter(noise, n, rng), y


def gaussian(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> Dataset:
    """Round Gaussian blobs of standard deviation 0.1, centred on a circle of radius 0.6.

    Blob c sits at angle pi/4 + 2 pi c / classes; ``noise`` widens every blob.
    """
    classes = _check_classes(classes, "classes")
    y = _balanced_labels(n, classes, rng)
    angle = np.pi / 4 + 2 * np.pi * y / classes
    centres = 0.6 * np.column_stack([np.cos(angle), np.sin(angle)])  # (n, 2)
    X = centres + 0.1 * rng.standard_normal((n, 2))
    return X + _jitter(noise, n, rng), y


def moons(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two interleaved half-circles, scaled by 1/1.5 so that x1 spans [-1, 1].

    Class 0: (cos t, sin t); class 1: (1 - cos t, 0.5 - sin t); t in [0, pi]; both then
    shifted by (-0.5, -0.25) and scaled by 1/1.5 (the shape scikit-learn's make_moons draws).
    """
    y = _balanced_labels(n, 2, rng)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])
    X = (np.where(y[:, None] == 0, upper, lower) - [0.5, 0.25]) / 1.5
    return X + _jitter(noise, n, rng), y


def surface(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Regression: y = sin(pi x1) cos(pi x2 / 2) + noise * N(0, 1), X uniform on [-1, 1]^2."""
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = np.sin(np.pi * X[:, 0]) * np.cos(np.pi * X[:, 1] / 2)
    return X, y + noise * rng.standard_normal(n)


def saddle(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Regression: y = x1^2 - x2^2 + noise * N(0, 1), X uniform on [-1, 1]^2.

    The hyperbolic paraboloid: up along x1, down along x2, flat at the origin. Its
    values span [-1, 1] like "surface"'s, but it has no wave: a network learns it with
    two bends per axis.
    """
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = X[:, 0] ** 2 - X[:, 1] ** 2
    return X, y + noise * rng.standard_normal(n)


DATASETS: dict[str, Callable[..., Dataset]] = {
    "spirals": spirals,
    "circles": circles,
    "xor": xor,
    "gaussian": gaussian,
    "moons": moons,
    "surface": surface,
    "saddle": saddle,
}

DATASET_INFO: dict[str, str] = {
    "spirals": "Interleaved spiral arms, one class per arm (2 to 6 arms); needs a curved boundary.",
    "circles": "A disc of one class inside a ring of the other; no straight line separates them.",
    "xor": "Four quadrants, opposite corners alike: the set a single perceptron cannot learn.",
    "gaussian": "Round clouds of points, one per class (2 to 6); nearly separable by lines.",
    "moons": "Two interlocking half-moons; a gently curved boundary separates them.",
    "surface": "Regression: a smooth wavy height over the plane, y = sin(pi x1) cos(pi x2 / 2).",
    "saddle": "Regression: a saddle-shaped height, y = x1^2 - x2^2: up along x1, down along x2.",
}

REGRESSION_DATASETS = frozenset({"surface", "saddle"})


def _check_name(name: object, known: tuple[str, ...] | dict, argument: str = "name") -> str:
    if not isinstance(name, str) or name not in known:
        raise ValueError(f"{argument} must be one of {', '.join(known)}; got {name!r}")
    return name


def make_dataset(name: str, n: int = 200, noise: float = 0.1, seed: int = 0, **kw) -> Dataset:
    """Draw a 2-D dataset from the registry.

    Parameters
    ----------
    name : str
        A key of ``DATASETS``: "spirals", "circles", "xor", "gaussian", "moons", "surface",
        "saddle".
    n : int
        Number of points, 2 to 100000 (and at least the number of classes).
    noise : float
        Jitter, >= 0: 0 is clean, 1 mixes the classes (std noise · 0.25 per coordinate);
        for the regression sets ("surface", "saddle"), the standard deviation of the noise
        on the target.
    seed : int or Generator
        Seed for ``np.random.default_rng`` (or a Generator to draw from).
    **kw
        ``arms`` (2..6) for "spirals", ``classes`` (2..6) for "gaussian".

    Returns
    -------
    X : ndarray, (n, 2), float64
    y : ndarray, (n,), int64 classes 0..k-1 (float64 values for "surface" and "saddle")
    """
    name = _check_name(name, DATASETS)
    n = check_int("n", n, low=N_RANGE[0], high=N_RANGE[1])
    noise = check_positive("noise", noise, allow_zero=True)
    generator = DATASETS[name]
    accepted = list(inspect.signature(generator).parameters)[3:]
    for key in kw:
        if key not in accepted:
            takes = f"takes only {', '.join(accepted)}" if accepted else "takes no extra arguments"
            raise TypeError(f"dataset {name!r} {takes}; got the argument {key!r}")
    k = 1 if name in REGRESSION_DATASETS else 2
    for key in ("arms", "classes"):
        if key in kw:
            k = kw[key] = _check_classes(kw[key], key)
    if n < k:
        raise ValueError(f"n must be at least the number of classes ({k}), got {n}")
    X, y = generator(n, noise, as_rng(seed), **kw)
    y = y.astype(np.float64 if name in REGRESSION_DATASETS else np.int64)
    return X.astype(np.float64, copy=False), y


def train_val_test_split(
    X: np.ndarray,
    y: np.ndarray,
    *,
    val: float = 0.2,
    test: float = 0.0,
    seed: int = 0,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into training, validation and test sets.

    With ``stratify`` and integer labels, every class is split on its own, so each part
    keeps the class proportions (per class: round(val * count) to validation,
    round(test * count) to test, at least one point left for training). Float targets
    are shuffled and split as a whole.

    Parameters
    ----------
    X : ndarray, (n, d)
    y : ndarray, (n,) or (n, k)
    val, test : float
        Fractions in [0, 1) with val + test < 1. An empty part has 0 rows.
    seed : int or Generator
        Seed for ``np.random.default_rng`` (or a Generator to draw from).
    stratify : bool
        Split class by class (integer ``y`` only).

    Returns
    -------
    X_train, y_train, X_val, y_val, X_test, y_test : ndarray
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of rows, got shapes {X.shape} and {y.shape}"
        )
    if len(X) < 2:
        raise ValueError(f"X must have at least 2 rows to split, got {len(X)}")
    val, test = check_fraction("val", val), check_fraction("test", test)
    if val + test >= 1:
        raise ValueError(f"val + test must be < 1 to leave training data, got {val + test}")
    rng = as_rng(seed)
    if stratify and y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        groups = [np.flatnonzero(y == c) for c in np.unique(y)]
    else:
        groups = [np.arange(len(y))]
    parts: list[list[np.ndarray]] = [[], [], []]  # train, val, test indices
    for members in groups:
        members = rng.permutation(members)
        count = len(members)
        n_test = min(int(math.floor(test * count + 0.5)), count - 1)
        n_val = min(int(math.floor(val * count + 0.5)), count - 1 - n_test)
        parts[2].append(members[:n_test])
        parts[1].append(members[n_test : n_test + n_val])
        parts[0].append(members[n_test + n_val :])
    train, validation, testing = (rng.permutation(np.concatenate(p)) for p in parts)
    return X[train], y[train], X[validation], y[validation], X[testing], y[testing]


REAL_DATASETS = ("digits", "iris", "wine", "breast_cancer")

REAL_DATASET_INFO: dict[str, str] = {
    "digits": "1797 handwritten digits as 8x8 grey images (64 features), 10 classes.",
    "iris": "150 iris flowers, 4 measurements each, 3 species.",
    "wine": "178 wines, 13 chemical measurements each, 3 cultivars.",
    "breast_cancer": "569 tumour samples, 30 features each, malignant or benign.",
}


def standardise(X: np.ndarray) -> np.ndarray:
    """Shift each column to mean 0 and scale it to variance 1; constant columns become 0."""
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)


def load_real(name: str) -> Dataset:
    """Load a dataset that ships with scikit-learn, features standardised.

    scikit-learn is imported here, not at module level, so the engine stays numpy-only.
    No download happens: these four sets are installed with scikit-learn.

    Returns
    -------
    X : ndarray, (n, d), float64, each column of mean 0 and variance 1 (constant ones 0)
    y : ndarray, (n,), int64 classes 0..k-1
    """
    name = _check_name(name, REAL_DATASETS)
    from sklearn import datasets as sklearn_datasets

    X, y = getattr(sklearn_datasets, f"load_{name}")(return_X_y=True)
    return standardise(X), np.asarray(y, dtype=np.int64)
