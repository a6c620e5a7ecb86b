"""The ``neuronlab`` command: train, race, gradcheck, predict, bench and lab.

Each command looks names up in the engine's registries (datasets, activations, optimisers,
surfaces), so whatever the engine offers the command line offers too. Heavy imports
(matplotlib, rich, scikit-learn, the lab's server) happen inside the commands, so
``neuronlab --help`` answers at once.

A bad argument ends the command with one line on stderr saying what to fix and exit
status 2; never a traceback (set NEURONLAB_DEBUG=1 to see one).
"""

from __future__ import annotations

import csv
import math
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np

from .engine.activations import ACTIVATIONS
from .engine.datasets import DATASETS, REAL_DATASETS, REGRESSION_DATASETS
from .engine.optimisers import OPTIMIZERS
from .engine.surfaces import SURFACES
from .engine.training import Trainer

DATASET_CHOICES = [*DATASETS, *REAL_DATASETS]
GRID_SIZE = 200  # cells per side of the decision-boundary figure
GIF_GRID_SIZE = 80
GIF_FRAMES = 40  # at most this many frames in --gif


def _sizes(text: str, name: str, allow_empty: bool) -> list[int]:
    """'16,16' -> [16, 16]; raises click.BadParameter with what to fix."""
    text = text.strip()
    if text.lower() in ("", "none") and allow_empty:
        return []
    try:
        sizes = [int(part) for part in text.replace(" ", "").split(",")]
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a comma-separated list of integers, e.g. 16,16", param_hint=name
        ) from None
    if any(size < 1 or size > 4096 for size in sizes):
        none = "; write 'none' for no hidden layer" if allow_empty else ""
        raise click.BadParameter(
            f"sizes must be between 1 and 4096, got {text!r}{none}", param_hint=name
        )
    return sizes


def _point(text: str, name: str = "--point") -> list[float]:
    try:
        values = [float(part) for part in text.replace(" ", "").split(",")]
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not comma-separated numbers, e.g. 0.5,-0.2", param_hint=name
        ) from None
    if not all(math.isfinite(v) for v in values):
        raise click.BadParameter(f"{text!r} must be finite numbers", param_hint=name)
    return values


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="neuronlab", prog_name="neuronlab")
def cli() -> None:
    """Neural networks from scratch in NumPy, and a browser lab to learn them.

    \b
    neuronlab lab                 open the lab in your browser
    neuronlab train --out run/    train a network, save figures, the model and its history
    neuronlab race                optimisers racing on a loss surface
    neuronlab gradcheck           backpropagation against finite differences
    neuronlab predict run/model.npz --point 0.3,-0.5
    neuronlab bench               the engine against scikit-learn, PyTorch, the reference
    """


# ---------------------------------------------------------------------------------- train
class _Interrupt:
    """First Ctrl-C: stop after the current epoch. Second: stop now. Files are still written."""

    def __init__(self, console) -> None:
        self.console = console
        self.requested = False
        self.writing = False
        self._previous = None

    def __enter__(self) -> _Interrupt:
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum, frame) -> None:
        if self.writing:
            self.console.print("[yellow]still writing the files, one moment[/]")
            return
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.console.print("[yellow]stopping after this epoch (Ctrl-C again to stop now)[/]")


def _load_data(dataset: str, points: int, noise: float, seed: int, classes: int | None):
    """X, y and the input scaling (mean, scale per feature, or None)."""
    from .engine.datasets import load_real, make_dataset

    if dataset in REAL_DATASETS:
        X, y = load_real(dataset)
        # load_real standardises; keep the raw data's mean and scale so that `predict`
        # can take raw measurements
        from sklearn import datasets as sklearn_datasets

        raw, _ = getattr(sklearn_datasets, f"load_{dataset}")(return_X_y=True)
        scale = raw.std(axis=0)
        scaling = {
            "mean": raw.mean(axis=0).tolist(),
            "scale": [s if s > 0 else 1.0 for s in scale.tolist()],
        }
        return X, y, scaling
    extra = {}
    if classes is not None:
        if dataset == "spirals":
            extra["arms"] = classes
        elif dataset == "gaussian":
            extra["classes"] = classes
        else:
            raise click.BadParameter(
                f"{dataset} has two classes; --classes applies to "
                "spirals (arms) and gaussian (blobs)",
                param_hint="--classes",
            )
    X, y = make_dataset(dataset, n=points, noise=noise, seed=seed, **extra)
    return X, y, None


@cli.command(short_help="Train a network; save figures, the model and its history.")
@click.option(
    "--dataset",
    "-d",
    type=click.Choice(DATASET_CHOICES),
    default="spirals",
    show_default=True,
    help="A 2-D generator or a real dataset from scikit-learn.",
)
@click.option(
    "--points",
    "-n",
    type=click.IntRange(2, 100_000),
    default=400,
    show_default=True,
    help="Number of points (2-D datasets).",
)
@click.option(
    "--noise",
    type=click.FloatRange(0, 10),
    default=0.1,
    show_default=True,
    help="Noise of the 2-D datasets: 0 is clean, about 1 mixes the classes.",
)
@click.option(
    "--classes",
    type=click.IntRange(2, 6),
    default=None,
    help="Spiral arms or Gaussian blobs (2 to 6).",
)
@click.option(
    "--seed",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Seeds the data, the split, the weights and the shuffling.",
)
@click.option(
    "--hidden",
    default="16,16",
    show_default=True,
    help="Hidden layer sizes, comma-separated; 'none' for no hidden layer.",
)
@click.option(
    "--activation",
    "-a",
    type=click.Choice(list(ACTIVATIONS)),
    default="relu",
    show_default=True,
    help="Hidden-layer activation.",
)
@click.option(
    "--optimizer",
    "-o",
    type=click.Choice(list(OPTIMIZERS)),
    default="adam",
    show_default=True,
    help="How the weights move along the gradient.",
)
@click.option(
    "--learning-rate",
    "--lr",
    type=click.FloatRange(0, 10, min_open=True),
    default=0.01,
    show_default=True,
    help="Step size of the optimiser.",
)
@click.option(
    "--batch-size",
    "-b",
    type=click.IntRange(1),
    default=32,
    show_default=True,
    help="Samples per gradient step.",
)
@click.option(
    "--epochs",
    "-e",
    type=click.IntRange(1, 1_000_000),
    default=200,
    show_default=True,
    help="Passes over the training set.",
)
@click.option(
    "--l2",
    type=click.FloatRange(0, 100),
    default=0.0,
    show_default=True,
    help="Weight decay: adds (l2/2)·ΣW² to the loss.",
)
@click.option(
    "--l1",
    type=click.FloatRange(0, 100),
    default=0.0,
    show_default=True,
    help="Adds l1·Σ|W| to the loss.",
)
@click.option(
    "--validation",
    "--val",
    type=click.FloatRange(0, 0.9),
    default=0.2,
    show_default=True,
    help="Fraction of the data held out for validation.",
)
@click.option(
    "--patience",
    type=click.IntRange(1),
    default=None,
    help="Early stopping: stop after this many epochs without a better validation "
    "loss, and keep the best weights.",
)
@click.option(
    "--dtype",
    type=click.Choice(["float64", "float32"]),
    default="float64",
    show_default=True,
    help="Floating-point precision of the network.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the figures, model.npz and history.csv.",
)
@click.option("--gif", is_flag=True, help="Also write training.gif, the boundary as it learns.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def train(
    dataset,
    points,
    noise,
    classes,
    seed,
    hidden,
    activation,
    optimizer,
    learning_rate,
    batch_size,
    epochs,
    l2,
    l1,
    validation,
    patience,
    dtype,
    out,
    gif,
    quiet,
) -> None:
    """Train a network and report how it went.

    With --out DIR the run leaves: boundary.png (or confusion.png for data with more than
    two features; surface.png for the regression set), loss.png, model.npz (the final
    weights; the best ones when --patience stopped the run), history.csv, and with --gif
    training.gif. Ctrl-C stops after the current epoch and still writes them.
    """
    from rich.console import Console

    ctx = click.get_current_context()
    if dataset in REAL_DATASETS:
        for option in ("points", "noise", "classes"):
            if ctx.get_parameter_source(option) == click.core.ParameterSource.COMMANDLINE:
                raise click.BadParameter(
                    f"{dataset} is a fixed real dataset; --{option} applies to the 2-D "
                    "datasets only",
                    param_hint=f"--{option}",
                )
    if gif and out is None:
        raise click.BadParameter("--gif writes into --out: give --out DIR too", param_hint="--gif")
    if gif and (dataset in REAL_DATASETS or dataset in REGRESSION_DATASETS):
        raise click.BadParameter(
            "--gif draws a 2-D decision boundary: use a 2-D classification dataset",
            param_hint="--gif",
        )
    settings = {name: value for name, value in ctx.params.items() if name not in ("out", "quiet")}
    settings["hidden"] = _sizes(hidden, "--hidden", allow_empty=True)
    if out is not None:
        _make_out_dir(out)  # before training: a run is not lost to a folder it cannot write
    run = _TrainingRun.start(settings)

    console = Console(stderr=True)
    network = run.trainer.network
    console.print(
        f"training {'-'.join(map(str, network.layer_sizes))} {activation} on {dataset} "
        f"({len(run.y_train)} training samples) for {epochs} epochs; Ctrl-C stops after "
        "the current epoch",
        highlight=False,
    )
    with _Interrupt(console) as interrupt:
        run.train(epochs, interrupt, console, quiet, gif)
        interrupt.writing = True  # from here Ctrl-C waits for the files
        written = _write_run(out, run, gif) if out is not None else []
    _summary(run, written, out)
    if run.status.startswith("interrupted"):
        sys.exit(130)


def _make_out_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or str(error)
        raise click.BadParameter(
            f"cannot create the folder {str(out)!r} ({reason}): choose another folder",
            param_hint="--out",
        ) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise click.BadParameter(
            f"cannot write into the folder {str(out)!r}: choose another folder",
            param_hint="--out",
        )


@dataclass
class _TrainingRun:
    """One `neuronlab train`: the data, the trainer, and what happened."""

    settings: dict  # the command's options, saved with the model
    trainer: Trainer
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    scaling: dict | None  # the raw inputs' mean and scale, for real datasets
    status: str = "not started"
    seconds: float = 0.0
    frames: list = field(default_factory=list)  # (epoch, probability grid) for --gif
    bounds: tuple | None = None

    @property
    def regression(self) -> bool:
        return self.trainer.network.output == "identity"

    @classmethod
    def start(cls, settings: dict) -> _TrainingRun:
        """Data, split, network and trainer as the options say."""
        from .engine.datasets import train_val_test_split
        from .engine.network import Network
        from .engine.optimisers import make_optimizer

        s = settings
        X, y, scaling = _load_data(s["dataset"], s["points"], s["noise"], s["seed"], s["classes"])
        regression = s["dataset"] in REGRESSION_DATASETS
        X_train, y_train, X_val, y_val, _, _ = train_val_test_split(
            X.astype(s["dtype"]), y, val=s["validation"], seed=s["seed"], stratify=not regression
        )
        if len(X_val) == 0:
            X_val = y_val = None
        outputs = 1 if regression else int(y.max()) + 1
        network = Network(
            [X.shape[1], *s["hidden"], outputs],
            s["activation"],
            "identity" if regression else "softmax",
            seed=s["seed"],
            dtype=np.dtype(s["dtype"]),
        )
        optimizer = make_optimizer(s["optimizer"], learning_rate=s["learning_rate"])
        trainer = Trainer(
            network, optimizer, X_train, y_train, X_val, y_val,
            batch_size=s["batch_size"], l2=s["l2"], l1=s["l1"], patience=s["patience"],
            seed=s["seed"],
        )  # fmt: skip
        return cls(settings, trainer, X_train, y_train, X_val, y_val, scaling)

    def train(self, epochs: int, interrupt: _Interrupt, console, quiet: bool, gif: bool) -> None:
        """Run the epochs with a progress bar until done, stopped, or interrupted."""
        trainer = self.trainer
        grid = None
        if gif:
            from .engine.grid import plane_bounds, plane_grid

            self.bounds = plane_bounds(
                np.vstack([a for a in (self.X_train, self.X_val) if a is not None])
            )
            grid = plane_grid(self.bounds, GIF_GRID_SIZE)
            self._snapshot(0, grid)
        every = max(1, epochs // GIF_FRAMES)
        self.status = "finished"
        started = time.perf_counter()
        try:
            with _progress(console, quiet) as progress:
                task = progress.add_task("training", total=epochs, **_fields(None))
                for report in trainer.train(epochs):
                    progress.update(task, advance=1, **_fields(report))
                    if gif and (report.epoch % every == 0 or trainer.finished):
                        self._snapshot(report.epoch, grid)
                    if report.message:  # diverged, or early stopping restored the best
                        self.status = report.message
                    if interrupt.requested:
                        self.status = f"interrupted after epoch {report.epoch}"
                        break
        except KeyboardInterrupt:
            self.status = f"interrupted during epoch {trainer.epoch + 1}"
        self.seconds = time.perf_counter() - started

    def _snapshot(self, epoch: int, grid: np.ndarray) -> None:
        probabilities = self.trainer.network.predict_proba(grid)
        self.frames.append((epoch, probabilities.reshape(GIF_GRID_SIZE, GIF_GRID_SIZE, -1)))


def _progress(console, quiet: bool):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("epoch {task.completed:>5.0f}/{task.total:.0f}"),
        BarColumn(bar_width=28),
        TextColumn(
            "loss {task.fields[loss]}  acc {task.fields[acc]}  "
            "val acc {task.fields[val_acc]}  {task.fields[speed]} samples/s"
        ),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    )


def _fields(report) -> dict[str, str]:
    if report is None:
        return {"loss": "-", "acc": "-", "val_acc": "-", "speed": "-"}
    return {
        "loss": f"{report.train_loss:.4g}",
        "acc": "-" if report.train_accuracy is None else f"{report.train_accuracy:.1%}",
        "val_acc": "-" if report.val_accuracy is None else f"{report.val_accuracy:.1%}",
        "speed": f"{report.samples_per_second:,.0f}",
    }


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


def _write_run(out: Path, run: _TrainingRun, gif: bool) -> list[Path]:
    """Everything a run leaves behind; the model first, so that it survives anything else."""
    from .engine.serialise import save

    out.mkdir(parents=True, exist_ok=True)
    trainer, network = run.trainer, run.trainer.network
    last = trainer.history[-1] if trainer.history else None
    metadata = {
        "dataset": run.settings["dataset"],
        "task": "regression" if run.regression else "classification",
        "n_features": network.layer_sizes[0],
        "classes": None if run.regression else network.layer_sizes[-1],
        "scaling": run.scaling,
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
        from . import plots

        plots.save_boundary_animation(
            run.frames, run.X_train, run.y_train, out / "training.gif", bounds=run.bounds,
            X_val=run.X_val, y_val=run.y_val,
        )  # fmt: skip
        written.append(out / "training.gif")
    return written


def _loss_figure(path: Path, run: _TrainingRun) -> Path:
    from matplotlib.figure import Figure

    from . import plots

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


def _picture(out: Path, run: _TrainingRun) -> Path | None:
    """The decision boundary (2 features), the surface (regression) or a confusion matrix."""
    from matplotlib.figure import Figure

    from . import plots

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
        plots.plot_confusion_matrix(
            y, predicted, ax=ax, labels=[str(c) for c in range(k)],
            title=f"{run.settings['dataset']}, {shown} set: accuracy {accuracy:.1%}",
        )  # fmt: skip
        path = out / "confusion.png"
    else:
        return None
    figure.tight_layout()
    figure.savefig(path)
    return path


def _summary(run: _TrainingRun, written: list[Path], out: Path | None) -> None:
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
        speeds = sorted(r.samples_per_second for r in trainer.history)
        table.add_row("speed", f"{speeds[len(speeds) // 2]:,.0f} samples/s (median)")
    for path in written:
        table.add_row("wrote", str(path))
    if out is None:
        table.add_row("files", "none (add --out DIR for figures, the model and the history)")
    Console().print(table)


def _scores(loss: float, accuracy: float | None) -> str:
    text = f"loss {loss:.4g}"
    return text if accuracy is None else f"{text}, accuracy {accuracy:.1%}"


# ----------------------------------------------------------------------------------- race
@cli.command(short_help="Optimisers race across a loss surface from one start.")
@click.option(
    "--surface",
    "-s",
    type=click.Choice(list(SURFACES)),
    default="rosenbrock",
    show_default=True,
    help="The loss surface to descend.",
)
@click.option(
    "--optimizers",
    default=",".join(OPTIMIZERS),
    show_default=True,
    help="Comma-separated optimiser names.",
)
@click.option(
    "--learning-rate",
    "--lr",
    "rates",
    multiple=True,
    metavar="[NAME=]RATE",
    help="A rate for every optimiser (0.01) or for one (adam=0.1); repeatable. "
    "Defaults: rates that give each a fair showing on the surface.",
)
@click.option(
    "--start", default=None, metavar="X,Y", help="Start point; the surface's default otherwise."
)
@click.option(
    "--steps",
    type=click.IntRange(1, 100_000),
    default=2000,
    show_default=True,
    help="Most steps each optimiser takes.",
)
@click.option(
    "--near",
    type=click.FloatRange(0, min_open=True),
    default=0.1,
    show_default=True,
    help="'Reached the minimum' means within this distance of a known minimum.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Figure file [default: race-SURFACE.png].",
)
def race(surface, optimizers, rates, start, steps, near, out) -> None:
    """Optimisers race across a loss surface from one start.

    Writes a contour figure with every path and prints, for each optimiser, the steps it
    took to come within --near of a minimum and its final loss.
    """
    from matplotlib.figure import Figure
    from rich.console import Console
    from rich.table import Table

    from . import plots
    from .engine.optimisers import make_optimizer
    from .engine.surfaces import descend

    names = [name.strip() for name in optimizers.split(",") if name.strip()]
    for name in names:
        if name not in OPTIMIZERS:
            raise click.BadParameter(
                f"{name!r} is not an optimiser; use {', '.join(OPTIMIZERS)}",
                param_hint="--optimizers",
            )
    if not names:
        raise click.BadParameter("name at least one optimiser", param_hint="--optimizers")
    start_point = _point(start, "--start") if start else list(SURFACES[surface].start)
    if len(start_point) != 2:
        raise click.BadParameter("the start is two numbers, x,y", param_hint="--start")
    chosen = _race_rates(surface, names, rates)
    paths, rows = {}, []
    minima = np.array(SURFACES[surface].minima, dtype=float).reshape(-1, 2)
    for name in names:
        path = descend(
            surface, start_point, make_optimizer(name, learning_rate=chosen[name]), steps=steps
        )
        paths[name] = path
        gaps = np.sqrt(((path.points[:, None, :] - minima[None]) ** 2).sum(axis=2)).min(axis=1)
        close = np.flatnonzero(gaps < near)
        rows.append((name, chosen[name], int(close[0]) if len(close) else None, path))
    out = out or Path(f"race-{surface}.png")
    _make_out_dir(out.parent)
    figure = Figure(figsize=(7, 6), dpi=110)
    plots.plot_descent_paths(
        surface,
        paths,
        ax=figure.subplots(),
        title=f"{SURFACES[surface].title}: start ({start_point[0]:g}, {start_point[1]:g})",
    )
    figure.tight_layout()
    figure.savefig(out)

    table = Table(
        title=f"race on {surface} from ({start_point[0]:g}, {start_point[1]:g}); "
        f"reached = first step within {near:g} of a minimum",
        title_justify="left",
    )
    for column in ("optimiser", "rate", "reached", "final loss", "final point", "outcome"):
        table.add_column(
            column, justify="left" if column in ("optimiser", "outcome") else "right", no_wrap=True
        )
    for name, rate, reached, path in rows:
        x, y = path.points[-1]
        outcome = (
            "diverged"
            if path.diverged
            else "converged"
            if path.converged
            else f"{path.steps} steps"
        )
        table.add_row(
            name,
            f"{rate:g}",
            "never" if reached is None else f"step {reached}",
            f"{path.losses[-1]:.4g}",
            f"({x:.3f}, {y:.3f})",
            outcome,
        )
    console = Console()
    console.print(table)
    console.print(f"wrote {out}")


def _race_rates(surface: str, names: list[str], rates: tuple[str, ...]) -> dict[str, float]:
    from .lab.api.widgets import race_rates  # the lab's race uses the same defaults

    chosen = {name: race_rates(surface)[name] for name in names}
    for text in rates:
        name, _, value = text.rpartition("=")
        try:
            rate = float(value)
        except ValueError:
            raise click.BadParameter(
                f"{text!r}: give RATE or NAME=RATE, e.g. adam=0.1", param_hint="--learning-rate"
            ) from None
        if not (0 < rate <= 10):
            raise click.BadParameter(
                f"{text!r}: a rate must be in (0, 10]", param_hint="--learning-rate"
            )
        if name and name not in OPTIMIZERS:
            raise click.BadParameter(
                f"{name!r} is not an optimiser; use {', '.join(OPTIMIZERS)}",
                param_hint="--learning-rate",
            )
        for target in [name] if name else names:
            chosen[target] = rate
    return chosen


# ------------------------------------------------------------------------------ gradcheck
@cli.command(short_help="Check backpropagation against finite differences.")
@click.option(
    "--layers",
    default="2,5,4,3",
    show_default=True,
    help="Layer sizes from inputs to outputs, comma-separated.",
)
@click.option(
    "--activation",
    "-a",
    type=click.Choice([*ACTIVATIONS, "all"]),
    default="all",
    show_default=True,
    help="Hidden-layer activation to check, or all of them.",
)
@click.option(
    "--output",
    type=click.Choice(["softmax", "identity"]),
    default="softmax",
    show_default=True,
    help="softmax + cross-entropy, or identity + MSE.",
)
@click.option(
    "--samples",
    type=click.IntRange(1, 1000),
    default=8,
    show_default=True,
    help="Random inputs in the checked batch.",
)
@click.option(
    "--l2",
    type=click.FloatRange(0, 100),
    default=0.0,
    show_default=True,
    help="Include (l2/2)·ΣW² in the checked loss.",
)
@click.option(
    "--l1",
    type=click.FloatRange(0, 100),
    default=0.0,
    show_default=True,
    help="Include l1·Σ|W| in the checked loss.",
)
@click.option(
    "--seed",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Seeds the weights and the inputs.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, min_open=True),
    default=1e-6,
    show_default=True,
    help="Largest relative error that passes.",
)
def gradcheck(layers, activation, output, samples, l2, l1, seed, tolerance) -> None:
    """Check backpropagation against central finite differences.

    For every parameter array (W1, b1, W2, ...) prints the relative error
    ‖g_backprop − g_numeric‖ / (‖g_backprop‖ + ‖g_numeric‖) and whether it passes. Exit
    status 1 if any array fails.
    """
    from rich.console import Console
    from rich.table import Table

    from .engine.gradcheck import gradient_check
    from .engine.network import Network

    sizes = _sizes(layers, "--layers", allow_empty=False)
    if len(sizes) < 2:
        raise click.BadParameter(
            "give at least inputs and outputs, e.g. 2,5,3", param_hint="--layers"
        )
    if output == "softmax" and sizes[-1] < 2:
        raise click.BadParameter("a softmax output needs at least 2 units", param_hint="--layers")
    if sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=False)) > 20_000:
        raise click.BadParameter(
            "at most 20,000 parameters: finite differences take two forward passes per parameter",
            param_hint="--layers",
        )
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, sizes[0]))
    if output == "softmax":
        y = rng.integers(0, sizes[-1], samples)
    else:
        y = rng.standard_normal((samples, sizes[-1]))
    table = Table(
        title=f"gradient check: {'-'.join(map(str, sizes))}, {output} output, "
        f"{samples} samples, l2={l2:g}, l1={l1:g}",
        title_justify="left",
    )
    for column in ("activation", "array", "shape", "relative error", "result"):
        table.add_column(column, justify="right" if column == "relative error" else "left")
    failed = 0
    for name in ACTIVATIONS if activation == "all" else [activation]:
        network = Network(sizes, name, output, seed=seed)
        for b in network.b:  # zero biases can put a whole layer's z exactly on ReLU's kink,
            b[...] = rng.normal(0.0, 0.1, b.shape)  # where f′ has no value to check
        errors = gradient_check(network, X, y, l2=l2, l1=l1)
        shapes = [a.shape for pair in zip(network.W, network.b, strict=True) for a in pair]
        for (array, error), shape in zip(errors.items(), shapes, strict=True):
            ok = error < tolerance
            failed += not ok
            table.add_row(
                name,
                array,
                "×".join(map(str, shape)),
                f"{error:.2e}",
                "[green]pass[/]" if ok else "[bold red]FAIL[/]",
            )
    console = Console()
    console.print(table)
    if failed:
        console.print(f"[bold red]{failed} array(s) above the tolerance {tolerance:g}[/]")
        sys.exit(1)
    console.print(f"every array within {tolerance:g}")


# -------------------------------------------------------------------------------- predict
@cli.command(short_help="Classify points with a saved model.")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("csv_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--point",
    "-p",
    "points",
    multiple=True,
    metavar="X1,X2,...",
    help="A point to classify; repeatable.",
)
def predict(model, csv_file, points) -> None:
    """Classify points with a saved model (model.npz from `neuronlab train`).

    Points come from CSV_FILE (one point per row, an optional header row) or from --point.
    Writes CSV to stdout: the features, the predicted class and each class's probability
    (the prediction alone for a regression model). Models trained on a real dataset take
    raw measurements: the saved input scaling is applied.
    """

    from .engine.serialise import load

    network, metadata = load(model)
    d = network.layer_sizes[0]
    if csv_file is None and not points:
        raise click.UsageError("give a CSV file or at least one --point")
    rows = [_point(text) for text in points]
    for i, row in enumerate(rows):
        if len(row) != d:
            raise click.BadParameter(
                f"the model takes {d} features, point {i + 1} has "
                f"{len(row)}: {','.join(f'{v:g}' for v in row)}"
            )
    if csv_file is not None:
        for number, row in _read_points(csv_file):
            if len(row) != d:
                raise click.BadParameter(
                    f"the model takes {d} features, but {csv_file} line {number} has "
                    f"{len(row)} columns: give {d} numbers per row",
                    param_hint="CSV_FILE",
                )
            rows.append(row)
    if not rows:
        raise click.BadParameter(f"{csv_file} holds no points")
    X = np.array(rows, dtype=float)
    scaling = metadata.get("scaling")
    inputs = X
    if scaling:
        inputs = (X - np.array(scaling["mean"])) / np.array(scaling["scale"])
    writer = csv.writer(sys.stdout, lineterminator="\n")
    names = [f"x{j + 1}" for j in range(d)]
    if network.output == "softmax":
        probabilities = network.predict_proba(inputs)
        k = probabilities.shape[1]
        writer.writerow([*names, "class", *[f"p{c}" for c in range(k)]])
        for x, p in zip(X, probabilities, strict=True):
            writer.writerow([*(f"{v:g}" for v in x), int(p.argmax()), *(f"{v:.6f}" for v in p)])
    else:
        values = network.predict(inputs)
        writer.writerow([*names, *[f"y{j + 1}" for j in range(values.shape[1])]])
        for x, v in zip(X, values, strict=True):
            writer.writerow([*(f"{a:g}" for a in x), *(f"{b:.6g}" for b in v)])


def _read_points(path: Path) -> list[tuple[int, list[float]]]:
    """(line number, values) for every row of numbers in the CSV file."""
    if not path.exists():
        raise click.BadParameter(f"{path} does not exist", param_hint="CSV_FILE")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return _parse_points(path, csv.reader(fh))
    except (UnicodeDecodeError, csv.Error):
        raise click.BadParameter(
            f"{path} is not a CSV text file: give one point per line, e.g. 0.5,-0.2",
            param_hint="CSV_FILE",
        ) from None


def _parse_points(path: Path, reader) -> list[tuple[int, list[float]]]:
    rows = []
    for number, row in enumerate(reader, start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        try:
            values = [float(cell) for cell in row]
        except ValueError:
            if number == 1:
                continue  # a header
            raise click.BadParameter(
                f"{path} line {number} is not numbers: {','.join(row)[:80]!r}",
                param_hint="CSV_FILE",
            ) from None
        if not all(math.isfinite(v) for v in values):
            raise click.BadParameter(
                f"{path} line {number} has a non-finite number", param_hint="CSV_FILE"
            )
        rows.append((number, values))
    return rows


# ---------------------------------------------------------------------------------- bench
@cli.command(short_help="Time the engine against scikit-learn, PyTorch, the reference.")
@click.option(
    "--smoke",
    is_flag=True,
    help="Small sizes, one repeat: checks that every peer "
    "trains and reaches the stated accuracy (the times mean nothing).",
)
@click.option(
    "--configs",
    default=None,
    help="Which configs to run, comma-separated [default: all; 5 is config 4 in float64].",
)
@click.option(
    "--repeats",
    type=click.IntRange(1, 50),
    default=None,
    help="Interleaved repeats per peer [default: 5, 1 with --smoke].",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="BLAS / OpenMP threads for every peer.",
)
@click.option("--no-torch", is_flag=True, help="Leave PyTorch out even if it is installed.")
@click.option(
    "--markdown",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the results as markdown, e.g. docs/benchmark.md.",
)
@click.option("--quiet", "-q", is_flag=True, help="Only the tables, not every run.")
def bench(smoke, configs, repeats, threads, no_torch, markdown, quiet) -> None:
    """Time the engine against scikit-learn, PyTorch and the pure-Python reference.

    \b
    1. spirals 1,000 points, 2-16-16-2 ReLU, Adam 0.01, batch 32, 200 epochs
    2. spirals 1,000 points, same network, plain SGD 0.01, batch 1, 20 epochs
    3. synthetic 784 features, 10 classes, 20,000 samples, 784-256-256-10, Adam 1e-3,
       batch 256, 3 epochs, float32 (also: fraction of the float32 matmul peak)
    4. digits 8x8, 80/20 split, 64-128-10, Adam 1e-3, batch 64, 50 epochs, float32
    5. config 4 in float64, as scikit-learn loads digits (comparison, no targets)
    """
    from rich.console import Console
    from rich.table import Table

    from . import bench as benchmark

    numbers = None if configs is None else _sizes(configs, "--configs", allow_empty=False)
    console = Console()
    say = None if quiet else (lambda message: console.print(f"[dim]{message}[/]"))
    results = benchmark.run_benchmark(
        numbers,
        repeats=repeats or (1 if smoke else 5),
        threads=threads,
        smoke=smoke,
        include_torch=False if no_torch else None,
        progress=say,
    )
    console.print(f"threads: {results.threads}")
    console.print(f"float32 matmul peak: {results.peak_gflops:.0f} GFLOP/s")
    for line in benchmark.config_lines(results):
        console.print(line)
    table = Table(
        title="median of interleaved repeats; peer time / ours > 1: we are faster",
        title_justify="left",
    )
    for column in benchmark.HEADER:
        table.add_column(column, justify="left" if column in ("peer", "target") else "right")
    for row in benchmark.result_rows(results):
        table.add_row(*row)
    console.print(table)
    for text, met in results.checks():
        console.print(("[green]met[/]: " if met else "[red]missed[/]: ") + text)
    if markdown is not None:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(benchmark.to_markdown(results), encoding="utf-8")
        console.print(f"wrote {markdown}")
    if smoke:
        failures = results.smoke_failures()
        for failure in failures:
            console.print(f"[bold red]smoke failure[/]: {failure}")
        if failures:
            sys.exit(1)
        console.print("smoke run: every peer trained and reached its stated accuracy")


# ------------------------------------------------------------------------------------ lab
@cli.command(short_help="Open the browser lab.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on; anything but loopback lets other machines in.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on.",
)
@click.option("--no-browser", is_flag=True, help="Do not open a browser tab.")
@click.option(
    "--playground/--no-playground",
    default=True,
    show_default=True,
    help="Allow the code playground (it runs Python on this machine).",
)
@click.option(
    "--playground-token",
    envvar="NEURONLAB_PLAYGROUND_TOKEN",
    default=None,
    help="Require this token to run playground code. With --allow-playground on a network "
    "address: use it instead of a random one.",
)
@click.option(
    "--allow-playground",
    is_flag=True,
    help="Run the playground even when listening on the network: a token is made and printed.",
)
def lab(host, port, no_browser, playground, playground_token, allow_playground) -> None:
    """Open the browser lab: every concept of the course as a widget on the engine."""
    import secrets

    from .lab.server import run_lab
    from .lab.settings import Settings

    exposed = Settings(host=host).exposed
    if exposed and not allow_playground:
        # running code for other machines takes an explicit --allow-playground; a token
        # alone (say, left in the environment) does not switch it on
        if playground:
            click.echo(
                "note: the code playground is off on a network address; "
                "add --allow-playground to run it with a token",
                err=True,
            )
        playground, playground_token = False, None
    if allow_playground and playground and not playground_token and exposed:
        playground_token = secrets.token_urlsafe(16)
    settings = Settings(
        host=host, port=port, allow_playground=playground, playground_token=playground_token
    )
    run_lab(host, port, not no_browser, settings=settings)


# ----------------------------------------------------------------------------------- main
def _fail(message: str, command_path: str | None = None, status: int = 2) -> None:
    line = " ".join(str(message).split())  # one line, whatever the message held
    hint = f" (see '{command_path} --help')" if command_path else ""
    click.echo(f"error: {line}{hint}", err=True)
    sys.exit(status)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: one-line errors instead of tracebacks."""
    debug = os.environ.get("NEURONLAB_DEBUG") == "1"
    try:
        status = cli.main(args=argv, prog_name="neuronlab", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.ctx.get_help() if error.ctx else cli.get_help(click.Context(cli)))
        sys.exit(0)
    except click.ClickException as error:
        if debug:
            raise
        ctx = getattr(error, "ctx", None)
        _fail(error.format_message(), ctx.command_path if ctx else None, error.exit_code)
    except ValueError as error:  # the engine's messages say what to fix
        if debug:
            raise
        _fail(str(error))
    except OSError as error:
        if debug:
            raise
        _fail(str(error), status=1)
    except (click.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(status if isinstance(status, int) else 0)
