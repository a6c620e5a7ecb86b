"""Decision boundaries, regression surfaces and the GIF of a boundary as it is learned."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib import pyplot as plt
from matplotlib.axes import Axes

from ..engine.grid import plane_grid
from ..engine.network import Network
from ._common import _axes, class_colour, class_marker

MARGIN = 0.08  # the frame reaches this share of the data's extent beyond it, on every side
EQUAL_ASPECT_UP_TO = 4.0  # one unit is one unit on both axes unless the extents differ more


def data_bounds(X: np.ndarray, margin: float = MARGIN) -> tuple[float, float, float, float]:
    """(x1_min, x1_max, x2_min, x2_max): the points' extent with a margin on every side.

    As scikit-learn's DecisionBoundaryDisplay frames its plane from the data (it pads by a
    fixed ``eps``; here the pad is a share of the extent, so data in metres and data in
    millimetres are framed alike). A flat axis gets the other axis's pad.
    """
    X = np.asarray(X, dtype=float)
    finite = X[np.isfinite(X).all(axis=1)]
    if len(finite) == 0:
        return (-1.0, 1.0, -1.0, 1.0)
    low, high = finite.min(axis=0), finite.max(axis=0)
    extent = high - low
    pad = margin * np.where(extent > 0, extent, max(float(extent.max()), 1.0))
    return (float(low[0] - pad[0]), float(high[0] + pad[0]),
            float(low[1] - pad[1]), float(high[1] + pad[1]))  # fmt: skip


def _frame(ax: Axes, bounds) -> None:
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    width, height = bounds[1] - bounds[0], bounds[3] - bounds[2]
    ratio = max(width, height) / max(min(width, height), 1e-300)
    ax.set_aspect("equal" if ratio <= EQUAL_ASPECT_UP_TO else "auto")


# ------------------------------------------------------------------------- model outputs
def model_outputs(model: Any, X: np.ndarray) -> np.ndarray:
    """What a model says about the rows of X: class probabilities (n, k), or values (n,).

    ``model`` is a :class:`~neuronlab.engine.network.Network`, or anything with
    ``predict_proba`` (neuronlab's or scikit-learn's classifiers) or ``predict``.
    """
    if isinstance(model, Network):
        if model.output == "softmax":
            return model.predict_proba(X)
        return model.predict(X).reshape(len(X), -1)[:, 0]
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(X))
    if hasattr(model, "predict"):
        return np.asarray(model.predict(X), dtype=float).reshape(len(X), -1)[:, 0]
    raise TypeError(
        f"model must be a Network or have predict_proba / predict, got {type(model).__name__}"
    )


def probability_image(probabilities: np.ndarray) -> np.ndarray:
    """RGB image (h, w, 3) from class probabilities (h, w, k): the winning class's colour,
    stronger the surer the model is, white where it cannot decide (p = 1/k)."""
    h, w, k = probabilities.shape
    colours = np.array([matplotlib.colors.to_rgb(class_colour(c)) for c in range(k)])
    winner = probabilities.argmax(axis=2)  # (h, w)
    sure = (probabilities.max(axis=2) - 1 / k) / (1 - 1 / k)  # 0 undecided .. 1 certain
    strength = 0.65 * np.clip(sure, 0, 1)[..., None] ** 0.8
    image = (1 - strength) * 1.0 + strength * colours[winner]
    image[~np.isfinite(probabilities).all(axis=2)] = 0.6  # a diverged model: grey
    return image


def _scatter_classes(ax: Axes, X: np.ndarray, y: np.ndarray, *, filled: bool, size: float):
    for c in np.unique(y):
        rows = y == c
        colour = class_colour(int(c))
        if filled:
            style = {"facecolors": colour, "edgecolors": "#222222", "linewidths": 0.5}
        else:
            style = {"facecolors": "white", "edgecolors": colour, "linewidths": 1.4}
        ax.scatter(X[rows, 0], X[rows, 1], s=size, marker=class_marker(int(c)), **style)


def plot_decision_boundary(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    *,
    resolution: int = 200,
    bounds: tuple[float, float, float, float] | None = None,
    title: str | None = None,
) -> Axes:
    """Shade the plane by what a classifier predicts and draw the points on it.

    Parameters
    ----------
    model : Network, or a classifier with ``predict_proba`` (two input features)
    X, y : (n, 2) training points and their labels, drawn filled: integer classes 0..k-1,
        or for a fitted estimator any labels among its ``classes_`` (strings too)
    X_val, y_val : optional validation points, drawn outlined
    resolution : cells per side of the shaded grid
    bounds : (x1_min, x1_max, x2_min, x2_max); by default the points' extent and a margin
        (``data_bounds``), wherever the points lie
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) to draw a plane, got {X.shape}")
    y, names = _class_indices(model, y, "y")
    if y_val is not None:
        y_val, _ = _class_indices(model, y_val, "y_val")
    ax = _axes(ax)
    every = X if X_val is None else np.vstack([X, np.asarray(X_val, dtype=float)])
    bounds = bounds or data_bounds(every)
    probabilities = model_outputs(model, plane_grid(bounds, resolution))
    if probabilities.ndim != 2:
        raise ValueError(
            "plot_decision_boundary needs a classifier; for regression use plot_regression_surface"
        )
    grid = probabilities.reshape(resolution, resolution, -1)  # image order: top row first
    ax.imshow(probability_image(grid), extent=bounds, origin="upper", interpolation="bilinear")
    k = grid.shape[2]
    # the decision boundary: where the predicted class changes
    x1 = np.linspace(bounds[0], bounds[1], resolution)
    x2 = np.linspace(bounds[3], bounds[2], resolution)
    if k == 2:
        ax.contour(x1, x2, grid[..., 1], levels=[0.5], colors="#333333", linewidths=1.2)
    else:  # class c's edge: where p_c stops beating every other class
        for c in range(k):
            rivals = np.delete(grid, c, axis=2).max(axis=2)
            margin = grid[..., c] - rivals
            if margin.min() < 0 < margin.max():
                ax.contour(x1, x2, margin, levels=[0.0], colors="#333333", linewidths=1.1)
    size = 30 if len(X) <= 500 else 14
    _scatter_classes(ax, X, y, filled=True, size=size)
    if X_val is not None and y_val is not None and len(X_val):
        _scatter_classes(
            ax, np.asarray(X_val, dtype=float), np.asarray(y_val), filled=False, size=size
        )
    _legend_for_classes(ax, int(max(k, y.max() + 1)), validation=X_val is not None, names=names)
    _frame(ax, bounds)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    if title:
        ax.set_title(title)
    return ax


def _class_indices(model: Any, y: Any, name: str) -> tuple[np.ndarray, list[str] | None]:
    """Labels as class indices 0..k-1 (colour and marker follow the index), and the names
    of the classes when an estimator's ``classes_`` are not already 0..k-1."""
    y = np.asarray(y)
    classes = getattr(model, "classes_", None)
    if classes is None or np.array_equal(classes, np.arange(len(classes))):
        if y.size and not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
            raise ValueError(
                f"{name} must hold integer class labels 0..k-1 for this model, got {y.dtype}"
            )
        return y, None
    index = {label: i for i, label in enumerate(np.asarray(classes).tolist())}
    unknown = sorted({str(label) for label in y.tolist() if label not in index})
    if unknown:
        raise ValueError(
            f"{name} holds labels the model was not fitted on: {', '.join(unknown[:5])}; "
            f"its classes_ are {list(index)}"
        )
    return np.array([index[label] for label in y.tolist()], dtype=int), [str(c) for c in index]


def _legend_for_classes(ax: Axes, k: int, validation: bool, names: list[str] | None = None) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=class_marker(c),
            markersize=7,
            markerfacecolor=class_colour(c),
            markeredgecolor="#222222",
            label=f"class {names[c] if names and c < len(names) else c}",
        )
        for c in range(k)
    ]
    if validation:
        handles += [
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=7,
                markerfacecolor="#777777",
                markeredgecolor="#222222",
                label="training",
            ),
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=7,
                markerfacecolor="white",
                markeredgecolor="#777777",
                markeredgewidth=1.4,
                label="validation",
            ),
        ]
    # beside the plane, not on it: a legend inside would hide points (xor's corners)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
              fontsize=8, frameon=False)  # fmt: skip


def plot_regression_surface(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    *,
    resolution: int = 200,
    bounds: tuple[float, float, float, float] | None = None,
    title: str | None = None,
) -> Axes:
    """Shade the plane by a regression model's prediction; points coloured by their target.

    Parameters
    ----------
    model : Network with an identity output, or a regressor with ``predict`` (two inputs)
    X, y : (n, 2) training points and their targets (n,), drawn filled
    X_val, y_val : optional validation points, drawn outlined
    resolution : grid points per side
    bounds : (x1_min, x1_max, x2_min, x2_max); by default the points' extent and a margin
        (``data_bounds``), wherever the points lie

    Notes
    -----
    The shading is drawn by scikit-learn's ``DecisionBoundaryDisplay``, given the model's
    predictions on the grid, as its ``from_estimator`` does for a regressor (one surface).
    The frame is ours (``data_bounds``): DecisionBoundaryDisplay pads by a fixed ``eps``
    (1 by default), too much for data within 0.01 and too little for data in thousands.
    """
    from sklearn.inspection import DecisionBoundaryDisplay

    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) to draw a plane, got {X.shape}")
    y = np.asarray(y, dtype=float)
    y = y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y.reshape(-1)  # a first target column
    if len(y) != len(X):
        raise ValueError(f"y must have one target per row of X ({len(X)}), got {len(y)}")
    ax = _axes(ax, layout=None)  # a colour bar, no legend outside (see _axes)
    every = X if X_val is None else np.vstack([X, np.asarray(X_val, dtype=float)])
    bounds = bounds or data_bounds(every)
    # the grid as DecisionBoundaryDisplay lays it out: x1 along the columns, x2 up the rows
    x1, x2 = np.meshgrid(
        np.linspace(bounds[0], bounds[1], resolution),
        np.linspace(bounds[2], bounds[3], resolution),
    )
    values = model_outputs(model, np.c_[x1.ravel(), x2.ravel()])
    if values.ndim != 1:
        raise ValueError(
            "plot_regression_surface needs a regression model; for a classifier use "
            "plot_decision_boundary"
        )
    values = values.reshape(x1.shape)
    limit = float(np.nanmax(np.abs(np.concatenate([values.ravel(), y])))) or 1.0
    colours = {"cmap": "RdBu_r", "vmin": -limit, "vmax": limit}
    display = DecisionBoundaryDisplay(xx0=x1, xx1=x2, n_classes=2, response=values)
    display.plot(plot_method="pcolormesh", ax=ax, shading="gouraud", **colours)
    ax.scatter(X[:, 0], X[:, 1], c=y, s=22, edgecolors="#222222", linewidths=0.5, **colours)
    if X_val is not None and y_val is not None and len(X_val):
        X_val = np.asarray(X_val, dtype=float)
        ax.scatter(
            X_val[:, 0],
            X_val[:, 1],
            facecolors="white",
            s=22,
            linewidths=1.2,
            edgecolors=plt.get_cmap("RdBu_r")((np.ravel(y_val) + limit) / (2 * limit)),
        )
    ax.figure.colorbar(display.surface_, ax=ax, shrink=0.8, label="prediction")
    _frame(ax, bounds)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    if title:
        ax.set_title(title)
    return ax


# ------------------------------------------------------------------------------ animation
def save_boundary_animation(
    frames: Sequence[tuple[int, np.ndarray]],
    X: np.ndarray,
    y: np.ndarray,
    path: str | os.PathLike,
    *,
    bounds: tuple[float, float, float, float],
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    fps: int = 8,
) -> None:
    """Write a GIF of the decision boundary as the network learned.

    ``frames`` holds ``(epoch, probabilities)`` with probabilities of shape
    (resolution, resolution, k) over ``bounds`` in image order (see engine.grid.plane_grid).
    """
    from matplotlib.animation import FuncAnimation, PillowWriter
    from matplotlib.figure import Figure

    if not frames:
        raise ValueError("frames is empty: nothing to animate")
    fig = Figure(figsize=(4.4, 4.4), dpi=72)
    ax = fig.add_subplot()
    image = ax.imshow(
        probability_image(frames[0][1]), extent=bounds, origin="upper", interpolation="bilinear"
    )
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    _scatter_classes(ax, X, y, filled=True, size=18)
    if X_val is not None and y_val is not None and len(X_val):
        _scatter_classes(
            ax, np.asarray(X_val, dtype=float), np.asarray(y_val), filled=False, size=18
        )
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    heading = ax.set_title(f"epoch {frames[0][0]}")
    fig.tight_layout()

    def draw(i: int):
        epoch, probabilities = frames[i]
        image.set_data(probability_image(probabilities))
        heading.set_text(f"epoch {epoch}")
        return image, heading

    # hold the last frame for a second so the result can be seen
    order = list(range(len(frames))) + [len(frames) - 1] * fps
    animation = FuncAnimation(fig, draw, frames=order, blit=False)
    animation.save(os.fspath(path), writer=PillowWriter(fps=fps))
