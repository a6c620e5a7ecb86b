"""The data `neuronlab train` learns from: a 2-D generator, a real dataset or a CSV table,
and the scaling of its inputs."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

import click
import numpy as np

from ..engine.datasets import REAL_DATASETS


def load_data(dataset: str, points: int, noise: float, seed: int, classes: int | None):
    """X, y and the input scaling (mean, scale per feature, or None)."""
    from ..engine.datasets import load_real, make_dataset

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


# ----------------------------------------------------------------------- one's own CSV data
SNIFFED_DELIMITERS = ",;\t|"
DECIMAL_COMMA = re.compile(r"\s*[+-]?\d*,\d+\s*")  # 0,5 where the comma is the decimal mark
DOTTED_NUMBER = re.compile(r"\s*[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?\s*")  # 0.5, .5, 5.


def with_decimal_points(rows: list[list[str]]) -> list[list[str]]:
    """The rows of a semicolon table with every number written 0,5 (a decimal comma) as 0.5.

    The comma is taken for a decimal mark only when no cell holds a number with a decimal
    point: a dot in a column's name (R's ``Sepal.Length``) or in a class name does not count.
    """
    if any(DOTTED_NUMBER.fullmatch(cell) for row in rows for cell in row):
        return rows
    return [
        [cell.replace(",", ".") if DECIMAL_COMMA.fullmatch(cell) else cell for cell in row]
        for row in rows
    ]


MAX_CLASSES_GUESSED = 20  # whole-number targets with at most this many values are classes


@dataclass
class TableData:
    """A CSV table as `neuronlab train --csv` learns from it."""

    X: np.ndarray  # (n, d) standardised features
    y: np.ndarray  # (n,) class indices, or (n,) float targets
    scaling: dict  # the raw features' mean and scale, saved with the model
    regression: bool
    class_labels: list | None  # classes_[index] for each class index
    feature_names: list[str]


def read_text(file, source: str) -> str:
    """The text of a --csv file (or stdin), or one sentence if it is not text."""
    try:
        return file.read()
    except UnicodeDecodeError:
        raise click.BadParameter(
            f"{source} is not a CSV text file (it is not UTF-8 text): give a table with a "
            "header row and one row per sample",
            param_hint="--csv",
        ) from None


def read_table(text: str, source: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of CSV text whose delimiter is sniffed (comma, semicolon, tab, bar).

    In a semicolon table whose numbers have no decimal point, a number written ``0,5`` has a
    decimal comma (as ``neuronlab predict`` reads it); such cells become ``0.5``.
    """
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=SNIFFED_DELIMITERS)
    except csv.Error:
        dialect = csv.excel  # one column, or nothing to tell: commas
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]
    if dialect.delimiter == ";":
        rows = rows[:1] + with_decimal_points(rows[1:])
    if len(rows) < 2:
        raise click.BadParameter(
            f"{source} needs a header row naming the columns and at least one row of data",
            param_hint="--csv",
        )
    return [name.strip() for name in rows[0]], rows[1:]


def load_table(text: str, source: str, target: str, task: str) -> TableData:
    """Features and target of a CSV table; the features standardised, their scaling kept."""
    header, rows = read_table(text, source)
    if target not in header:
        raise click.BadParameter(
            f"{source} has no column {target!r}; its columns are {', '.join(header)}",
            param_hint="--target",
        )
    if len(header) < 2:
        raise click.BadParameter(f"{source} has no feature columns besides {target!r}",
                                 param_hint="--csv")  # fmt: skip
    for number, name in enumerate(header, start=1):
        if not name:  # pandas' to_csv() writes its index so: the row order is no feature
            raise click.BadParameter(
                f"{source}: column {number} has no name (an index written by pandas? save the "
                "table with to_csv(index=False)); name every column in the header row",
                param_hint="--csv",
            )
    column = header.index(target)
    features = [name for name in header if name != target]
    X = np.empty((len(rows), len(features)))
    targets = []
    for line, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise click.BadParameter(
                f"{source} line {line} has {len(row)} fields, the header {len(header)}",
                param_hint="--csv",
            )
        values = row[:column] + row[column + 1 :]
        for j, cell in enumerate(values):
            try:
                X[line - 2, j] = float(cell)
            except ValueError:
                raise click.BadParameter(
                    f"{source} line {line}, column {features[j]!r}: {cell.strip()!r} is not a "
                    "number; features must be numbers (encode categories as numbers first)",
                    param_hint="--csv",
                ) from None
        targets.append(row[column].strip())
    if not np.isfinite(X).all():
        raise click.BadParameter(f"{source} holds NaN or infinite features: clean them first",
                                 param_hint="--csv")  # fmt: skip
    if any(t == "" for t in targets):
        raise click.BadParameter(f"{source} has rows without a {target!r} value",
                                 param_hint="--target")  # fmt: skip
    regression = _is_regression(targets, task, source, target)
    if regression:
        y = np.array([float(t) for t in targets])
        labels = None
    else:
        numeric = all(_whole(t) for t in targets)
        keys = [int(float(t)) for t in targets] if numeric else targets
        labels = sorted(set(keys))
        if len(labels) < 2:
            raise click.BadParameter(
                f"the column {target!r} holds one class only ({labels[0]!r}): nothing to learn",
                param_hint="--target",
            )
        index = {label: i for i, label in enumerate(labels)}
        y = np.array([index[k] for k in keys])
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0  # a constant column stays constant (at 0)
    scaling = {"mean": mean.tolist(), "scale": scale.tolist()}
    return TableData((X - mean) / scale, y, scaling, regression, labels, features)


def _is_regression(targets: list[str], task: str, source: str, target: str) -> bool:
    numbers = all(_number(t) for t in targets)
    if task == "regression":
        if not numbers:
            raise click.BadParameter(
                f"--task regression needs numbers in {target!r}; {source} has text there",
                param_hint="--task",
            )
        return True
    if task == "classification":
        return False
    # auto: text or few whole numbers are classes; anything else is a quantity to predict
    return numbers and not (
        all(_whole(t) for t in targets) and len(set(targets)) <= MAX_CLASSES_GUESSED
    )


def _number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _whole(text: str) -> bool:
    return _number(text) and float(text) == int(float(text))
