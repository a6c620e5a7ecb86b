"""The optimiser race: SGD, momentum, RMSProp and Adam from one start on one surface.

``POST /api/race/run`` runs ``surfaces.descend`` once per optimiser (the same optimiser
classes the network trains with) and returns every path in full; the page replays them
step by step, so play, pause, step and reset need no server.
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from ...engine.optimisers import OPTIMIZERS
from ...engine.surfaces import SURFACES, race_rates
from ..validation import Coordinate, StrictModel, SurfaceName
from .descent import DescentRun, Rate, check_start, run_descent
from .widgets import OPTIMIZER_LABELS, rounded

router = APIRouter(prefix="/api/race", tags=["race"])

NEAR = 0.1  # "reached the minimum" means within this distance of a known minimum


class RaceQuery(StrictModel):
    surface: SurfaceName = "rosenbrock"
    start: tuple[Coordinate, Coordinate] | None = None
    steps: int = Field(1000, ge=1, le=3000)
    learning_rates: dict[str, Rate] = Field(
        default_factory=dict, description="per optimiser; the surface's race defaults otherwise"
    )

    @model_validator(mode="after")
    def _check(self) -> RaceQuery:
        check_start(self.surface, self.start)
        unknown = sorted(set(self.learning_rates) - set(OPTIMIZERS))
        if unknown:
            raise ValueError(
                f"learning_rates has no optimiser {unknown[0]!r}: use {', '.join(OPTIMIZERS)}"
            )
        return self


class Runner(DescentRun):
    label: str
    distances: list[float | None] = Field(description="distance to the nearest known minimum")
    reached: int | None = Field(description=f"first step within {NEAR} of a minimum")


class Race(BaseModel):
    surface: str
    start: list[float]
    near: float
    minima: list[list[float]]
    runners: list[Runner]


def distances_to_minima(points: np.ndarray, minima: np.ndarray) -> np.ndarray:
    """(k,) distance from each point (k, 2) to the nearest of the minima (m, 2)."""
    gaps = points[:, None, :] - minima[None, :, :]  # (k, m, 2)
    return np.sqrt((gaps**2).sum(axis=2)).min(axis=1)


@router.post("/run", response_model=Race)
def run(query: RaceQuery) -> Race:
    """Every optimiser from the same start, each at its own learning rate."""
    surface = SURFACES[query.surface]
    start = query.start if query.start is not None else surface.start
    rates = {**race_rates(query.surface), **query.learning_rates}
    minima = np.array(surface.minima)
    runners = []
    for name in OPTIMIZERS:
        run = run_descent(query.surface, start, name, rates[name], query.steps)
        gaps = distances_to_minima(np.array(run.points, dtype=float), minima)
        close = np.flatnonzero(gaps < NEAR)
        runners.append(
            Runner(
                **run.model_dump(),
                label=OPTIMIZER_LABELS.get(name, name),
                distances=rounded(gaps, 4),
                reached=int(close[0]) if len(close) else None,
            )
        )
    return Race(
        surface=query.surface,
        start=list(start),
        near=NEAR,
        minima=rounded(minima),
        runners=runners,
    )
