"""The activation-function widget: f(z) and f′(z) at the learner's z, and both curves.

``POST /api/activations/evaluate`` answers every slider move, so it stays cheap: two scalar
evaluations plus the curves, which are computed once per activation and cached.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field

from ...engine.activations import get_activation
from ..validation import ActivationName, StrictModel
from .widgets import number, rounded

router = APIRouter(prefix="/api/activations", tags=["activations"])

Z_RANGE = 6.0  # the curves run over −6 ≤ z ≤ 6
CURVE_POINTS = 241  # a step of 0.05 in z


class ActivationQuery(StrictModel):
    activation: ActivationName = "sigmoid"
    z: Annotated[float, Field(ge=-Z_RANGE, le=Z_RANGE, allow_inf_nan=False)] = 0.0


class Curve(BaseModel):
    z: list[float]
    f: list[float]
    df: list[float]


class ActivationView(BaseModel):
    activation: str
    description: str
    z: float
    value: float = Field(description="f(z)")
    derivative: float = Field(description="f′(z)")
    curve: Curve
    source: list[str] = Field(description="names for GET /api/source of f and f′")


def _evaluate(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    act = get_activation(name)
    a = act.f(z)
    return a, act.df(z, a)


@lru_cache(maxsize=16)
def _curve(name: str) -> Curve:
    z = np.linspace(-Z_RANGE, Z_RANGE, CURVE_POINTS)
    a, slope = _evaluate(name, z)
    return Curve(z=rounded(z), f=rounded(a), df=rounded(slope))


@router.post("/evaluate", response_model=ActivationView)
def evaluate(query: ActivationQuery) -> ActivationView:
    """f(z) and f′(z) at one z, from the engine's own activation pair."""
    act = get_activation(query.activation)
    a, slope = _evaluate(query.activation, np.array([query.z]))
    return ActivationView(
        activation=query.activation,
        description=act.description,
        z=query.z,
        value=number(a[0]),
        derivative=number(slope[0]),
        curve=_curve(query.activation),
        source=[f"activations.{act.f.__name__}", f"activations.{act.df.__name__}"],
    )
