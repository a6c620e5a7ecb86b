"""One palette for every picture neuronlab draws: the figures (``plots``) and the lab's page.

Okabe & Ito's colour-blind-safe colours. Classes are told apart by marker shape as well as
colour, and optimisers by line dash and marker as well as colour, so that nothing depends on
colour alone. The values are the ones the lab drew with when this module was made
(``lab/render.py`` and the race and overfitting widgets), so the figures and the lab agree.
No imports: the lab, the plots and the command line all read it.
"""

from __future__ import annotations

# class 0 orange, class 1 blue, then bluish green, reddish purple, sky blue, vermillion
CLASS_COLOURS = ("#e69f00", "#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
CLASS_SHAPES = ("square", "circle", "triangle", "diamond", "plus", "cross")

# the optimiser race: colour, line dash (on/off lengths in points; () solid), head shape, and
# how the four are stacked where their paths share a valley: ``layer`` 0 is drawn first, at
# the bottom, widest and with the largest head; each later one lies on top, thinner, with a
# smaller head, so SGD's dotted line shows on Adam's solid one and their heads nest
OPTIMIZER_STYLES = {
    "sgd": {"colour": "#1b1d21", "dash": (2, 4), "shape": "square", "layer": 3, "width": 1.6,
            "head": 4.5},
    "momentum": {"colour": "#d55e00", "dash": (9, 5), "shape": "triangle", "layer": 2,
                 "width": 2.2, "head": 6.5},
    "rmsprop": {"colour": "#0072b2", "dash": (12, 4, 3, 4), "shape": "diamond", "layer": 1,
                "width": 2.8, "head": 8.5},
    "adam": {"colour": "#009e73", "dash": (), "shape": "circle", "layer": 0, "width": 3.6,
             "head": 10.5},
}  # fmt: skip
# the names they go by wherever a person reads them: legends, rows, messages
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "Momentum", "rmsprop": "RMSProp", "adam": "Adam"}
OPTIMIZER_COLOURS = {name: style["colour"] for name, style in OPTIMIZER_STYLES.items()}

# training against validation curves (the overfitting lab, the loss figures)
TRAIN_COLOUR = "#0072b2"
VAL_COLOUR = "#d55e00"
BEST_COLOUR = "#444444"  # the best epoch's mark


# the trainer's regression plane: a predicted value from its lowest (orange) through zero
# (white) to its highest (blue), the ends of the class colours so the shading reads like the
# classification plane's; colour-blind safe (orange against blue)
VALUE_LOW = "#e69f00"
VALUE_MIDDLE = "#ffffff"
VALUE_HIGH = "#0072b2"


def diverging(steps: int) -> list[tuple[int, int, int]]:
    """``steps`` RGB colours from VALUE_LOW through VALUE_MIDDLE (the middle entry, for an odd
    ``steps``) to VALUE_HIGH, mixed linearly in RGB."""
    if steps < 3:
        raise ValueError(f"steps must be at least 3, got {steps}")
    low, middle, high = (hex_to_rgb(c) for c in (VALUE_LOW, VALUE_MIDDLE, VALUE_HIGH))
    colours = []
    for i in range(steps):
        t = 2 * i / (steps - 1) - 1  # -1 at the low end, 0 in the middle, 1 at the high end
        end = low if t < 0 else high
        colours.append(tuple(round(m + (e - m) * abs(t)) for m, e in zip(middle, end, strict=True)))
    return colours


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """'#e69f00' -> (230, 159, 0)."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour must be written #rrggbb, got {colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


CLASS_RGB = tuple(hex_to_rgb(c) for c in CLASS_COLOURS)  # what lab/render.py paints with
