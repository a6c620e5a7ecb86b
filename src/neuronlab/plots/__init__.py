"""Figures for notebooks, scripts and the command line (matplotlib).

Every function draws on the axes it is given (a new figure when ``ax`` is None) and returns
them, so figures compose::

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    plot_decision_boundary(network, X_train, y_train, ax=left, X_val=X_val, y_val=y_val)
    plot_loss_curves(trainer.history, ax=right)

(``layout="constrained"`` makes room for the legends, which sit beside the data.)

Classes are told apart by shape as well as colour, as in the lab: class 0 squares, class 1
circles, then triangles, diamonds, plusses and crosses. Training points are filled,
validation points outlined.
"""

from __future__ import annotations

import os
import sys

import matplotlib

if (
    sys.platform.startswith("linux")
    and not os.environ.get("DISPLAY")
    and not os.environ.get("WAYLAND_DISPLAY")
    and not os.environ.get("MPLBACKEND")
    and "matplotlib.pyplot" not in sys.modules
):
    matplotlib.use("Agg")  # no display: draw into files

from ._common import (  # noqa: E402  (after the backend choice)
    BEST_COLOUR,
    CLASS_COLOURS,
    MARKERS,
    OPTIMIZER_COLOURS,
    TRAIN_COLOUR,
    VAL_COLOUR,
    class_colour,
    class_marker,
)
from .boundary import (  # noqa: E402
    model_outputs,
    plot_decision_boundary,
    plot_regression_surface,
    probability_image,
    save_boundary_animation,
)
from .curves import (  # noqa: E402
    confusion_matrix,
    plot_accuracy_curves,
    plot_confusion_matrix,
    plot_loss_curves,
)
from .surfaces import plot_descent_paths  # noqa: E402

__all__ = [
    "BEST_COLOUR",
    "CLASS_COLOURS",
    "MARKERS",
    "OPTIMIZER_COLOURS",
    "TRAIN_COLOUR",
    "VAL_COLOUR",
    "class_colour",
    "class_marker",
    "confusion_matrix",
    "model_outputs",
    "plot_accuracy_curves",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_descent_paths",
    "plot_loss_curves",
    "plot_regression_surface",
    "probability_image",
    "save_boundary_animation",
]
