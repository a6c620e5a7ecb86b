"""Colours, marker shapes and the axes helper shared by every figure.

The colours come from ``neuronlab.palette``, which the lab shares; here they meet
matplotlib's names for the shapes and dashes.
"""

from __future__ import annotations

from matplotlib import pyplot as plt
from matplotlib.axes import Axes

from ..palette import (
    BEST_COLOUR,
    CLASS_COLOURS,
    CLASS_SHAPES,
    OPTIMIZER_COLOURS,
    OPTIMIZER_STYLES,
    TRAIN_COLOUR,
    VAL_COLOUR,
)

# matplotlib's marker for each of the palette's shape names
MARKER_FOR_SHAPE = {"square": "s", "circle": "o", "triangle": "^", "diamond": "D", "plus": "P",
                    "cross": "X"}  # fmt: skip
MARKERS = tuple(MARKER_FOR_SHAPE[shape] for shape in CLASS_SHAPES)
# a path not named after an optimiser takes these in turn
EXTRA_DASHES = ((), (6, 3), (1, 3), (8, 3, 1, 3))

__all__ = [
    "BEST_COLOUR",
    "CLASS_COLOURS",
    "MARKERS",
    "OPTIMIZER_COLOURS",
    "OPTIMIZER_STYLES",
    "TRAIN_COLOUR",
    "VAL_COLOUR",
    "class_colour",
    "class_marker",
    "path_style",
]


def class_colour(k: int) -> str:
    """Colour of class ``k`` (the palette repeats after six classes)."""
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


def class_marker(k: int) -> str:
    """Marker shape of class ``k``: square, circle, triangle, diamond, plus, cross."""
    return MARKERS[k % len(MARKERS)]


def path_style(label: str, i: int) -> dict:
    """Colour, dash, marker, line width and stacking of the i-th path, labelled ``label``
    (an optimiser's name takes the lab's style for it), so paths differ by more than colour
    and, where they overlap, the thinner ones lie on top of the wider ones."""
    style = OPTIMIZER_STYLES.get(label.split()[0].lower() if label else "")
    if style is not None:
        colour, dash, shape = style["colour"], style["dash"], style["shape"]
        layer, width, head = style["layer"], style["width"], style["head"]
    else:
        colour = CLASS_COLOURS[i % len(CLASS_COLOURS)]
        dash = EXTRA_DASHES[i % len(EXTRA_DASHES)]
        shape = CLASS_SHAPES[i % len(CLASS_SHAPES)]
        layer, width, head = i, 2.2, 6.0
    return {
        "color": colour,
        "linestyle": (0, dash) if dash else "-",
        "marker": MARKER_FOR_SHAPE[shape],
        "linewidth": 0.7 * width,  # the lab's widths are CSS pixels; these are points
        "head": 1.4 * head,  # the size of the end's marker
        "layer": layer,
    }


def _axes(
    ax: Axes | None, figsize: tuple[float, float] = (5.5, 5.0), layout: str | None = "constrained"
) -> Axes:
    if ax is None:
        # constrained layout makes room for what lies outside the axes (the legend beside
        # the plane, below the race), so a plain savefig keeps all of it; a figure with a
        # colour bar and nothing outside goes without (the bar makes its own room, and
        # matplotlib refuses a later plt.tight_layout() on a constrained figure with a bar)
        _, ax = plt.subplots(figsize=figsize, layout=layout)
    return ax
