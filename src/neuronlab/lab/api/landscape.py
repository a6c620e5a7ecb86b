"""Your own network's loss landscape, and the four optimisers raced on it.

``POST /api/landscape/plane`` takes a model saved by the trainer (the bytes of its "Download
model (.npz)", which records the trainer's settings), rebuilds that training set, and answers
with the loss on a plane through the network's weights along two filter-normalised random
directions (``engine/landscape.py``, Li et al. 2018), shaded as the descent widget shades its
surfaces, and the walks of SGD, momentum, RMSProp and Adam across that slice from one corner
(the same optimiser classes the network trains with, through ``surfaces.descend``).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field, ValidationError

from ...engine.landscape import as_surface, filter_normalised_direction, loss_plane
from ...engine.optimisers import make_optimizer
from ...engine.surfaces import descend
from ..validation import LIMITS
from .descent import contour_rgba
from .widgets import image_base64, number, rounded

router = APIRouter(prefix="/api/landscape", tags=["landscape"])

# Step sizes on the slice. RMSProp and Adam take steps of about η whatever the slope, so a
# share of the span suits them. SGD and momentum take steps of η |g|, and a trained network's
# slice can be steep or flat, so their η is set from the slope at the start: the first step
# moves a tenth of the span (momentum a fiftieth, since it builds up to about ten times that).
ADAPTIVE = {"rmsprop": 0.05, "adam": 0.1}  # × span
FIRST_STEP = {"sgd": 0.1, "momentum": 0.02}  # × span / |g(start)|
RACE_STEPS = 60


class RacePath(BaseModel):
    optimizer: str
    learning_rate: float
    points: list[list[float]]
    losses: list[float]
    message: str


class Landscape(BaseModel):
    bounds: list[float] = Field(description="α from, α to, β from, β to")
    size: int
    image: str = Field(description="size x size RGBA bytes, base64, image order (β falls)")
    low: float = Field(description="the lowest loss on the slice")
    high: float
    centre_loss: float = Field(description="the loss at (0, 0): the network itself")
    epoch: int
    training_points: int
    paths: list[RacePath]


@router.post("/plane", response_model=Landscape)
async def plane(
    request: Request,
    span: Annotated[float, Query(gt=0, le=3)] = 1.0,
    resolution: Annotated[int, Query(ge=11, le=61)] = 41,
    seed: Annotated[int, Query(ge=0, le=LIMITS["seed"])] = 0,
) -> Landscape:
    """The slice through the model in the body, and the race across it."""
    import asyncio

    body = await request.body()
    if not body:
        raise HTTPException(422, "Send the trainer's model file (.npz) as the request body.")
    return await asyncio.to_thread(_landscape, body, span, resolution, seed)


def _landscape(body: bytes, span: float, resolution: int, seed: int) -> Landscape:
    from ...engine.serialise import load_bytes
    from ..trainer.protocol import TrainerConfig
    from ..trainer.setup import make_data, network_inputs

    try:
        network, metadata = load_bytes(body, "the model")
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    try:
        config = TrainerConfig(**metadata["config"])
    except (KeyError, TypeError, ValidationError):
        raise HTTPException(
            422,
            "This model does not record the trainer's settings, so its training data is "
            "unknown: download the model from the trainer on this page.",
        ) from None
    epoch = metadata.get("epoch", 0)
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise HTTPException(422, "This model's epoch count is not a whole number of epochs.")
    (X, y, _, _), _ = make_data(config)
    X = network_inputs(config, X)  # the inputs it was trained on: x1, x2 and its features
    if (
        network.output != "softmax"
        or network.layer_sizes[0] != X.shape[1]
        or network.layer_sizes[-1] != config.n_classes()
    ):
        raise HTTPException(422, "This model does not fit the data its settings describe.")
    Y = np.eye(network.layer_sizes[-1])[y]
    rng = np.random.default_rng(seed)
    directions = (
        filter_normalised_direction(network, rng),
        filter_normalised_direction(network, rng),
    )
    axis, losses = loss_plane(network, X, Y, directions, span=span, resolution=resolution)
    if not np.isfinite(losses).any():
        raise HTTPException(
            422, "Every loss on this model's slice overflows: its weights are far too large."
        )
    image_order = losses[::-1]  # row 0 at the top: the largest β
    finite = np.where(np.isfinite(image_order), image_order, np.nanmax(losses[np.isfinite(losses)]))
    row, column = np.unravel_index(
        np.argmin(np.where(np.isfinite(losses), losses, np.inf)), losses.shape
    )
    lowest = (float(axis[column]), float(axis[row]))  # (α, β) of the lowest grid point
    surface = as_surface(network, X, Y, directions, span=span, lowest=lowest)
    slope = float(np.linalg.norm(surface.grad(np.array(surface.start))))
    rates = {name: share * span / max(slope, 1e-12) for name, share in FIRST_STEP.items()}
    rates.update({name: share * span for name, share in ADAPTIVE.items()})
    paths = []
    for name in ("sgd", "momentum", "rmsprop", "adam"):
        rate = float(f"{rates[name]:.3g}")
        path = descend(surface, optimizer=make_optimizer(name, rate), steps=RACE_STEPS)
        paths.append(
            RacePath(
                optimizer=name,
                learning_rate=rate,
                points=[rounded(p, 5) for p in path.points],
                losses=rounded(path.losses, 6),
                message=path.message,
            )
        )
    return Landscape(
        bounds=[-span, span, -span, span],
        size=resolution,
        image=image_base64(contour_rgba(finite.ravel(), resolution)),
        low=number(finite.min()),
        high=number(finite.max()),
        centre_loss=number(losses[resolution // 2, resolution // 2]),
        epoch=epoch,
        training_points=int(X.shape[0]),
        paths=paths,
    )
