"""The optimiser race: SGD, momentum, RMSProp and Adam from one start on one surface.

``POST /api/race/run`` runs ``surfaces.descend`` once per optimiser (the same optimiser
classes the network trains with) and returns every path in full; the page replays them
step by step, so play, pause, step and reset need no server. Who reached the minimum, from
which step, and the words for it come from ``outcome.read_race``, as in ``neuronlab race``:
the headline and the rows cannot disagree.
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from ...engine.optimisers import OPTIMIZERS
from ...engine.outcome import NEAR, distances_to_lowest, read_race
from ...engine.surfaces import SURFACES, race_rates
from ...palette import OPTIMIZER_LABELS
from ..validation import Coordinate, StrictModel, SurfaceName
from .descent import DescentRun, Rate, check_start, descent_run, walk
from .widgets import rounded

router = APIRouter(prefix="/api/race", tags=["race"])


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
    distances: list[float | None] = Field(description="distance to the nearest lowest minimum")
    reached: int | None = Field(
        description=f"first step from which the walk stays within {NEAR} of a lowest minimum"
    )
    summary: str = Field(description="a few words for the runner's row when the race is over")


class Race(BaseModel):
    surface: str
    start: list[float]
    near: float
    minima: list[list[float]]
    runners: list[Runner]
    headline: str = Field(description="who reached the minimum first, in one sentence")


@router.post("/run", response_model=Race)
def run(query: RaceQuery) -> Race:
    """Every optimiser from the same start, each at its own learning rate."""
    surface = SURFACES[query.surface]
    start = query.start if query.start is not None else surface.start
    rates = {**race_rates(query.surface), **query.learning_rates}
    paths = {
        name: walk(query.surface, start, name, rates[name], query.steps) for name in OPTIMIZERS
    }
    labels = {name: OPTIMIZER_LABELS.get(name, name) for name in OPTIMIZERS}
    reading = read_race(surface, {labels[name]: path for name, path in paths.items()}, NEAR)
    runners = [
        Runner(
            **descent_run(query.surface, name, rates[name], path).model_dump(),
            label=labels[name],
            distances=rounded(distances_to_lowest(path.points, surface), 4),
            reached=reading.reached[labels[name]],
            summary=reading.summaries[labels[name]],
        )
        for name, path in paths.items()
    ]
    return Race(
        surface=query.surface,
        start=list(start),
        near=NEAR,
        minima=rounded(np.array(surface.minima)),
        runners=runners,
        headline=reading.headline,
    )
