"""What the concept widgets share: the plane they draw, number rounding, images, a catalogue.

The widget routers (``perceptron``, ``activations``, ``forward``, ``loss``, ``descent``,
``race``, ``overfitting``) each call one engine function and return plain numbers; this
module holds the few helpers they have in common and ``GET /api/widgets/catalogue``, which
lists what the page may offer (activations, surfaces, optimisers) straight from the
engine's registries, so a new entry appears in every menu at once.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field

from ...engine.activations import ACTIVATIONS
from ...engine.optimisers import OPTIMIZERS
from ...engine.surfaces import SURFACES, race_rates

router = APIRouter(prefix="/api/widgets", tags=["widgets"])

PLANE = (-1.2, 1.2, -1.2, 1.2)  # x1_min, x1_max, x2_min, x2_max: the datasets' plane

OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "Momentum", "rmsprop": "RMSProp", "adam": "Adam"}


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


# --- the catalogue -------------------------------------------------------------------------
class NamedItem(BaseModel):
    name: str
    description: str


class SurfaceInfo(BaseModel):
    name: str
    title: str
    description: str
    bounds: list[float] = Field(description="x_min, x_max, y_min, y_max")
    start: list[float]
    learning_rate: float
    minima: list[list[float]]
    race_rates: dict[str, float]


class OptimizerInfo(BaseModel):
    name: str
    label: str


class Catalogue(BaseModel):
    activations: list[NamedItem]
    surfaces: list[SurfaceInfo]
    optimizers: list[OptimizerInfo]
    plane: list[float]


def surface_info(name: str) -> SurfaceInfo:
    s = SURFACES[name]
    return SurfaceInfo(
        name=s.name,
        title=s.title,
        description=s.description,
        bounds=list(s.bounds),
        start=list(s.start),
        learning_rate=s.learning_rate,
        minima=[list(m) for m in s.minima],
        race_rates=race_rates(name),
    )


@router.get("/catalogue", response_model=Catalogue)
def catalogue() -> Catalogue:
    """The activations, surfaces and optimisers the engine offers, for the widgets' menus."""
    return Catalogue(
        activations=[
            NamedItem(name=a.name, description=a.description) for a in ACTIVATIONS.values()
        ],
        surfaces=[surface_info(name) for name in SURFACES],
        optimizers=[
            OptimizerInfo(name=name, label=OPTIMIZER_LABELS.get(name, name)) for name in OPTIMIZERS
        ],
        plane=list(PLANE),
    )
