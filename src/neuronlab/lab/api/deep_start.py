"""Why deep networks are hard to start: a deep, narrow network at its initialisation.

``POST /api/deep-start/inspect`` builds the network (depth hidden layers of 8 units) with
the chosen activation and initialisation and answers with each layer's statistics from one
forward and backward pass on the moons data (``engine/deep_start.py``). ``POST
/api/deep-start/train`` trains it for a number of epochs with momentum SGD and answers with
the loss curve, the accuracy, and the statistics after training.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field

from ...engine.datasets import make_dataset
from ...engine.deep_start import SCHEMES, initialise, layer_statistics, train_from_start
from ...engine.network import Network
from ..validation import ActivationName, Seed, StrictModel

router = APIRouter(prefix="/api/deep-start", tags=["deep-start"])

WIDTH = 8  # units per hidden layer: deep and narrow
POINTS = 200
Scheme = Literal[SCHEMES]  # type: ignore[valid-type]


class StartQuery(StrictModel):
    depth: Annotated[int, Field(ge=1, le=20)] = 10
    activation: ActivationName = "sigmoid"
    init: Scheme = "xavier"
    seed: Seed = 1


class TrainQuery(StartQuery):
    epochs: Annotated[int, Field(ge=1, le=300)] = 200
    learning_rate: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.05


class LayerStats(BaseModel):
    layer: int
    # None (null) where the numbers overflowed: a start whose loss diverged
    activation_std: float | None
    gradient_rms: float | None
    dead_units: int
    identical: bool


class StartView(BaseModel):
    layer_sizes: list[int]
    layers: list[LayerStats]
    dead_units: int = Field(description="dead hidden units in all layers")
    loss: float = Field(description="the training loss at the start")


class TrainView(BaseModel):
    losses: list[float] = Field(description="the training loss after each epoch, while finite")
    diverged: bool = Field(description="the loss overflowed, and training stopped there")
    accuracy: float
    layers: list[LayerStats] = Field(description="the statistics after training")
    learned: bool = Field(description="whether the training accuracy passed 90%")


@lru_cache(maxsize=1)
def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y = make_dataset("moons", n=POINTS, noise=0.1, seed=0)
    return X, y, np.eye(2)[y]


def _network(query: StartQuery) -> Network:
    sizes = [2] + [WIDTH] * query.depth + [2]
    net = Network(sizes, activation=query.activation, output="softmax", seed=0)
    initialise(net, query.init, seed=query.seed)
    return net


@router.post("/inspect", response_model=StartView)
def inspect(query: StartQuery) -> StartView:
    """Each layer's gradient size, activation spread, dead and identical units at the start."""
    net = _network(query)
    X, _, Y = _data()
    with np.errstate(over="ignore", invalid="ignore"):
        stats = layer_statistics(net, X, Y)
        loss = net.loss(X, Y)
    return StartView(
        layer_sizes=net.layer_sizes,
        layers=[LayerStats(**s) for s in stats],
        dead_units=sum(s["dead_units"] for s in stats),
        loss=loss,
    )


@router.post("/train", response_model=TrainView)
def train(query: TrainQuery) -> TrainView:
    """Train from that start and say whether it learned."""
    net = _network(query)
    X, y, _ = _data()
    losses, accuracy, stats = train_from_start(
        net, X, y, epochs=query.epochs, learning_rate=query.learning_rate, seed=query.seed
    )
    finite = [loss for loss in losses if np.isfinite(loss)]
    return TrainView(
        losses=finite,
        diverged=len(finite) < len(losses),
        accuracy=accuracy,
        layers=[LayerStats(**s) for s in stats],
        learned=accuracy > 0.9,
    )
