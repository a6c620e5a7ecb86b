"""Extra input features for 2-D data: x1², x2², x1·x2, sin x1, sin x2.

A network that sees only (x1, x2) must build a circle out of straight cuts; given x1² and
x2² as inputs, one unit can draw it, since x1² + x2² = r² is a line in those coordinates.
TensorFlow Playground offers the same five (Smilkov et al. 2016), so an exercise from it
reads the same here.

``feature_map(X, names)`` keeps x1 and x2 as the first two columns and appends the chosen
features in the registry's order, whatever order ``names`` lists them in: the same choice
always gives the same columns, so a saved network and a shared link agree on what input 3 is.

Notation: ``X`` is ``(n, 2)``, column 0 is x1 and column 1 is x2; the result is
``(n, 2 + len(names))``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

# name -> (what the page shows, the column as a function of x1 and x2)
FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x1_squared": ("x₁²", lambda x1, x2: x1 * x1),
    "x2_squared": ("x₂²", lambda x1, x2: x2 * x2),
    "x1_times_x2": ("x₁x₂", lambda x1, x2: x1 * x2),
    "sin_x1": ("sin x₁", lambda x1, x2: np.sin(x1)),
    "sin_x2": ("sin x₂", lambda x1, x2: np.sin(x2)),
}
BASE_LABELS = ("x₁", "x₂")  # the two coordinates, always the first inputs


def canonical(names: Iterable[str]) -> list[str]:
    """``names`` checked against ``FEATURES``, without repeats, in the registry's order."""
    chosen = list(names)
    for name in chosen:
        if not isinstance(name, str) or name not in FEATURES:
            raise ValueError(f"features must be among {', '.join(FEATURES)}; got {name!r}")
    return [name for name in FEATURES if name in chosen]


def feature_map(X: np.ndarray, names: Iterable[str]) -> np.ndarray:
    """The inputs a network with features ``names`` sees for the points ``X`` (n, 2).

    Returns
    -------
    ndarray, (n, 2 + len(names))
        x1, x2, then each chosen feature (registry order), in ``X``'s float dtype.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2), got {X.shape}")
    names = canonical(names)
    if not names:
        return X
    x1, x2 = X[:, 0], X[:, 1]  # (n,) each
    columns = [FEATURES[name][1](x1, x2) for name in names]
    dtype = X.dtype if X.dtype.kind == "f" else np.float64  # sin of an integer is no integer
    return np.column_stack([X, *columns]).astype(dtype, copy=False)  # (n, 2 + m)


def input_labels(names: Iterable[str]) -> list[str]:
    """The labels of a network's inputs for features ``names``: ["x₁", "x₂", "x₁²", ...]."""
    return [*BASE_LABELS, *(FEATURES[name][0] for name in canonical(names))]
