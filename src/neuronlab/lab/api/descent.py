"""Gradient descent on a 2-D loss surface: the contour map, the 3-D grid and one path.

``POST /api/descent/map``   the surface as a shaded contour image (RGBA, image order)
``POST /api/descent/grid``  f sampled on a grid (xs, ys, z) for the 3-D plot
``POST /api/descent/path``  ``surfaces.descend`` from the learner's start with one optimiser,
                            and where it ended (``outcome.classify_point``): the lowest
                            minimum, a local one, a saddle, flat, still descending, diverged
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from ...engine.grid import plane_grid
from ...engine.optimisers import make_optimizer
from ...engine.outcome import OUTCOMES, Outcome
from ...engine.surfaces import SURFACES, DescentPath, check_on_map, descend, surface_grid
from ..validation import Coordinate, OptimizerName, StrictModel, SurfaceName
from .widgets import image_base64, number, rounded

router = APIRouter(prefix="/api/descent", tags=["descent"])

BANDS = 14  # contour bands between the lowest and highest value on the map
# colour ramp from low (pale cream) through pale blue to high (slate), one RGB row per stop
RAMP = np.array([[252, 250, 238], [206, 224, 232], [150, 172, 200], [92, 110, 150]], float)
Rate = Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)]


class MapQuery(StrictModel):
    surface: SurfaceName = "bowl"
    size: int = Field(160, ge=8, le=200, description="side of the image, in cells")


class SurfaceMap(BaseModel):
    surface: str
    bounds: list[float]
    size: int
    image: str = Field(description="size x size RGBA bytes, base64, image order")
    low: float
    high: float


def contour_rgba(values: np.ndarray, size: int) -> bytes:
    """Shade f by bands of log(1 + f − min) with a darker line where the band changes.

    Surfaces like Rosenbrock span four orders of magnitude: on a linear scale the whole
    valley would be one colour, so the bands are even in log(1 + f − min).
    """
    heights = np.log1p(values - values.min()).reshape(size, size)  # (size, size)
    top = heights.max() or 1.0
    band = np.minimum((heights / top * BANDS).astype(int), BANDS - 1)
    position = (band + 0.5) / BANDS * (len(RAMP) - 1)  # where each band sits on the ramp
    low = np.minimum(position.astype(int), len(RAMP) - 2)
    frac = (position - low)[..., None]
    rgb = RAMP[low] * (1 - frac) + RAMP[low + 1] * frac  # (size, size, 3)
    # a contour line on the higher side of every band change, so valley floors stay pale
    edge = np.zeros_like(band, dtype=bool)
    edge[:, :-1] |= band[:, :-1] > band[:, 1:]
    edge[:, 1:] |= band[:, 1:] > band[:, :-1]
    edge[:-1, :] |= band[:-1, :] > band[1:, :]
    edge[1:, :] |= band[1:, :] > band[:-1, :]
    rgb[edge] *= 0.86
    rgba = np.empty((size, size, 4), np.uint8)
    rgba[..., :3] = np.clip(np.rint(rgb), 0, 255)
    rgba[..., 3] = 255
    return rgba.tobytes()


@lru_cache(maxsize=32)
def _map(surface: str, size: int) -> SurfaceMap:
    s = SURFACES[surface]
    X = plane_grid(s.bounds, size)  # (size², 2) cell centres, image order
    values = s.f(X[:, 0], X[:, 1])
    return SurfaceMap(
        surface=surface,
        bounds=list(s.bounds),
        size=size,
        image=image_base64(contour_rgba(values, size)),
        low=number(values.min()),
        high=number(values.max()),
    )


@router.post("/map", response_model=SurfaceMap)
def surface_map(query: MapQuery) -> SurfaceMap:
    """The surface as a contour-shaded image over its plotting bounds."""
    return _map(query.surface, query.size)


class GridQuery(StrictModel):
    surface: SurfaceName = "bowl"
    resolution: int = Field(60, ge=2, le=150)


class SurfaceGrid(BaseModel):
    surface: str
    xs: list[float]
    ys: list[float]
    z: list[list[float]] = Field(description="z[i][j] = f(xs[j], ys[i])")
    minima: list[list[float]] = Field(description="(x, y, f) of each known minimum")


@lru_cache(maxsize=32)
def _grid(surface: str, resolution: int) -> SurfaceGrid:
    xs, ys, Z = surface_grid(surface, resolution)
    s = SURFACES[surface]
    return SurfaceGrid(
        surface=surface,
        xs=rounded(xs),
        ys=rounded(ys),
        z=rounded(Z, 5),
        minima=[rounded([x, y, float(s.f(x, y))]) for x, y in s.minima],
    )


@router.post("/grid", response_model=SurfaceGrid)
def grid(query: GridQuery) -> SurfaceGrid:
    """f sampled on a regular grid (``surfaces.surface_grid``), for plotly's surface."""
    return _grid(query.surface, query.resolution)


def check_start(surface: str, start: tuple[float, float] | None) -> None:
    """A start must lie on the map the learner sees (``surfaces.check_on_map``)."""
    if start is not None:
        check_on_map(surface, start)


class PathQuery(StrictModel):
    surface: SurfaceName = "bowl"
    start: tuple[Coordinate, Coordinate] | None = None
    optimizer: OptimizerName = "sgd"
    learning_rate: Rate | None = None
    steps: int = Field(300, ge=1, le=5000)

    @model_validator(mode="after")
    def _start_on_map(self) -> PathQuery:
        check_start(self.surface, self.start)
        return self


class Ending(BaseModel):
    """Where a walk ended, as ``engine/outcome.py`` reads it."""

    kind: str = Field(description=f"one of: {', '.join(OUTCOMES)}")
    sentence: str = Field(description="the same as the run's message: one English sentence")
    point: list[float | None]
    loss: float | None
    gradient_norm: float | None = Field(description="|∇f| at the end (none if diverged)")
    eigenvalues: list[float] | None = Field(description="the Hessian's, ascending")
    direction: list[float] | None = Field(description="a saddle's way down: a unit vector")
    lowest_minima: list[list[float]] = Field(description="the lowest known minima (x, y)")
    lowest_loss: float | None


class DescentRun(BaseModel):
    surface: str
    optimizer: str
    learning_rate: float
    points: list[list[float]] = Field(description="(steps + 1, 2): start, then every step")
    losses: list[float | None]
    steps: int
    converged: bool = Field(description="ended at a lowest known minimum (outcome.kind)")
    stalled: bool = Field(description="stopped early because the gradient vanished")
    diverged: bool
    message: str = Field(description="how the walk ended, one sentence (outcome.sentence)")
    outcome: Ending


def ending(outcome: Outcome) -> Ending:
    """An engine Outcome made ready for JSON."""
    return Ending(
        kind=outcome.kind,
        sentence=capitalised(outcome.sentence),
        point=rounded(outcome.point),
        loss=number(outcome.value),
        gradient_norm=number(outcome.gradient_norm),
        eigenvalues=rounded(outcome.eigenvalues) if outcome.eigenvalues else None,
        direction=rounded(outcome.direction) if outcome.direction else None,
        lowest_minima=[rounded(m) for m in outcome.lowest_minima],
        lowest_loss=number(outcome.lowest_value) if outcome.lowest_value is not None else None,
    )


def capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def walk(surface: str, start, optimizer: str, rate: float, steps: int) -> DescentPath:
    """One ``descend`` call with a fresh optimiser at ``rate``."""
    optimiser = make_optimizer(optimizer, learning_rate=rate)
    return descend(surface, start, optimiser, steps=steps, tol=1e-6)


def descent_run(surface: str, optimizer: str, rate: float, path: DescentPath) -> DescentRun:
    """A walk made ready for JSON."""
    return DescentRun(
        surface=surface,
        optimizer=optimizer,
        learning_rate=rate,
        points=rounded(path.points),
        losses=rounded(path.losses),
        steps=path.steps,
        converged=path.outcome.kind == "converged",
        stalled=path.converged,
        diverged=path.diverged,
        message=capitalised(path.message),
        outcome=ending(path.outcome),
    )


def run_descent(surface: str, start, optimizer: str, rate: float, steps: int) -> DescentRun:
    """One ``descend`` call, made ready for JSON."""
    return descent_run(surface, optimizer, rate, walk(surface, start, optimizer, rate, steps))


@router.post("/path", response_model=DescentRun)
def path(query: PathQuery) -> DescentRun:
    """Descend the surface from the start with the chosen optimiser and rate."""
    rate = query.learning_rate or SURFACES[query.surface].learning_rate
    return run_descent(query.surface, query.start, query.optimizer, rate, query.steps)
