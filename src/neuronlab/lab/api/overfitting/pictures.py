"""The overfitting lab's stateless routes: a whole run at once, and the three pictures.

``POST /api/overfitting/run``      train a 2-16-16-2 network for up to a few hundred epochs
                                   and return the whole history at once (for scripts; the
                                   page trains live on ``/ws/overfitting``, ``live.py``):
                                   both loss curves, the best epoch, decision-boundary
                                   snapshots, and where early stopping stopped and restored
``POST /api/overfitting/classic``  three networks on the same points: too small, about
                                   right, too large, each with its boundary and losses

Training is stateless: 300 epochs of a 16-16 network on 30 points take a few tens of
milliseconds, so the same request always gives the same, complete answer.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ....engine.datasets import make_dataset, train_val_test_split
from ....engine.grid import plane_bounds, plane_grid
from ....engine.network import Network
from ....engine.optimisers import make_optimizer
from ....engine.training import Trainer
from ...render import boundary_rgba
from ...validation import Seed, StrictModel
from ..widgets import image_base64, number, rounded

router = APIRouter(prefix="/api/overfitting", tags=["overfitting"])

HIDDEN = (16, 16)  # over-sized for thirty points: it can memorise every one
LEARNING_RATE = 0.003  # Adam
VALIDATION = 0.5  # half the points are held out, so the validation curve is not too noisy

Dataset = Literal["moons", "circles", "xor"]
Noise = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class DataQuery(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True)  # hashable: results are cached

    dataset: Dataset = "moons"
    noise: Noise = 0.3
    points: int = Field(60, ge=10, le=60)
    seed: Seed = 3


class OverfitQuery(DataQuery):
    l2: float = Field(0.0, ge=0, le=1, allow_inf_nan=False)
    epochs: int = Field(300, ge=10, le=500)
    early_stopping: bool = False
    patience: int = Field(30, ge=1, le=200)
    grid: int = Field(32, ge=8, le=64)
    snapshots: int = Field(30, ge=1, le=60)


class PointSet(BaseModel):
    points: list[list[float]]
    labels: list[int]


class Snapshot(BaseModel):
    epoch: int
    image: str = Field(description="grid x grid RGBA bytes, base64, image order")


class OverfitRun(BaseModel):
    layer_sizes: list[int]
    bounds: list[float]
    grid: int
    train: PointSet
    validation: PointSet
    epochs: list[int]
    train_loss: list[float | None]
    val_loss: list[float | None]
    train_accuracy: list[float | None]
    val_accuracy: list[float | None]
    best_epoch: int | None
    stopped_epoch: int | None = Field(description="when early stopping ended training")
    shown_epoch: int = Field(description="the epoch whose weights the final image shows")
    snapshots: list[Snapshot]
    final: Snapshot
    message: str


def split(query: DataQuery):
    """The points of the lab, half for training and half held out for validation."""
    X, y = make_dataset(query.dataset, n=query.points, noise=query.noise, seed=query.seed)
    X_train, y_train, X_val, y_val, _, _ = train_val_test_split(
        X, y, val=VALIDATION, seed=query.seed
    )
    return X, X_train, y_train, X_val, y_val


def boundary(net: Network, bounds, grid: int) -> str:
    return image_base64(boundary_rgba(net.predict_proba(plane_grid(bounds, grid))))


def point_set(X: np.ndarray, y: np.ndarray) -> PointSet:
    return PointSet(points=rounded(X, 4), labels=y.tolist())


def make_trainer(query, X_train, y_train, X_val, y_val) -> Trainer:
    """The lab's network (2-16-16-2, ReLU) and its full-batch Adam Trainer for a query's
    seed, L2 and early stopping: the same for a finished run and a live one."""
    network = Network([2, *HIDDEN, 2], activation="relu", seed=query.seed)
    return Trainer(
        network,
        make_optimizer("adam", learning_rate=LEARNING_RATE),
        X_train,
        y_train,
        X_val,
        y_val,
        batch_size=len(X_train),
        l2=query.l2,
        patience=query.patience if query.early_stopping else None,
        seed=query.seed,
    )


@lru_cache(maxsize=64)
def _run(query: OverfitQuery) -> OverfitRun:
    X, X_train, y_train, X_val, y_val = split(query)
    bounds = plane_bounds(X)
    trainer = make_trainer(query, X_train, y_train, X_val, y_val)
    net = trainer.network
    every = math.ceil(query.epochs / query.snapshots)
    snapshots, stopped = [], None
    for report in trainer.train(query.epochs):
        if report.epoch % every == 0 or report.stopped_early:
            snapshots.append(Snapshot(epoch=report.epoch, image=boundary(net, bounds, query.grid)))
        if report.stopped_early:
            stopped = report.epoch
    history = trainer.history
    last = history[-1]
    shown = trainer.best_epoch if stopped else last.epoch
    if stopped:
        message = last.message[0].upper() + last.message[1:] + "."
    elif last.diverged:
        message = last.message
    else:
        best = history[trainer.best_epoch - 1]
        message = (
            f"Trained {last.epoch} epochs. Validation loss was lowest at epoch "
            f"{trainer.best_epoch} ({best.val_loss:.3f}) and ended at {last.val_loss:.3f}."
        )
    return OverfitRun(
        layer_sizes=net.layer_sizes,
        bounds=list(bounds),
        grid=query.grid,
        train=point_set(X_train, y_train),
        validation=point_set(X_val, y_val),
        epochs=[r.epoch for r in history],
        train_loss=rounded([r.train_loss for r in history], 5),
        val_loss=rounded([r.val_loss for r in history], 5),
        train_accuracy=rounded([r.train_accuracy for r in history], 4),
        val_accuracy=rounded([r.val_accuracy for r in history], 4),
        best_epoch=trainer.best_epoch,
        stopped_epoch=stopped,
        shown_epoch=shown,
        snapshots=snapshots,
        final=Snapshot(epoch=shown, image=boundary(net, bounds, query.grid)),
        message=message,
    )


@router.post("/run", response_model=OverfitRun)
def run(query: OverfitQuery) -> OverfitRun:
    """Train the over-sized network and return its whole history."""
    return _run(query)


# --- the three classic pictures ------------------------------------------------------------
# (title, hidden layer sizes, epochs, Adam rate, patience, what the learner should see);
# tanh units, whose smooth curves show memorising more plainly than ReLU's straight pieces
CLASSIC = (
    (
        "Too small: underfit",
        (),
        400,
        0.03,
        None,
        "No hidden layer: the boundary can only be a straight line, and no line separates a "
        "disc from the ring around it. Both losses stay high.",
    ),
    (
        "About right",
        (8,),
        1500,
        0.01,
        50,
        "Eight hidden units, stopped early at the best validation loss: a smooth closed curve "
        "around the disc that ignores single stray points.",
    ),
    (
        "Too large: overfit",
        (64, 64),
        3000,
        0.02,
        None,
        "Two layers of 64 trained for 3000 epochs: every training point lands on its side, "
        "but the boundary runs out in a band to the corners, where no training point asked "
        "for it. Training loss near zero, validation loss high.",
    ),
)
CLASSIC_ACTIVATION = "tanh"


class ClassicModel(BaseModel):
    title: str
    description: str
    layer_sizes: list[int]
    epochs: int
    train_loss: float | None
    val_loss: float | None
    train_accuracy: float | None
    val_accuracy: float | None
    image: str


class ClassicPictures(BaseModel):
    bounds: list[float]
    grid: int
    train: PointSet
    validation: PointSet
    models: list[ClassicModel]


class ClassicQuery(DataQuery):
    # a ring around a disc, noisy enough that a big network has single points to chase
    dataset: Dataset = "circles"
    noise: Noise = 0.45
    seed: Seed = 3
    grid: int = Field(48, ge=8, le=64)


@lru_cache(maxsize=16)
def _classic(query: ClassicQuery) -> ClassicPictures:
    X, X_train, y_train, X_val, y_val = split(query)
    bounds = plane_bounds(X)
    models = []
    for title, hidden, epochs, rate, patience, description in CLASSIC:
        net = Network([2, *hidden, 2], activation=CLASSIC_ACTIVATION, seed=query.seed)
        trainer = Trainer(
            net,
            make_optimizer("adam", learning_rate=rate),
            X_train,
            y_train,
            X_val,
            y_val,
            batch_size=len(X_train),
            patience=patience,
            seed=query.seed,
        )
        for _ in trainer.train(epochs):
            pass
        # the weights now in the network: the last epoch's, or the best if stopped early
        shown = trainer.history[trainer.best_epoch - 1] if patience else trainer.history[-1]
        models.append(
            ClassicModel(
                title=title,
                description=description,
                layer_sizes=net.layer_sizes,
                epochs=trainer.epoch,
                train_loss=number(shown.train_loss, 4),
                val_loss=number(shown.val_loss, 4),
                train_accuracy=number(shown.train_accuracy, 4),
                val_accuracy=number(shown.val_accuracy, 4),
                image=boundary(net, bounds, query.grid),
            )
        )
    return ClassicPictures(
        bounds=list(bounds),
        grid=query.grid,
        train=point_set(X_train, y_train),
        validation=point_set(X_val, y_val),
        models=models,
    )


@router.post("/classic", response_model=ClassicPictures)
def classic(query: ClassicQuery) -> ClassicPictures:
    """Underfit, about right and overfit, trained on the same points."""
    return _classic(query)
