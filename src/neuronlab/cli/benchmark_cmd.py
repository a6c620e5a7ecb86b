"""`neuronlab bench`: the engine against scikit-learn, PyTorch and the reference."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import Sizes, cli


@cli.command(short_help="Time the engine against scikit-learn, PyTorch, the reference.")
@click.option(
    "--smoke",
    is_flag=True,
    help="Small sizes, one repeat: checks that every peer "
    "trains and reaches the stated accuracy (the times mean nothing).",
)
@click.option(
    "--configs",
    type=Sizes(),
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

    from .. import bench as benchmark

    numbers = configs
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
