"""The perceptron widget: one unit on the plane, and Rosenblatt's rule step by step.

``POST /api/perceptron/evaluate``  z and the output at the learner's point, the decision
                                   line, and the plane shaded where the unit fires
``POST /api/perceptron/learn``     a separable set (or XOR) and the rule applied point by
                                   point: every step's weights, which the page replays
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, Field

from ...engine.datasets import make_dataset
from ...engine.grid import plane_grid
from ...engine.perceptron import Perceptron, PerceptronTrainer
from ..render import boundary_rgba
from ..validation import PLANE, Seed, StrictModel
from .widgets import image_base64, number, rounded

router = APIRouter(prefix="/api/perceptron", tags=["perceptron"])

# the sliders' range, published by /api/options (inputs.perceptron)
Weight = Annotated[float, Field(ge=-3, le=3, allow_inf_nan=False)]
PlaneCoordinate = Annotated[float, Field(ge=PLANE[0], le=PLANE[1], allow_inf_nan=False)]


class PerceptronQuery(StrictModel):
    w1: Weight = 1.0
    w2: Weight = 1.0
    b: Weight = 0.0
    point: tuple[PlaneCoordinate, PlaneCoordinate] = (0.5, 0.3)
    grid: int = Field(64, ge=2, le=160, description="side of the shaded image, in cells")


class PerceptronView(BaseModel):
    z: float = Field(description="eq. 1 at the point")
    output: int = Field(description="eq. 2 at the point: 1 fires, 0 stays silent")
    line: list[list[float]] | None = Field(description="two ends of w·x + b = 0 in the plane")
    image: str = Field(description="grid x grid RGBA bytes, base64, image order")
    grid: int
    bounds: list[float]


def decision_line(w: np.ndarray, b: float, bounds=PLANE) -> list[list[float]] | None:
    """Where the line w·x + b = 0 crosses the plane's frame: its two ends, or None."""
    x_min, x_max, y_min, y_max = bounds
    ends: list[tuple[float, float]] = []
    w1, w2 = float(w[0]), float(w[1])
    if abs(w2) > 1e-12:  # crossings of the left and right edges
        for x in (x_min, x_max):
            y = -(w1 * x + b) / w2
            if y_min <= y <= y_max:
                ends.append((x, y))
    if abs(w1) > 1e-12:  # crossings of the bottom and top edges
        for y in (y_min, y_max):
            x = -(w2 * y + b) / w1
            if x_min <= x <= x_max:
                ends.append((x, y))
    if len(ends) < 2:
        return None
    # a line through a corner is found twice; keep the two ends farthest apart
    first = ends[0]
    last = max(ends, key=lambda p: (p[0] - first[0]) ** 2 + (p[1] - first[1]) ** 2)
    if first == last:
        return None
    return [rounded(first), rounded(last)]


@router.post("/evaluate", response_model=PerceptronView)
def evaluate(query: PerceptronQuery) -> PerceptronView:
    """The unit at the learner's weights: z and ŷ at the point, the line, the shaded plane."""
    unit = Perceptron(w=(query.w1, query.w2), b=query.b)
    point = np.array(query.point)
    fires = unit.output(plane_grid(PLANE, query.grid))  # (grid²,) 0 or 1, image order
    probabilities = np.column_stack([1 - fires, fires]).astype(float)  # class 1 where it fires
    return PerceptronView(
        z=number(unit.z(point)),
        output=int(unit.output(point)),
        line=decision_line(unit.w, unit.b),
        image=image_base64(boundary_rgba(probabilities)),
        grid=query.grid,
        bounds=list(PLANE),
    )


class LearnQuery(StrictModel):
    dataset: Literal["separable", "xor"] = "separable"
    points: int = Field(24, ge=4, le=100)
    seed: Seed = 0
    learning_rate: float = Field(0.2, gt=0, le=10, allow_inf_nan=False)
    steps: int = Field(400, ge=1, le=3000, description="most points to show the rule")
    w1: Weight = 0.0
    w2: Weight = 0.0
    b: Weight = 0.0


class LearnStep(BaseModel):
    index: int  # the point shown to the rule
    prediction: int  # ŷ before the update
    updated: bool  # the point was misclassified and the weights moved
    w1: float
    w2: float
    b: float
    mistakes: int  # so far in this epoch
    epoch: int
    converged: bool


class LearnRun(BaseModel):
    points: list[list[float]]
    labels: list[int]
    steps: list[LearnStep]
    mistakes_per_epoch: list[int]  # every completed epoch
    converged: bool
    message: str


@router.post("/learn", response_model=LearnRun)
def learn(query: LearnQuery) -> LearnRun:
    """Rosenblatt's rule, one point per step, from the learner's weights; stops once settled."""
    name = "gaussian" if query.dataset == "separable" else "xor"
    X, y = make_dataset(name, n=query.points, noise=0.0, seed=query.seed)
    unit = Perceptron(w=(query.w1, query.w2), b=query.b)
    trainer = PerceptronTrainer(X, y, learning_rate=query.learning_rate, perceptron=unit)
    steps: list[LearnStep] = []
    per_epoch: list[int] = []
    for _ in range(query.steps):
        report = trainer.step()
        steps.append(
            LearnStep(
                index=report["index"],
                prediction=report["prediction"],
                updated=report["updated"],
                w1=number(report["w"][0]),
                w2=number(report["w"][1]),
                b=number(report["b"]),
                mistakes=report["mistakes"],
                epoch=report["epoch"],
                converged=report["converged"],
            )
        )
        if trainer.epoch > report["epoch"]:  # that step ended an epoch
            per_epoch.append(report["mistakes"])
        if trainer.converged:
            break
    epochs = len(per_epoch)
    whole = f"{epochs} whole epoch" + ("" if epochs == 1 else "s")
    if trainer.converged:
        message = (
            f"Settled after {whole} ({len(steps)} steps): a whole pass without a "
            "mistake, every point on its own side of the line."
        )
    elif query.dataset == "xor":
        # the run ends after a number of steps, often inside an epoch: count both
        message = (
            f"After {len(steps)} steps ({whole}) it still makes mistakes, and it always "
            "will: no straight line puts the two XOR classes on opposite sides."
        )
    else:
        message = f"Not settled yet after {len(steps)} steps: give it more steps."
    return LearnRun(
        points=rounded(X),
        labels=y.tolist(),
        steps=steps,
        mistakes_per_epoch=per_epoch,
        converged=trainer.converged,
        message=message,
    )
