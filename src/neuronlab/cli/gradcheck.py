"""`neuronlab gradcheck`: backpropagation against central finite differences."""

from __future__ import annotations

import sys

import click
import numpy as np

from ..engine.activations import ACTIVATIONS
from . import FiniteRange, Sizes, cli


@cli.command(short_help="Check backpropagation against finite differences.")
@click.option(
    "--layers",
    type=Sizes(),
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
    type=FiniteRange(0, 100),
    default=0.0,
    show_default=True,
    help="Include (l2/2)·ΣW² in the checked loss.",
)
@click.option(
    "--l1",
    type=FiniteRange(0, 100),
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
    type=FiniteRange(0, min_open=True),
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

    sizes = layers
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
