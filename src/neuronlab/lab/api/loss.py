"""The loss widget: cross-entropy and mean squared error of one two-class prediction.

The learner sets the margin m by which the network's logit for the true class (class 1)
beats the other: logits (0, m). The engine turns them into probabilities (softmax, eq. 7),
cross-entropy (eq. 8), MSE on the probabilities (eq. 6) and the error signal δ = p − y
that backpropagation starts from (BP1′).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field

from ...engine.losses import cross_entropy, cross_entropy_delta, mse, softmax
from ..validation import StrictModel
from .widgets import number, rounded

router = APIRouter(prefix="/api/loss", tags=["loss"])

MARGIN_RANGE = 8.0
CURVE_POINTS = 161
TARGET = np.array([[0.0, 1.0]])  # the true class is class 1 (one-hot)


class LossQuery(StrictModel):
    margin: Annotated[float, Field(ge=-MARGIN_RANGE, le=MARGIN_RANGE, allow_inf_nan=False)] = 1.0


class LossCurve(BaseModel):
    probability: list[float]
    cross_entropy: list[float]
    mse: list[float]


class LossView(BaseModel):
    margin: float
    logits: list[float]
    probabilities: list[float]
    cross_entropy: float
    mse: float
    delta: list[float] = Field(description="BP1′: ∂C/∂z = p − y")
    curve: LossCurve


def _losses(margin: float) -> tuple[np.ndarray, np.ndarray, float, float, np.ndarray]:
    Z = np.array([[0.0, margin]])  # (1, 2) logits
    P = softmax(Z)
    return Z, P, cross_entropy(Z, TARGET), mse(P, TARGET), cross_entropy_delta(P, TARGET)


@lru_cache(maxsize=1)
def _curve() -> LossCurve:
    rows = [_losses(m) for m in np.linspace(-MARGIN_RANGE, MARGIN_RANGE, CURVE_POINTS)]
    return LossCurve(
        probability=rounded([P[0, 1] for _, P, *_ in rows]),
        cross_entropy=rounded([ce for _, _, ce, _, _ in rows]),
        mse=rounded([m for _, _, _, m, _ in rows]),
    )


@router.post("/evaluate", response_model=LossView)
def evaluate(query: LossQuery) -> LossView:
    """Both losses for logits (0, margin) against the true class 1."""
    Z, P, ce, squared, delta = _losses(query.margin)
    return LossView(
        margin=query.margin,
        logits=rounded(Z[0]),
        probabilities=rounded(P[0]),
        cross_entropy=number(ce),
        mse=number(squared),
        delta=rounded(delta[0]),
        curve=_curve(),
    )
