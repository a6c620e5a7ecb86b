"""`neuronlab race`, `gradcheck` and `predict`: small tools on the engine."""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import click
import numpy as np

from ..engine.activations import ACTIVATIONS
from ..engine.optimisers import OPTIMIZERS
from ..engine.surfaces import SURFACES, race_rates
from . import _make_out_dir, _point, _sizes, cli


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

    from .. import plots
    from ..engine.optimisers import make_optimizer
    from ..engine.surfaces import descend

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

    from ..engine.gradcheck import gradient_check
    from ..engine.network import Network

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

    from ..engine.serialise import load

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
