"""What a `neuronlab train` run leaves: the model, its history, figures, and the summary table."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .train import TrainingRun

GRID_SIZE = 200  # cells per side of the decision-boundary figure

HISTORY_COLUMNS = (
    "epoch",
    "train_loss",
    "train_accuracy",
    "val_loss",
    "val_accuracy",
    "samples_per_second",
    "is_best",
    "diverged",
    "stopped_early",
)


def write_run(out: Path, run: TrainingRun, gif: bool) -> list[Path]:
    """Everything a run leaves behind; the model first, so that it survives anything else."""
    from ..engine.serialise import save

    out.mkdir(parents=True, exist_ok=True)
    trainer, network = run.trainer, run.trainer.network
    last = trainer.history[-1] if trainer.history else None
    metadata = {
        "dataset": run.settings["dataset"],
        "task": "regression" if run.regression else "classification",
        "n_features": network.layer_sizes[0],
        "classes": None if run.regression else network.layer_sizes[-1],
        "scaling": run.scaling,
        "class_labels": run.class_labels,  # a CSV's class names, by class index
        "feature_names": run.feature_names,
        "settings": run.settings,
        "epochs_trained": trainer.epoch,
        "best_epoch": trainer.best_epoch,
        "status": run.status,
        "train_accuracy": None if last is None else last.train_accuracy,
        "val_accuracy": None if last is None else last.val_accuracy,
    }
    # write under another name, then rename: an interrupted write never leaves a broken model
    partial = save(network, out / "model.partial.npz", metadata)
    os.replace(partial, out / "model.npz")
    written = [out / "model.npz"]

    with open(out / "history.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HISTORY_COLUMNS)
        for report in trainer.history:
            row = report.to_dict()
            writer.writerow(["" if row[c] is None else row[c] for c in HISTORY_COLUMNS])
    written.append(out / "history.csv")
    if not trainer.history:
        return written

    written.append(_loss_figure(out / "loss.png", run))
    picture = _picture(out, run)
    if picture is not None:
        written.append(picture)
    if gif and run.frames:
        from .. import plots

        plots.save_boundary_animation(
            run.frames, run.X_train, run.y_train, out / "training.gif", bounds=run.bounds,
            X_val=run.X_val, y_val=run.y_val,
        )  # fmt: skip
        written.append(out / "training.gif")
    return written


def _loss_figure(path: Path, run: TrainingRun) -> Path:
    from matplotlib.figure import Figure

    from .. import plots

    dataset, history = run.settings["dataset"], run.trainer.history
    figure = Figure(figsize=(6, 4.2) if run.regression else (11, 4.2), dpi=110)
    axes = figure.subplots(1, 1 if run.regression else 2, squeeze=False)[0]
    plots.plot_loss_curves(
        history, ax=axes[0], best_epoch=run.trainer.best_epoch, title=f"{dataset}: loss"
    )
    if not run.regression:
        plots.plot_accuracy_curves(
            history, ax=axes[1], best_epoch=run.trainer.best_epoch, title=f"{dataset}: accuracy"
        )
    figure.tight_layout()
    figure.savefig(path)
    return path


def _picture(out: Path, run: TrainingRun) -> Path | None:
    """The decision boundary (2 features), the surface (regression) or a confusion matrix."""
    from matplotlib.figure import Figure

    from .. import plots

    network = run.trainer.network
    figure = Figure(figsize=(6, 5.6), dpi=110)
    ax = figure.subplots()
    caption = f"{run.settings['dataset']} — {'-'.join(map(str, network.layer_sizes))} " + (
        network.activation
    )
    points = {"X_val": run.X_val, "y_val": run.y_val}
    if network.layer_sizes[0] == 2 and run.regression:
        plots.plot_regression_surface(network, run.X_train, run.y_train, ax=ax, **points,
                                      title=caption)  # fmt: skip
        path = out / "surface.png"
    elif network.layer_sizes[0] == 2:
        plots.plot_decision_boundary(network, run.X_train, run.y_train, ax=ax, **points,
                                     resolution=GRID_SIZE, title=caption)  # fmt: skip
        path = out / "boundary.png"
    elif not run.regression:
        shown = "validation" if run.X_val is not None else "training"
        X, y = (run.X_val, run.y_val) if run.X_val is not None else (run.X_train, run.y_train)
        predicted = network.predict(X)
        k = network.layer_sizes[-1]
        accuracy = float(np.mean(predicted == y))
        names = run.class_labels or list(range(k))
        plots.plot_confusion_matrix(
            y, predicted, ax=ax, labels=[str(c) for c in names],
            title=f"{run.settings['dataset']}, {shown} set: accuracy {accuracy:.1%}",
        )  # fmt: skip
        path = out / "confusion.png"
    else:
        return None
    figure.tight_layout()
    figure.savefig(path)
    return path


def print_summary(run: TrainingRun, written: list[Path], out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    trainer, network = run.trainer, run.trainer.network
    table = Table(
        title=f"neuronlab train: {run.settings['dataset']}", show_header=False,
        title_justify="left",
    )  # fmt: skip
    table.add_column(style="bold")
    table.add_column()
    last = trainer.history[-1] if trainer.history else None
    table.add_row(
        "network",
        f"{'-'.join(map(str, network.layer_sizes))}, {network.activation}, "
        f"{network.n_params:,} parameters, {network.dtype.name}",
    )
    table.add_row("optimiser", f"{trainer.optimizer!r}, batch {trainer.batch_size}")
    validation = 0 if run.y_val is None else len(run.y_val)
    table.add_row("data", f"{len(run.y_train)} training, {validation} validation samples")
    table.add_row("outcome", run.status)
    best = f", best {trainer.best_epoch}" if trainer.best_epoch else ""
    table.add_row("epochs", f"{trainer.epoch} in {run.seconds:.2f} s{best}")
    if last is not None:
        table.add_row("training", _scores(last.train_loss, last.train_accuracy))
        if last.val_loss is not None:
            table.add_row("validation", _scores(last.val_loss, last.val_accuracy))
        if run.regression:
            table.add_row("R²", _r2_scores(run))
        speeds = sorted(r.samples_per_second for r in trainer.history)
        table.add_row("speed", f"{speeds[len(speeds) // 2]:,.0f} samples/s (median)")
    for path in written:
        table.add_row("wrote", str(path))
    if out is None:
        table.add_row("files", "none (add --out DIR for figures, the model and the history)")
    Console().print(table)


def _r2_scores(run: TrainingRun) -> str:
    """The coefficient of determination of the weights the run keeps (scikit-learn's score of
    a regressor): 1 is perfect, 0 no better than predicting the mean."""
    from sklearn.metrics import r2_score

    def r2(X, y) -> str:
        with np.errstate(all="ignore"):
            predicted = run.trainer.network.predict(X).reshape(y.shape)
        return f"{r2_score(y, predicted):.3f}" if np.isfinite(predicted).all() else "-"

    text = f"training {r2(run.X_train, run.y_train)}"
    if run.y_val is not None and len(run.y_val) > 1:
        text += f", validation {r2(run.X_val, run.y_val)}"
    return text


def _scores(loss: float, accuracy: float | None) -> str:
    text = f"loss {loss:.4g}"
    return text if accuracy is None else f"{text}, accuracy {accuracy:.1%}"
