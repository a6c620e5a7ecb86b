"""Colours, marker shapes and the axes helper shared by every figure."""

from __future__ import annotations

from matplotlib import pyplot as plt
from matplotlib.axes import Axes

# The lab's colours (lab/render.py CLASS_COLOURS), chosen to stay apart for colour-blind eyes.
CLASS_COLOURS = ("#e69f00", "#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
MARKERS = ("s", "o", "^", "D", "P", "X")  # square, circle, triangle, diamond, plus, cross
OPTIMIZER_COLOURS = {
    "sgd": "#d55e00",
    "momentum": "#009e73",
    "rmsprop": "#cc79a7",
    "adam": "#0072b2",
}
TRAIN_COLOUR, VAL_COLOUR, BEST_COLOUR = "#0072b2", "#e69f00", "#444444"


def class_colour(k: int) -> str:
    """Colour of class ``k`` (the palette repeats after six classes)."""
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


def class_marker(k: int) -> str:
    """Marker shape of class ``k``: square, circle, triangle, diamond, plus, cross."""
    return MARKERS[k % len(MARKERS)]


def _axes(ax: Axes | None, figsize: tuple[float, float] = (5.5, 5.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax
