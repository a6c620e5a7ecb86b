"""What the concept widgets' routers share: number rounding, images, menu labels, surfaces.

The widget routers (``perceptron``, ``activations``, ``forward``, ``loss``, ``descent``,
``race``, ``overfitting``) each call one engine function and return plain numbers; this
module holds the few helpers they have in common. What the page's menus offer comes from
``GET /api/options`` (``options.py``), straight from the engine's registries.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel, Field

from ... import palette
from ...engine.surfaces import SURFACES


# --- numbers for JSON ----------------------------------------------------------------------
def rounded(values: Iterable[float] | np.ndarray, digits: int = 6) -> list:
    """A (nested) list of floats kept to ``digits`` significant digits; NaN/inf become None.

    JSON has no NaN, and seventeen digits of every coordinate would triple a path's size.
    """
    array = np.asarray(values, dtype=np.float64)
    flat = [_round(v, digits) for v in array.ravel().tolist()]
    if array.ndim <= 1:
        return flat
    return np.array(flat, dtype=object).reshape(array.shape).tolist()


def _round(value: float, digits: int) -> float | None:
    if not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def number(value: float, digits: int = 6) -> float | None:
    """One float for JSON, rounded like ``rounded``."""
    return _round(float(value), digits)


def image_base64(rgba: bytes) -> str:
    """RGBA bytes as base64 text: the page copies them into an ImageData untouched."""
    return base64.b64encode(rgba).decode("ascii")


# --- what the menus show -------------------------------------------------------------------
# a registry name not listed here is shown as it is ("tanh", "identity")
ACTIVATION_LABELS = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU, slope 0.01",
    "leaky_relu_0.1": "leaky ReLU, slope 0.1",
    "gelu": "GELU",
}
OPTIMIZER_LABELS = palette.OPTIMIZER_LABELS  # beside their styles, for the CLI and figures too
# a dataset not listed here is shown with a capital first letter ("Spirals")
DATASET_LABELS = {
    "xor": "XOR",
    "gaussian": "Gaussian blobs",
    "surface": "Wavy surface (regression)",
    "saddle": "Saddle (regression)",
    "digits": "Digits (8×8)",
    "breast_cancer": "Breast cancer",
}


def dataset_label(name: str) -> str:
    """The name a menu shows for a dataset: "XOR" for xor, "Spirals" for spirals."""
    return DATASET_LABELS.get(name, name.replace("_", " ").capitalize())


class SurfaceInfo(BaseModel):
    name: str
    title: str
    description: str
    bounds: list[float] = Field(description="x_min, x_max, y_min, y_max")
    start: list[float]
    learning_rate: float
    minima: list[list[float]]


def surface_info(name: str) -> SurfaceInfo:
    """A surface of the engine's registry as the descent, 3-D and race widgets need it."""
    s = SURFACES[name]
    return SurfaceInfo(
        name=s.name,
        title=s.title,
        description=s.description,
        bounds=list(s.bounds),
        start=list(s.start),
        learning_rate=s.learning_rate,
        minima=[list(m) for m in s.minima],
    )
