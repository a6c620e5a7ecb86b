"""Loss and accuracy curves per epoch, and the confusion matrix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ._common import BEST_COLOUR, TRAIN_COLOUR, VAL_COLOUR, _axes


# --------------------------------------------------------------------------- loss curves
def _history_columns(history: Any) -> dict[str, np.ndarray]:
    """Columns of a training history given as a Trainer, EpochReports, dicts or a mapping,
    a fitted MLPClassifier / MLPRegressor, or a plain list of losses (``loss_curve_``)."""
    if hasattr(history, "history"):  # a Trainer
        history = history.history
    if hasattr(history, "loss_curve_"):  # a fitted estimator, ours or scikit-learn's
        columns = {"train_loss": np.asarray(history.loss_curve_, dtype=float)}
        n = len(columns["train_loss"])
        classifier = hasattr(history, "classes_")
        running = getattr(history, "accuracy_curve_", None)  # ours: accuracy during each epoch
        if classifier and running is not None and len(running) == n:
            columns["train_accuracy"] = np.asarray(running, dtype=float)
        scores = getattr(history, "validation_scores_", None)  # accuracy, or R² for regression
        if scores is not None and len(scores) == n:
            columns["val_accuracy" if classifier else "val_score"] = np.asarray(scores, float)
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
        raise ValueError(
            "history has no accuracy: a regression model, a scikit-learn estimator (it "
            "records no training accuracy) or solver='lbfgs'"
        )
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
    ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------------- confusion matrix
def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int | None = None):
    """(k, k) counts: row = true class 0..k-1, column = predicted class (scikit-learn's)."""
    from sklearn.metrics import confusion_matrix as counts_of

    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape}, {y_pred.shape}")
    k = k or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    return counts_of(y_true, y_pred, labels=np.arange(k))


def plot_confusion_matrix(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    ax: Axes | None = None,
    *,
    labels: Sequence[str] | None = None,
    normalize: bool = False,
    title: str | None = None,
) -> Axes:
    """True class (rows) against predicted class (columns), drawn by scikit-learn's
    ``ConfusionMatrixDisplay``; accuracy in the title.

    ``y_true`` and ``y_pred`` hold any labels (strings too). ``labels`` names the classes
    for display: for integer labels 0..k-1, the name of each; otherwise the labels in the
    order to show them. ``normalize`` shows each row as fractions of that true class.
    """
    from sklearn.metrics import ConfusionMatrixDisplay
    from sklearn.metrics import confusion_matrix as counts_of
    from sklearn.utils.multiclass import unique_labels

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape}, {y_pred.shape}")
    numbered = y_true.dtype.kind in "iub" and y_pred.dtype.kind in "iub"
    if numbered and labels is not None:  # names for classes 0..k-1
        order = np.arange(max(len(labels), int(max(y_true.max(), y_pred.max())) + 1))
        names = [str(labels[c]) if c < len(labels) else str(c) for c in order]
    elif labels is not None:
        order = np.asarray(labels)
        names = [str(c) for c in order]
    else:
        order = unique_labels(y_true, y_pred)
        names = [str(c) for c in order]
    counts = counts_of(y_true, y_pred, labels=order)
    k = len(order)
    ax = _axes(ax, (0.55 * k + 3.2, 0.55 * k + 2.6))
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    ConfusionMatrixDisplay(shown, display_labels=names).plot(
        ax=ax, cmap="Blues", colorbar=False, values_format=".2f" if normalize else "d",
        xticks_rotation="vertical" if max(map(len, names)) > 4 and k > 4 else "horizontal",
    )  # fmt: skip
    for text in ax.texts:
        text.set_fontsize(8 if k > 6 else 10)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(title or f"accuracy {accuracy:.1%} ({np.trace(counts)} of {counts.sum()})")
    return ax
