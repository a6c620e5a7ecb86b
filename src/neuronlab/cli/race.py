"""`neuronlab race`: optimisers racing across a loss surface from one start."""

from __future__ import annotations

from pathlib import Path

import click

from ..engine.optimisers import OPTIMIZERS
from ..engine.outcome import NEAR
from ..engine.surfaces import SURFACES, race_rates
from ..palette import OPTIMIZER_LABELS
from . import FiniteRange, Point, _make_out_dir, cli


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
    "--start",
    type=Point(dimensions=2),
    default=None,
    metavar="X,Y",
    help="Start point, inside the surface's map; the surface's default otherwise.",
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
    type=FiniteRange(0, min_open=True),
    default=NEAR,
    show_default=True,
    help="'Reached the minimum' means staying within this distance of a lowest minimum.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Figure file [default: race-SURFACE.png].",
)
def race(surface, optimizers, rates, start, steps, near, out) -> None:
    """Optimisers race across a loss surface from one start.

    Writes a contour figure with every path and prints, for each optimiser, the step from
    which it stayed within --near of a lowest minimum, its final loss, and where it ended:
    the minimum, a local minimum, a saddle, still descending or diverged.
    """
    from matplotlib.figure import Figure
    from rich.console import Console
    from rich.table import Table

    from .. import plots
    from ..engine.optimisers import make_optimizer
    from ..engine.outcome import read_race
    from ..engine.surfaces import check_on_map, descend

    names = [name.strip() for name in optimizers.split(",") if name.strip()]
    for name in names:
        if name not in OPTIMIZERS:
            raise click.BadParameter(
                f"{name!r} is not an optimiser; use {', '.join(OPTIMIZERS)}",
                param_hint="--optimizers",
            )
    if not names:
        raise click.BadParameter("name at least one optimiser", param_hint="--optimizers")
    start_point = start if start else list(SURFACES[surface].start)
    try:
        check_on_map(surface, start_point)  # where the figure can show the walk
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--start") from None
    out = out or Path(f"race-{surface}.png")
    kinds = Figure().canvas.get_supported_filetypes()  # {"png": ..., "svg": ..., "pdf": ...}
    if out.suffix[1:].lower() not in kinds:  # else matplotlib would write OUT.png, not OUT
        raise click.BadParameter(
            f"{str(out)!r} is the figure's file name and must end in .png, .svg or .pdf",
            param_hint="--out",
        )
    chosen = _race_rates(surface, names, rates)
    labels = {name: OPTIMIZER_LABELS.get(name, name) for name in names}
    paths = {
        labels[name]: descend(
            surface, start_point, make_optimizer(name, learning_rate=chosen[name]), steps=steps
        )
        for name in names
    }
    # who reached the minimum and the words for it: the same reading as the lab's race
    reading = read_race(surface, paths, near)
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
        title=f"race on {surface} from ({start_point[0]:g}, {start_point[1]:g}); reached = "
        f"first step from which it stays within {near:g} of a lowest minimum",
        title_justify="left",
    )
    for column in ("optimiser", "rate", "reached", "final loss", "final point"):
        table.add_column(column, justify="left" if column == "optimiser" else "right", no_wrap=True)
    # the outcome wraps between its words rather than lose them ("still descending" needs
    # 82 columns on one line; at 80 it takes two)
    table.add_column("outcome", justify="left", overflow="fold")
    for name in names:
        label = labels[name]
        path, reached = paths[label], reading.reached[label]
        x, y = path.points[-1]
        table.add_row(
            label,
            f"{chosen[name]:g}",
            "never" if reached is None else f"step {reached}",
            f"{path.losses[-1]:.4g}",
            f"({x:.3f}, {y:.3f})",
            reading.kinds[label],  # converged, local minimum, saddle... (engine/outcome.py)
        )
    console = Console()
    console.print(table)
    console.print(reading.headline, highlight=False)
    for label, sentence in reading.sentences.items():  # read with --near, as the table is
        console.print(f"{label}: {sentence[:1].upper()}{sentence[1:]}", highlight=False)
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
