"""`neuronlab train`: the run, its progress bar and Ctrl-C; data.py loads, outputs.py writes."""

from __future__ import annotations

import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np

from ..engine.activations import ACTIVATIONS
from ..engine.datasets import REAL_DATASETS, REGRESSION_DATASETS
from ..engine.optimisers import OPTIMIZERS
from ..engine.training import Trainer
from . import DATASET_CHOICES, FiniteRange, Sizes, _make_out_dir, cli
from .data import load_data
from .outputs import print_summary, write_run
from .progress import TrainingProgress

COMMANDLINE = click.core.ParameterSource.COMMANDLINE
GIF_GRID_SIZE = 80
GIF_FRAMES = 40  # at most this many frames in --gif
MAX_PARAMETERS = 10_000_000  # weights and biases; float64 Adam keeps eight arrays this long


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
    "--csv",
    "csv_file",
    type=click.File("r", encoding="utf-8-sig"),
    default=None,
    help="Train on your own table instead: a CSV file with a header row ('-' reads stdin; "
    "the delimiter is sniffed). Give the column to predict with --target.",
)
@click.option(
    "--target",
    default=None,
    metavar="COLUMN",
    help="With --csv: the column to predict; every other column is a numeric feature.",
)
@click.option(
    "--task",
    type=click.Choice(["auto", "classification", "regression"]),
    default="auto",
    show_default=True,
    help="With --csv: auto takes text or up to 20 whole numbers as classes, other numbers "
    "as a regression target.",
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
    type=FiniteRange(0, 10),
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
    type=Sizes(allow_empty=True),
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
    help="Hidden-layer activation (leaky_relu: slope 0.01 below zero; leaky_relu_0.1: the "
    "course's slope 0.1).",
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
    type=FiniteRange(0, 10, min_open=True),
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
    type=FiniteRange(0, 100),
    default=0.0,
    show_default=True,
    help="Weight decay: adds (l2/2)·ΣW² to the loss.",
)
@click.option(
    "--l1",
    type=FiniteRange(0, 100),
    default=0.0,
    show_default=True,
    help="Adds l1·Σ|W| to the loss.",
)
@click.option(
    "--validation",
    "--val",
    type=FiniteRange(0, 0.9),
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
    csv_file,
    target,
    task,
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
    weights; the best ones when --patience stopped the run; with the input scaling and the
    class names, so that `neuronlab.load` and `neuronlab predict` take raw inputs),
    history.csv, and with --gif training.gif. Ctrl-C stops after the current epoch and still
    writes them.

    \b
    neuronlab train --csv flowers.csv --target species --out run/
    """
    from rich.console import Console

    ctx = click.get_current_context()
    table = None
    if csv_file is not None:
        from .data import load_table, read_text

        if target is None:
            raise click.BadParameter("name the column to predict with --target", param_hint="--csv")
        for option in ("dataset", "points", "noise", "classes"):
            if ctx.get_parameter_source(option) == click.core.ParameterSource.COMMANDLINE:
                raise click.BadParameter(
                    f"--{option} is for the built-in datasets; --csv trains on your table",
                    param_hint=f"--{option}",
                )
        source = "stdin" if csv_file.name == "<stdin>" else Path(csv_file.name).name
        table = load_table(read_text(csv_file, source), source, target, task)
        dataset = source
    elif (
        target is not None
        or ctx.get_parameter_source("task") == click.core.ParameterSource.COMMANDLINE
    ):
        raise click.BadParameter("--target and --task go with --csv FILE", param_hint="--target")
    if table is None and dataset in REAL_DATASETS:
        for option in ("points", "noise", "classes"):
            if ctx.get_parameter_source(option) == click.core.ParameterSource.COMMANDLINE:
                raise click.BadParameter(
                    f"{dataset} is a fixed real dataset; --{option} applies to the 2-D "
                    "datasets only",
                    param_hint=f"--{option}",
                )
    if gif and out is None:
        raise click.BadParameter("--gif writes into --out: give --out DIR too", param_hint="--gif")
    flat = table is not None and (table.regression or table.X.shape[1] != 2)
    if gif and (flat or dataset in REAL_DATASETS or dataset in REGRESSION_DATASETS):
        raise click.BadParameter(
            "--gif draws a 2-D decision boundary: use a 2-D classification dataset",
            param_hint="--gif",
        )
    skipped = ("out", "quiet", "csv_file")
    settings = {name: value for name, value in ctx.params.items() if name not in skipped}
    settings["hidden"] = hidden
    settings["dataset"] = dataset
    if out is not None:
        _make_out_dir(out)  # before training: a run is not lost to a folder it cannot write
    run = TrainingRun.start(settings, table)

    console = Console(stderr=True)
    network = run.trainer.network
    console.print(
        f"training {'-'.join(map(str, network.layer_sizes))} {activation} on {dataset} "
        f"({len(run.y_train)} training samples) for {epochs} epoch{'' if epochs == 1 else 's'}; "
        "Ctrl-C stops after "
        "the current epoch",
        highlight=False,
    )
    with _Interrupt(console) as interrupt:
        run.train(epochs, interrupt, console, quiet, gif)
        interrupt.writing = True  # from here Ctrl-C waits for the files
        written = write_run(out, run, gif) if out is not None else []
    print_summary(run, written, out)
    if run.status.startswith("interrupted"):
        sys.exit(130)


@dataclass
class TrainingRun:
    """One `neuronlab train`: the data, the trainer, and what happened."""

    settings: dict  # the command's options, saved with the model
    trainer: Trainer
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    scaling: dict | None  # the raw inputs' mean and scale, for real datasets and CSV tables
    class_labels: list | None = None  # a CSV's class names, by class index
    feature_names: list[str] | None = None
    status: str = "not started"
    seconds: float = 0.0
    frames: list = field(default_factory=list)  # (epoch, probability grid) for --gif
    bounds: tuple | None = None

    @property
    def regression(self) -> bool:
        return self.trainer.network.output == "identity"

    @classmethod
    def start(cls, settings: dict, table=None) -> TrainingRun:
        """Data, split, network and trainer as the options (or the CSV table) say."""
        from ..engine.datasets import train_val_test_split
        from ..engine.network import Network
        from ..engine.optimisers import make_optimizer

        s = settings
        if table is not None:
            X, y, scaling, regression = table.X, table.y, table.scaling, table.regression
        else:
            X, y, scaling = load_data(
                s["dataset"], s["points"], s["noise"], s["seed"], s["classes"]
            )
            regression = s["dataset"] in REGRESSION_DATASETS
        if len(y) < 2:
            raise click.BadParameter("the data holds fewer than 2 rows: nothing to learn from")
        X_train, y_train, X_val, y_val, _, _ = train_val_test_split(
            X.astype(s["dtype"]), y, val=s["validation"], seed=s["seed"], stratify=not regression
        )
        if len(X_val) == 0:
            X_val = y_val = None
        outputs = 1 if regression else int(y.max()) + 1
        sizes = [X.shape[1], *s["hidden"], outputs]
        n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
        if n_params > MAX_PARAMETERS:
            shape = "-".join(map(str, sizes))
            shape = shape if len(shape) <= 40 else f"{len(sizes) - 2} hidden layers"
            raise click.BadParameter(
                f"the network ({shape}) would have {n_params:,} parameters; the command line "
                f"trains at most {MAX_PARAMETERS:,}: use fewer or narrower hidden layers",
                param_hint="--hidden",
            )
        network = Network(
            sizes,
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
        run = cls(settings, trainer, X_train, y_train, X_val, y_val, scaling)
        if table is not None:
            run.class_labels, run.feature_names = table.class_labels, table.feature_names
        return run

    def train(self, epochs: int, interrupt: _Interrupt, console, quiet: bool, gif: bool) -> None:
        """Run the epochs with a progress bar until done, stopped, or interrupted."""
        trainer = self.trainer
        grid = None
        if gif:
            from ..engine.grid import plane_bounds, plane_grid

            self.bounds = plane_bounds(
                np.vstack([a for a in (self.X_train, self.X_val) if a is not None])
            )
            grid = plane_grid(self.bounds, GIF_GRID_SIZE)
            self._snapshot(0, grid)
        every = max(1, epochs // GIF_FRAMES)
        self.status = "finished"
        started = time.perf_counter()
        shown = TrainingProgress(console, epochs, len(self.y_train), quiet)
        trainer.batch_callback = None if quiet else shown.batch
        try:
            with shown:
                for report in trainer.train(epochs):
                    shown.epoch(report)
                    if gif and (report.epoch % every == 0 or trainer.finished):
                        self._snapshot(report.epoch, grid)
                    if report.message:  # diverged, or early stopping restored the best
                        self.status = report.message
                    if interrupt.requested:
                        self.status = f"interrupted after epoch {report.epoch}"
                        break
        except KeyboardInterrupt:
            self.status = f"interrupted during epoch {trainer.epoch + 1}"
        finally:
            trainer.batch_callback = None
        self.seconds = time.perf_counter() - started

    def _snapshot(self, epoch: int, grid: np.ndarray) -> None:
        probabilities = self.trainer.network.predict_proba(grid)
        self.frames.append((epoch, probabilities.reshape(GIF_GRID_SIZE, GIF_GRID_SIZE, -1)))
