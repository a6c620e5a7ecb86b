"""The ``neuronlab`` command: train, race, gradcheck, predict, sweep, bench and lab.

Each command looks names up in the engine's registries (datasets, activations, optimisers,
surfaces), so whatever the engine offers the command line offers too. Heavy imports
(matplotlib, rich, scikit-learn, the lab's server) happen inside the commands, so
``neuronlab --help`` answers at once.

A bad argument ends the command with one line on stderr saying what to fix and exit
status 2; never a traceback (set NEURONLAB_DEBUG=1 to see one).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import click

from ..engine.datasets import DATASETS, REAL_DATASETS

DATASET_CHOICES = [*DATASETS, *REAL_DATASETS]


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


class Sizes(click.ParamType):
    """A click type for '16,16': a list of sizes from 1 to 4096 ('none' for no hidden layer
    when ``allow_empty``)."""

    name = "sizes"

    def __init__(self, allow_empty: bool = False):
        self.allow_empty = allow_empty

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        name = param.opts[0] if param is not None and param.opts else "sizes"
        try:
            return _sizes(str(value), name, self.allow_empty)
        except click.BadParameter as error:
            self.fail(error.message, param, ctx)


class Point(click.ParamType):
    """A click type for '0.5,-0.2': finite numbers, ``dimensions`` of them when given."""

    name = "point"

    def __init__(self, dimensions: int | None = None):
        self.dimensions = dimensions

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        name = param.opts[0] if param is not None and param.opts else "--point"
        try:
            point = _point(str(value), name)
        except click.BadParameter as error:
            self.fail(error.message, param, ctx)
        if self.dimensions is not None and len(point) != self.dimensions:
            self.fail(f"give {self.dimensions} numbers, x,y; got {value!r}", param, ctx)
        return point


class FiniteRange(click.FloatRange):
    """click.FloatRange that also refuses nan and infinity (every comparison lets nan through)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


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
    neuronlab sweep               learning rates x widths on Dask: a table and a picture grid
    neuronlab bench               the engine against scikit-learn, PyTorch, the reference
    """


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
    except MemoryError:
        if debug:
            raise
        _fail("out of memory: choose a smaller network or fewer points", status=1)
    except (click.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(status if isinstance(status, int) else 0)


# the commands register themselves on `cli` when imported
# in their long-standing order, so that cli.commands lists them as before
# isort: off
from . import train, race, gradcheck, predict, benchmark_cmd, lab, sweep  # noqa: E402, F401
# isort: on
