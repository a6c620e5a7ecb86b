"""Figures for notebooks, scripts and the command line (matplotlib).

Every function draws on the axes it is given (a new figure when ``ax`` is None) and returns
them, so figures compose::

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot_decision_boundary(network, X_train, y_train, ax=left, X_val=X_val, y_val=y_val)
    plot_loss_curves(trainer.history, ax=right)

Classes are told apart by shape as well as colour, as in the lab: class 0 squares, class 1
circles, then triangles, diamonds, plusses and crosses. Training points are filled,
validation points outlined.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np

from .engine.grid import plane_bounds, plane_grid
from .engine.network import Network
from .engine.surfaces import DescentPath, Surface, get_surface, surface_grid

if (
    sys.platform.startswith("linux")
    and not os.environ.get("DISPLAY")
    and not os.environ.get("WAYLAND_DISPLAY")
    and not os.environ.get("MPLBACKEND")
    and "matplotlib.pyplot" not in sys.modules
):
    matplotlib.use("Agg")  # no display: draw into files

from matplotlib import pyplot as plt  # noqa: E402  (after the backend choice)
from matplotlib.axes import Axes  # noqa: E402

# The lab's colours (lab/render.py CLASS_COLOURS), chosen to stay apart for colour-blind eyes.
CLASS_COLOURS = ("#e69f00", "#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
MARKERS = ("s", "o", "^", "D", "P", "X")  # square, circle, triangle, diamond, plus, cross
OPTIMIZER_COLOURS = {
    "sgd": "#d55e00",
    "momentum": "#009e73",
    "rmsprop": "#cc79a7",
    "adam": "#0072b2",
}
TRAIN_COLOUR, VAL_COLOUR, BEST_COLOUR = "#0072b2", "#e69f00", "#444444"


def class_colour(k: int) -> str:
    """Colour of class ``k`` (the palette repeats after six classes)."""
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


def class_marker(k: int) -> str:
    """Marker shape of class ``k``: square, circle, triangle, diamond, plus, cross."""
    return MARKERS[k % len(MARKERS)]


def _axes(ax: Axes | None, figsize: tuple[float, float] = (5.5, 5.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


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
    bounds : (x1_min, x1_max, x2_min, x2_max); a square around the points by default
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) to draw a plane, got {X.shape}")
    y, names = _class_indices(model, y, "y")
    if y_val is not None:
        y_val, _ = _class_indices(model, y_val, "y_val")
    ax = _axes(ax)
    every = X if X_val is None else np.vstack([X, np.asarray(X_val, dtype=float)])
    bounds = bounds or plane_bounds(every)
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
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    ax.set_aspect("equal")
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
    ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.85)


def plot_regression_surface(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    *,
    resolution: int = 200,
    title: str | None = None,
) -> Axes:
    """Shade the plane by a regression model's prediction; points coloured by their target."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float).reshape(len(X), -1)[:, 0]
    ax = _axes(ax)
    bounds = plane_bounds(X)
    values = model_outputs(model, plane_grid(bounds, resolution)).reshape(resolution, resolution)
    limit = float(np.nanmax(np.abs(np.concatenate([values.ravel(), y])))) or 1.0
    image = ax.imshow(
        values,
        extent=bounds,
        origin="upper",
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
        interpolation="bilinear",
    )
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=y,
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
        s=22,
        edgecolors="#222222",
        linewidths=0.5,
    )
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
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="prediction")
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    if title:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- loss curves
def _history_columns(history: Any) -> dict[str, np.ndarray]:
    """Columns of a training history given as a Trainer, EpochReports, dicts or a mapping,
    a fitted MLPClassifier / MLPRegressor, or a plain list of losses (``loss_curve_``)."""
    if hasattr(history, "history"):  # a Trainer
        history = history.history
    if hasattr(history, "loss_curve_"):  # a fitted estimator, ours or scikit-learn's
        columns = {"train_loss": np.asarray(history.loss_curve_, dtype=float)}
        scores = getattr(history, "validation_scores_", None)
        if scores is not None and len(scores) == len(columns["train_loss"]):
            columns["val_accuracy"] = np.asarray(scores, dtype=float)
        return columns
    if isinstance(history, Sequence | np.ndarray) and all(
        isinstance(value, int | float | np.number) for value in history
    ):
        if len(history) == 0:
            raise ValueError("history is empty: train for at least one epoch first")
        return {"train_loss": np.asarray(history, dtype=float)}
    if isinstance(history, Mapping):
        return {key: np.asarray(values, dtype=float) for key, values in history.items()}
    rows = [r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in history]
    if not rows:
        raise ValueError("history is empty: train for at least one epoch first")
    columns = {}
    for key in rows[0]:
        values = [row.get(key) for row in rows]
        if all(isinstance(v, int | float | bool | type(None)) for v in values):
            columns[key] = np.array([np.nan if v is None else float(v) for v in values])
    return columns


def plot_loss_curves(
    history: Any,
    ax: Axes | None = None,
    *,
    best_epoch: int | None = None,
    log: bool | None = None,
    title: str | None = None,
) -> Axes:
    """Training and validation loss per epoch, with the best epoch marked.

    Parameters
    ----------
    history : a Trainer, its ``history`` (EpochReports), a list of dicts, or a mapping of
        columns; needs ``train_loss`` and optionally ``val_loss``, ``epoch``, ``is_best``
    best_epoch : the epoch to mark; by default the last one flagged ``is_best``
    log : logarithmic loss axis; by default when the loss spans more than a factor of 30
    """
    columns = _history_columns(history)
    if "train_loss" not in columns:
        raise ValueError("history must have a train_loss for every epoch")
    ax = _axes(ax, (6.0, 4.0))
    train = columns["train_loss"]
    epochs = columns.get("epoch", np.arange(1, len(train) + 1))
    val = columns.get("val_loss")
    has_val = val is not None and np.isfinite(val).any()
    ax.plot(epochs, train, color=TRAIN_COLOUR, lw=1.8, label="training loss")
    if has_val:
        ax.plot(epochs, val, color=VAL_COLOUR, lw=1.8, ls="--", label="validation loss")
    if best_epoch is None and "is_best" in columns and columns["is_best"].any():
        best_epoch = int(epochs[np.flatnonzero(columns["is_best"] > 0)[-1]])
    if best_epoch is not None:
        watched = val if has_val else train
        at = int(np.flatnonzero(epochs == best_epoch)[0])
        ax.axvline(best_epoch, color=BEST_COLOUR, lw=1, ls=":")
        ax.plot(
            [best_epoch],
            [watched[at]],
            marker="*",
            ms=13,
            color=BEST_COLOUR,
            mec="white",
            zorder=5,
            label=f"best epoch {best_epoch} ({'validation' if has_val else 'training'} "
            f"loss {watched[at]:.3g})",
        )
    finite = np.concatenate([train[np.isfinite(train)], val[np.isfinite(val)] if has_val else []])
    if log is None:
        log = len(finite) > 0 and finite.min() > 0 and finite.max() / finite.min() > 30
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_accuracy_curves(
    history: Any,
    ax: Axes | None = None,
    *,
    best_epoch: int | None = None,
    title: str | None = None,
) -> Axes:
    """Training and validation accuracy per epoch (classification histories)."""
    columns = _history_columns(history)
    ax = _axes(ax, (6.0, 4.0))
    train = columns.get("train_accuracy")
    if train is None or not np.isfinite(train).any():
        raise ValueError("history has no accuracy (a regression run?)")
    epochs = columns.get("epoch", np.arange(1, len(train) + 1))
    ax.plot(epochs, train, color=TRAIN_COLOUR, lw=1.8, label="training accuracy")
    val = columns.get("val_accuracy")
    if val is not None and np.isfinite(val).any():
        ax.plot(epochs, val, color=VAL_COLOUR, lw=1.8, ls="--", label="validation accuracy")
    if best_epoch is not None:
        ax.axvline(best_epoch, color=BEST_COLOUR, lw=1, ls=":", label=f"best epoch {best_epoch}")
    ax.set_ylim(min(0.5, float(np.nanmin(train)) - 0.05), 1.01)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    if title:
        ax.set_title(title)
    return ax


# ------------------------------------------------------------------------ descent paths
def plot_descent_paths(
    surface: str | Surface,
    paths: Mapping[str, DescentPath] | Sequence[DescentPath],
    ax: Axes | None = None,
    *,
    resolution: int = 300,
    title: str | None = None,
) -> Axes:
    """Contours of a loss surface with the path of each optimiser across it.

    ``paths`` maps a label (e.g. the optimiser's name) to a DescentPath, or is a list.
    """
    surface = get_surface(surface)
    if not isinstance(paths, Mapping):
        paths = {f"path {i + 1}": p for i, p in enumerate(paths)}
    ax = _axes(ax, (6.5, 5.5))
    xs, ys, Z = surface_grid(surface, resolution)
    # contour levels evenly spaced in log(f − min f): the floor of a valley gets lines too
    floor = float(Z.min())
    lifted = Z - floor + 1e-3
    levels = floor - 1e-3 + np.geomspace(lifted.min(), lifted.max(), 24)
    ax.contourf(xs, ys, Z, levels=levels, cmap="Greys", alpha=0.3, extend="both")
    ax.contour(xs, ys, Z, levels=levels, colors="#777777", linewidths=0.4, alpha=0.6)
    for m in surface.minima:
        ax.plot(*m, marker="*", ms=15, color="#ffd700", mec="#222222", zorder=6)
    starts = set()
    for i, (label, path) in enumerate(paths.items()):
        colour = OPTIMIZER_COLOURS.get(label.split()[0].lower(), CLASS_COLOURS[i % 6])
        points = np.asarray(path.points)
        status = "diverged" if path.diverged else f"{path.steps} steps"
        ax.plot(
            points[:, 0],
            points[:, 1],
            color=colour,
            lw=1.6,
            alpha=0.95,
            marker="o",
            ms=2.2,
            label=f"{label} ({status}, loss {path.losses[-1]:.3g})",
        )
        ax.plot(
            *points[-1],
            marker="X" if path.diverged else "o",
            ms=8,
            color=colour,
            mec="white",
            zorder=7,
        )
        starts.add(tuple(points[0]))
    for start in starts:
        ax.plot(*start, marker="o", ms=9, color="black", mec="white", zorder=8)
    ax.set_xlim(surface.bounds[0], surface.bounds[1])
    ax.set_ylim(surface.bounds[2], surface.bounds[3])
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    ax.set_title(title or surface.title)
    return ax


# ---------------------------------------------------------------------- confusion matrix
def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int | None = None):
    """(k, k) counts: row = true class, column = predicted class."""
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape}, {y_pred.shape}")
    k = k or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def plot_confusion_matrix(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    ax: Axes | None = None,
    *,
    labels: Sequence[str] | None = None,
    normalize: bool = False,
    title: str | None = None,
) -> Axes:
    """Counts of true class (rows) against predicted class (columns); accuracy in the title.

    ``normalize`` shows each row as fractions of that true class.
    """
    counts = confusion_matrix(y_true, y_pred, len(labels) if labels else None)
    k = counts.shape[0]
    ax = _axes(ax, (0.55 * k + 3.2, 0.55 * k + 2.6))
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    ax.imshow(shown, cmap="Blues", vmin=0)
    limit = shown.max() or 1
    for i in range(k):
        for j in range(k):
            text = f"{shown[i, j]:.2f}" if normalize else str(counts[i, j])
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8 if k > 6 else 10,
                color="white" if shown[i, j] > 0.6 * limit else "#222222",
            )
    names = list(labels) if labels else [str(c) for c in range(k)]
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(title or f"accuracy {accuracy:.1%} ({np.trace(counts)} of {counts.sum()})")
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
