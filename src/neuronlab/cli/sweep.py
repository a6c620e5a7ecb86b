"""`neuronlab sweep`: a grid of learning rates × hidden widths, trained on Dask.

Every setting is one task: the worker makes the data from the seed (cheaper than shipping
it), trains a network with the engine's Trainer and sends back its scores and its
probability grid over the plane. The command gathers them as they finish and writes a table
(sweep.csv) and a picture grid of decision boundaries (sweep.png), one panel per setting,
rows the learning rates and columns the widths: what the learning rate does, at a glance.

Dask runs a ``LocalCluster`` on this machine by default (worker processes on 127.0.0.1,
one thread each) or uses a running cluster at ``--scheduler ADDRESS``. Ctrl-C writes what
finished, then stops the cluster; the workers never hear it (see ``_ctrl_c_held``).
"""

from __future__ import annotations

import contextlib
import csv
import logging
import signal
import sys
import time
from pathlib import Path

import click
import numpy as np

from ..engine.activations import ACTIVATIONS
from ..engine.datasets import DATASETS, REGRESSION_DATASETS
from ..engine.optimisers import OPTIMIZERS
from . import FiniteRange, _make_out_dir, cli

GRID_SIZE = 60  # cells per side of each panel's boundary
MAX_SETTINGS = 64
CLASSIFICATION_SETS = [name for name in DATASETS if name not in REGRESSION_DATASETS]
COLUMNS = ("learning_rate", "width", "train_accuracy", "val_accuracy", "val_loss", "epochs",
           "seconds", "status")  # fmt: skip


class NumberList(click.ParamType):
    """'0.001,0.01,0.1' -> [0.001, 0.01, 0.1], each checked against a range."""

    name = "list"

    def __init__(self, kind: type, low: float, high: float):
        self.kind, self.low, self.high = kind, low, high

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        try:
            numbers = [self.kind(part) for part in str(value).replace(" ", "").split(",")]
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of numbers, e.g. "
                      f"{'0.001,0.01' if self.kind is float else '4,16'}", param, ctx)  # fmt: skip
        bad = [n for n in numbers if not (self.low < n <= self.high)]
        if bad or not numbers:
            self.fail(f"{value!r}: every value must be in ({self.low:g}, {self.high:g}]",
                      param, ctx)  # fmt: skip
        if len(set(numbers)) != len(numbers):
            self.fail(f"{value!r} repeats a value", param, ctx)
        return numbers


def train_setting(setting: dict) -> dict:
    """Train one setting of the grid (runs on a Dask worker); returns its scores and grid."""
    from ..engine.datasets import make_dataset, train_val_test_split
    from ..engine.grid import plane_bounds, plane_grid
    from ..engine.network import Network
    from ..engine.optimisers import make_optimizer
    from ..engine.training import Trainer

    started = time.perf_counter()
    X, y = make_dataset(setting["dataset"], n=setting["points"], noise=setting["noise"],
                        seed=setting["seed"])  # fmt: skip
    X_train, y_train, X_val, y_val, _, _ = train_val_test_split(X, y, val=0.25,
                                                                seed=setting["seed"])  # fmt: skip
    sizes = [2, *[setting["width"]] * setting["layers"], int(y.max()) + 1]
    network = Network(sizes, setting["activation"], "softmax", seed=setting["seed"])
    optimizer = make_optimizer(setting["optimizer"], learning_rate=setting["learning_rate"])
    trainer = Trainer(network, optimizer, X_train, y_train, X_val, y_val,
                      batch_size=setting["batch_size"], seed=setting["seed"])  # fmt: skip
    reports = list(trainer.train(setting["epochs"]))  # stops early only if it diverges
    report = reports[-1]
    bounds = plane_bounds(X)
    with np.errstate(all="ignore"):  # a diverged network draws grey, not a warning
        grid = network.predict_proba(plane_grid(bounds, GRID_SIZE)) if not report.diverged else None
    return {
        "learning_rate": setting["learning_rate"],
        "width": setting["width"],
        "train_accuracy": report.train_accuracy,
        "val_accuracy": report.val_accuracy,
        "val_loss": report.val_loss,
        "epochs": report.epoch,
        "seconds": time.perf_counter() - started,
        "status": "diverged" if report.diverged else "finished",
        "grid": grid,
        "bounds": bounds,
        "k": sizes[-1],
    }


@cli.command(short_help="A grid of learning rates x widths, trained on Dask.")
@click.option("--dataset", "-d", type=click.Choice(CLASSIFICATION_SETS), default="spirals",
              show_default=True, help="A 2-D classification dataset.")  # fmt: skip
@click.option("--points", "-n", type=click.IntRange(20, 20_000), default=400, show_default=True,
              help="Number of points.")  # fmt: skip
@click.option("--noise", type=FiniteRange(0, 10), default=0.1, show_default=True,
              help="Noise of the dataset.")  # fmt: skip
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True,
              help="Seeds the data, the weights and the shuffling of every setting.")  # fmt: skip
@click.option("--learning-rates", "--lrs", "learning_rates", type=NumberList(float, 0, 10),
              default="0.001,0.01,0.1,1", show_default=True,
              help="The grid's rows: comma-separated learning rates.")  # fmt: skip
@click.option("--widths", type=NumberList(int, 0, 1024), default="4,16,64", show_default=True,
              help="The grid's columns: units per hidden layer, comma-separated.")  # fmt: skip
@click.option("--layers", type=click.IntRange(1, 8), default=2, show_default=True,
              help="Hidden layers, each of the column's width.")  # fmt: skip
@click.option("--activation", "-a", type=click.Choice(list(ACTIVATIONS)), default="relu",
              show_default=True, help="Hidden-layer activation (leaky_relu: slope 0.01 below "
              "zero; leaky_relu_0.1: the course's 0.1).")  # fmt: skip
@click.option("--optimizer", "-o", type=click.Choice(list(OPTIMIZERS)), default="adam",
              show_default=True, help="The optimiser of every setting.")  # fmt: skip
@click.option("--batch-size", "-b", type=click.IntRange(1), default=32, show_default=True,
              help="Samples per gradient step.")  # fmt: skip
@click.option("--epochs", "-e", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="Epochs per setting.")  # fmt: skip
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="A running Dask scheduler, e.g. tcp://10.0.0.5:8786; by default a "
              "LocalCluster on this machine.")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes of the LocalCluster (one thread each).")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("sweep"),
              show_default=True, help="Folder for sweep.csv and sweep.png.")  # fmt: skip
def sweep(dataset, points, noise, seed, learning_rates, widths, layers, activation, optimizer,
          batch_size, epochs, scheduler, workers, out) -> None:  # fmt: skip
    """Train every learning rate with every width on Dask; write a table and a picture grid.

    \b
    neuronlab sweep -d moons --lrs 0.001,0.01,0.1,1 --widths 2,8,32 --out lr-vs-width/
    neuronlab sweep --scheduler tcp://cluster:8786
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise click.UsageError(
            "neuronlab sweep runs on Dask, which is not installed: pip install 'neuronlab[sweep]'"
        ) from None
    n_settings = len(learning_rates) * len(widths)
    if n_settings > MAX_SETTINGS:
        raise click.BadParameter(
            f"{len(learning_rates)} learning rates x {len(widths)} widths make {n_settings} "
            f"settings; a sweep takes at most {MAX_SETTINGS}", param_hint="--widths",
        )  # fmt: skip
    _make_out_dir(out)
    base = {"dataset": dataset, "points": points, "noise": noise, "seed": seed,
            "layers": layers, "activation": activation, "optimizer": optimizer,
            "batch_size": batch_size, "epochs": epochs}  # fmt: skip
    settings = [{**base, "learning_rate": rate, "width": width}
                for rate in learning_rates for width in widths]  # fmt: skip
    results: list[dict] = []
    cluster = client = None
    status = "finished"
    started = time.perf_counter()
    ctrl_c = signal.getsignal(signal.SIGINT)
    try:
        try:
            if scheduler:
                try:
                    client = Client(scheduler, timeout="5s")
                except (OSError, TimeoutError) as error:
                    raise click.BadParameter(
                        f"cannot reach the Dask scheduler at {scheduler!r} ({error})",
                        param_hint="--scheduler",
                    ) from None
                where = f"the Dask cluster at {scheduler}"
            else:
                with _ctrl_c_held():
                    # silence_logs: the workers' warnings as they are stopped are not news
                    cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, host="127.0.0.1",
                                           dashboard_address=None,
                                           silence_logs=logging.ERROR)  # fmt: skip
                client = Client(cluster)
                where = f"a local Dask cluster of {workers} worker{'s' if workers > 1 else ''}"
            click.echo(f"sweeping {n_settings} settings ({len(learning_rates)} learning rates x "
                       f"{len(widths)} widths) on {where}", err=True)  # fmt: skip
            futures = client.map(train_setting, settings, pure=False)
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                click.echo(
                    f"  {len(results)}/{n_settings}  rate {result['learning_rate']:g}, width "
                    f"{result['width']}: {_accuracy(result['val_accuracy'])} validation "
                    f"accuracy ({result['status']})",
                    err=True,
                )
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, _patience)  # from here on Ctrl-C is answered, not obeyed
            status = f"interrupted: {len(results)} of {n_settings} settings finished"
            click.echo(status, err=True)
        # what finished is written before the cluster stops: stopping takes a few seconds
        written = _write(out, results, learning_rates, widths, base) if results else []
        _print_table(results, learning_rates, widths, time.perf_counter() - started, written)
    finally:
        try:
            _stop(client, cluster, interrupted=status != "finished")
        finally:
            signal.signal(signal.SIGINT, ctrl_c)
    if status != "finished":
        sys.exit(130)


@contextlib.contextmanager
def _ctrl_c_held():
    """Start the LocalCluster's worker processes deaf to Ctrl-C, without losing a Ctrl-C.

    A terminal sends Ctrl-C's SIGINT to every process of the foreground group, the Dask
    workers too, and a worker that gets it dies mid-task with a traceback. A process started
    while SIGINT is ignored keeps ignoring it (an ignored signal stays ignored across exec),
    so the workers never hear Ctrl-C: the command alone does, and stops them itself. SIGINT
    is blocked as well meanwhile, so that a Ctrl-C pressed while the cluster starts is held
    instead of dropped, and arrives when the block lifts. (multiprocessing's resource
    tracker unblocks SIGINT when it starts, so it is started first.)
    """
    masks = hasattr(signal, "pthread_sigmask")  # not on Windows
    if masks:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if masks:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _patience(signum, frame) -> None:
    """SIGINT once the sweep is stopping: say so, and go on writing and stopping.

    Writing takes a second or two and stopping is bounded (a worker busy with a setting
    finishes it or is killed after 4 s by Dask's nanny); a second Ctrl-C that broke them off
    would lose the files and leave tracebacks and half-closed workers behind.
    """
    click.echo("still writing what finished and stopping the Dask workers; a moment", err=True)


def _stop(client, cluster, *, interrupted: bool) -> None:
    """Close the client and the cluster, answering Ctrl-C meanwhile (see ``_patience``)."""
    if client is None and cluster is None:
        return
    signal.signal(signal.SIGINT, _patience)
    if interrupted:
        click.echo("stopping the Dask workers (a few seconds)", err=True)
        logging.getLogger("distributed").setLevel(logging.CRITICAL)  # cancelled tasks' noise
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


def _accuracy(value) -> str:
    return "-" if value is None else f"{value:.1%}"


def _ordered(results: list[dict], learning_rates, widths) -> list[dict]:
    place = {(r, w): i for i, (r, w) in enumerate((r, w) for r in learning_rates for w in widths)}
    return sorted(results, key=lambda r: place[(r["learning_rate"], r["width"])])


def _write(out: Path, results, learning_rates, widths, base) -> list[Path]:
    rows = _ordered(results, learning_rates, widths)
    with open(out / "sweep.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    _figure(out / "sweep.png", rows, learning_rates, widths, base)
    return [out / "sweep.csv", out / "sweep.png"]


def _figure(path: Path, rows, learning_rates, widths, base):
    """One panel per setting: rows the learning rates, columns the widths, labelled; a
    setting that did not run (Ctrl-C) keeps its place, framed as the others. Returns the
    figure it wrote."""
    from matplotlib.figure import Figure

    from ..engine.datasets import make_dataset
    from ..engine.grid import plane_bounds
    from ..plots import probability_image
    from ..plots.boundary import _scatter_classes

    found = {(r["learning_rate"], r["width"]): r for r in rows}
    X, y = make_dataset(base["dataset"], n=base["points"], noise=base["noise"], seed=base["seed"])
    bounds = plane_bounds(X)  # what every worker drew its grid over
    layers = f"{base['layers']} layer{'s' if base['layers'] > 1 else ''}"
    n_rows, n_cols = len(learning_rates), len(widths)
    # at least 4.8 inches wide, so that one or two columns still show the whole title
    figure = Figure(figsize=(max(2.3 * n_cols + 0.8, 4.8), 2.3 * n_rows + 1.1), dpi=100)
    axes = figure.subplots(n_rows, n_cols, squeeze=False)
    for i, rate in enumerate(learning_rates):
        for j, width in enumerate(widths):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlim(bounds[0], bounds[1])
            ax.set_ylim(bounds[2], bounds[3])
            ax.set_aspect("equal")
            result = found.get((rate, width))
            if result is None:
                ax.text(0.5, 0.5, "not run", ha="center", va="center", transform=ax.transAxes)
            else:
                if result["grid"] is not None:
                    image = probability_image(result["grid"].reshape(GRID_SIZE, GRID_SIZE, -1))
                    ax.imshow(image, extent=bounds, origin="upper", interpolation="bilinear")
                else:
                    ax.set_facecolor("#999999")
                _scatter_classes(ax, X, y, filled=True, size=5)
                ax.set_xlim(bounds[0], bounds[1])  # the points must not widen the frame
                ax.set_ylim(bounds[2], bounds[3])
                score = "diverged" if result["status"] == "diverged" else (
                    f"val {_accuracy(result['val_accuracy'])}"
                )  # fmt: skip
                ax.set_title(score, fontsize=9)
            if j == 0:
                ax.set_ylabel(f"η = {rate:g}", fontsize=10)
            if i == n_rows - 1:
                ax.set_xlabel(f"{width} units × {layers}", fontsize=10)
    figure.suptitle(
        f"{base['dataset']}: learning rate (rows) × width (columns)\n{base['optimizer']}, "
        f"{base['epochs']} epochs",
        fontsize=11,
    )
    figure.tight_layout()
    figure.savefig(path)
    return figure


def _print_table(results, learning_rates, widths, seconds: float, written) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"validation accuracy ({seconds:.1f} s)",
                  title_justify="left")  # fmt: skip
    table.add_column("learning rate", justify="right")
    for width in widths:
        table.add_column(f"{width} units", justify="right")
    found = {(r["learning_rate"], r["width"]): r for r in results}
    for rate in learning_rates:
        cells = []
        for width in widths:
            result = found.get((rate, width))
            if result is None:
                cells.append("-")
            elif result["status"] == "diverged":
                cells.append("diverged")
            else:
                cells.append(_accuracy(result["val_accuracy"]))
        table.add_row(f"{rate:g}", *cells)
    console = Console()
    console.print(table)
    for path in written:
        console.print(f"wrote {path}", highlight=False)
