"""`neuronlab predict`: classify points with a saved model, CSV in and CSV out."""

from __future__ import annotations

import csv
import io
import math
import sys
from pathlib import Path

import click
import numpy as np

from ..engine.serialise import input_scaling
from . import Point, cli
from .data import with_decimal_points


@cli.command(short_help="Classify points with a saved model.")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("csv_file", required=False, type=click.File("r", encoding="utf-8-sig"))
@click.option(
    "--point",
    "-p",
    "points",
    type=Point(),
    multiple=True,
    metavar="X1,X2,...",
    help="A point to classify; repeatable.",
)
def predict(model, csv_file, points) -> None:
    """Classify points with a saved model (model.npz from `neuronlab train`).

    Points come from CSV_FILE (one point per row, an optional header row; '-' reads stdin;
    commas, semicolons, tabs or bars between the numbers, found by sniffing) or from --point.
    A header row that names every feature of a model trained on a table picks those columns,
    in any order, and leaves the others (the target, say) aside.
    Writes CSV to stdout: the features (under the table's column names for a model trained
    on a table, else x1, x2, ...), the predicted class and each class's probability (the
    prediction alone for a regression model). Models trained on a real dataset or a
    CSV table take raw measurements: the saved input scaling is applied, and a table's
    class names are printed.
    """

    from ..engine.network import OVERFLOWED
    from ..engine.serialise import load

    network, metadata = load(model)
    d = network.layer_sizes[0]
    if csv_file is None and not points:
        raise click.UsageError("give a CSV file ('-' reads stdin) or at least one --point")
    rows = [list(point) for point in points]
    for i, row in enumerate(rows):
        if len(row) != d:
            raise click.BadParameter(
                f"the model takes {d} features, point {i + 1} has "
                f"{len(row)}: {','.join(f'{v:g}' for v in row)}"
            )
    source = None
    if csv_file is not None:
        source = "stdin" if csv_file.name == "<stdin>" else csv_file.name
        for number, row in _read_points(csv_file, source, _feature_names(metadata, d)):
            if len(row) != d:
                raise click.BadParameter(
                    f"the model takes {d} features, but {source} line {number} has "
                    f"{len(row)} columns: give {d} numbers per row",
                    param_hint="CSV_FILE",
                )
            rows.append(row)
    if not rows:
        raise click.BadParameter(
            f"{source} holds no points: give one point per line as numbers separated by "
            "commas (or semicolons, tabs), e.g. 0.5,-0.2 (a first line that is not numbers "
            "is read as a header)",
            param_hint="CSV_FILE",
        )
    X = np.array(rows, dtype=float)
    inputs = X
    scaling = _scaling(metadata, d, model)
    if scaling is not None:
        mean, scale = scaling
        inputs = (X - mean) / scale
    writer = csv.writer(sys.stdout, lineterminator="\n")
    # the input columns as the model knows them: a table's own names, else x1, x2, ...
    names = _feature_names(metadata, d) or [f"x{j + 1}" for j in range(d)]
    softmax = network.output == "softmax"
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
        outputs = network.predict_proba(inputs) if softmax else network.predict(inputs)
    if network.overflowed():
        raise ValueError(OVERFLOWED)  # not a table of nan, or of class 0
    if softmax:
        k = outputs.shape[1]
        labels = metadata.get("class_labels")
        if not (isinstance(labels, list) and len(labels) == k):
            labels = list(range(k))
        numbered = labels == list(range(k))
        columns = [f"p{c}" for c in labels] if numbered else [f"p_{c}" for c in labels]
        writer.writerow([*names, "class", *columns])
        for x, p in zip(X, outputs, strict=True):
            writer.writerow([*(f"{v:g}" for v in x), labels[int(p.argmax())],
                             *(f"{v:.6f}" for v in p)])  # fmt: skip
    else:
        writer.writerow([*names, *[f"y{j + 1}" for j in range(outputs.shape[1])]])
        for x, v in zip(X, outputs, strict=True):
            writer.writerow([*(f"{a:g}" for a in x), *(f"{b:.6g}" for b in v)])


def _scaling(metadata: dict, d: int, model: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The saved input scaling (mean, scale) of a model trained on a real dataset, checked."""
    try:
        return input_scaling(metadata, d)
    except ValueError:
        raise click.BadParameter(
            f"{model} holds an invalid input scaling (it needs {d} means and {d} non-zero "
            "scales): save the model again with `neuronlab train --out`",
            param_hint="MODEL",
        ) from None


def _feature_names(metadata: dict, d: int) -> list[str] | None:
    """The names of the model's d features, if it was trained on a table that had them."""
    record = metadata.get("estimator")
    names = metadata.get("feature_names")
    if isinstance(record, dict) and record.get("feature_names_in_"):
        names = record["feature_names_in_"]
    if isinstance(names, list) and len(names) == d and all(isinstance(n, str) for n in names):
        return names
    return None


def _read_points(file, source: str, names: list[str] | None) -> list[tuple[int, list[float]]]:
    """(line number, values) for every row of numbers in the CSV text, delimiter sniffed;
    with the model's feature ``names`` all in a header row, those columns in that order."""
    try:
        text = file.read()
    except UnicodeDecodeError:
        raise click.BadParameter(
            f"{source} is not a CSV text file: give one point per line, e.g. 0.5,-0.2",
            param_hint="CSV_FILE",
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel  # one number per line, or nothing to tell: commas
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
        if dialect.delimiter == ";":  # 0,5;1,2 as written where the comma is the decimal mark
            rows = with_decimal_points(rows)
        return _parse_points(source, rows, names)
    except csv.Error:
        raise click.BadParameter(
            f"{source} is not a CSV text file: give one point per line, e.g. 0.5,-0.2",
            param_hint="CSV_FILE",
        ) from None


def _parse_points(path: str, reader, names: list[str] | None) -> list[tuple[int, list[float]]]:
    rows = []
    columns = None  # the model's features' places in a header that names them all
    for number, row in enumerate(reader, start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if columns is not None:
            if len(row) <= max(columns):
                raise click.BadParameter(
                    f"{path} line {number} has {len(row)} columns, fewer than its header",
                    param_hint="CSV_FILE",
                )
            row = [row[j] for j in columns]
        try:
            values = [float(cell) for cell in row]
        except ValueError:
            if number == 1 and not any(_is_number(cell) for cell in row):
                header = [cell.strip() for cell in row]
                if names and all(name in header for name in names):
                    columns = [header.index(name) for name in names]
                continue  # a header: names, not numbers
            raise click.BadParameter(
                f"{path} line {number} is not all numbers: {','.join(row)[:80]!r}; give "
                "comma-separated numbers, e.g. 0.5,-0.2",
                param_hint="CSV_FILE",
            ) from None
        if not all(math.isfinite(v) for v in values):
            raise click.BadParameter(
                f"{path} line {number} has a non-finite number", param_hint="CSV_FILE"
            )
        rows.append((number, values))
    return rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
