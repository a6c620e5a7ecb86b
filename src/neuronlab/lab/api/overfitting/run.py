"""One overfitting run: its trainer, its pace and what the page changed since the last epoch.

``Run`` builds the run ``pictures.py`` computes in one go (the same points, network, Adam
and full-batch epochs), keeps its beat (``speed`` epochs a second, counted from the last
change of speed), and applies the page's changes between two epochs. ``advance`` trains a
batch of epochs in a worker thread. Everything that touches the network holds the run's
``engine`` lock; the socket that drives the run, and the messages it sends, are ``live``'s.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from dataclasses import dataclass, field

from ....engine.grid import plane_bounds
from ....engine.training import EpochReport
from .commands import LiveConfig
from .pictures import make_trainer, point_set, split


def advance(run: Run, epochs: int) -> list[EpochReport]:
    """Up to ``epochs`` epochs, fewer if the run stops (runs in a worker thread)."""
    with run.engine:
        return list(run.trainer.train(epochs))


@dataclass
class Run:
    """A run's trainer and what the page has asked to change since the last epoch."""

    number: int
    config: LiveConfig
    pending: dict = field(default_factory=dict)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # held by whatever touches the network: the engine thread, the pictures, the end
    engine: threading.Lock = field(default_factory=threading.Lock)
    ended: bool = False  # set by the page's stop; the run checks it too, not only the cancel

    def build(self):
        with self.engine:
            self._build()

    def _build(self):
        query = self.config
        X, X_train, y_train, X_val, y_val = split(query)
        self.bounds = plane_bounds(X)
        self.points = (point_set(X_train, y_train), point_set(X_val, y_val))
        self.trainer = make_trainer(query, X_train, y_train, X_val, y_val)
        self.network = self.trainer.network
        self.early_stopping = query.early_stopping
        self.patience = query.patience
        self.speed = query.speed
        self.beat = (time.monotonic(), 0)  # the pace counts from (this moment, this epoch)

    def due(self) -> int:
        """Epochs the pace asks for now, beyond those trained."""
        since, epoch = self.beat
        wanted = epoch + math.floor((time.monotonic() - since) * self.speed) + 1
        return min(self.config.epochs, wanted) - self.trainer.epoch

    def wait(self) -> float:
        """Seconds until the next epoch is due."""
        since, epoch = self.beat
        return since + (self.trainer.epoch + 1 - epoch) / self.speed - time.monotonic()

    def apply_changes(self) -> tuple[dict | None, str | None]:
        """Apply what the page changed; returns the acknowledgement, and a message when
        early stopping, switched on now, ends the run at once."""
        if not self.pending:
            return None, None
        changes, self.pending = self.pending, {}
        trainer = self.trainer
        if "l2" in changes:
            trainer.l2 = changes["l2"]
        self.early_stopping = changes.get("early_stopping", self.early_stopping)
        self.patience = changes.get("patience", self.patience)
        trainer.patience = self.patience if self.early_stopping else None
        if "speed" in changes:
            self.speed = changes["speed"]
            self.beat = (time.monotonic(), trainer.epoch)
        ack = {
            "type": "set",
            "run": self.number,
            "l2": trainer.l2,
            "early_stopping": self.early_stopping,
            "patience": self.patience,
            "speed": self.speed,
            "changed": sorted(changes),
            "from_epoch": trainer.epoch + 1,
        }
        stop = None
        best = trainer.best_epoch
        if self.early_stopping and best is not None and trainer.epoch - best >= self.patience:
            # the engine counts epochs since the best whether or not it may stop; it has
            # already waited long enough, so the run ends here (the engine would one epoch on)
            trainer.restore_best()
            trainer.finished = True
            stop = (
                f"Stopped early at epoch {trainer.epoch}, as early stopping came on: no better "
                f"validation loss for {trainer.epoch - best} epochs; restored the weights of "
                f"epoch {best}."
            )
        return ack, stop
