"""Live training sessions, driven by commands, read as frames.

A session owns the data, a Network, its optimiser and a Trainer (built from the learner's
config by ``setup``). The process's ``Scheduler`` gives it rounds of work: while training
is on, an epoch each time one is due by its pace; commands between two epochs (so a
learning-rate change or an added point takes effect at the next epoch, without a restart);
and a frame only when the connection asks for one. So frames always show the newest
weights, and a slow client gets fewer of them, never a queue. What a frame holds, and the
binary layout, is ``view``'s.

The session knows nothing of WebSockets: it reports through two callbacks, ``on_message``
(a JSON-ready dict, never dropped) and ``on_frame`` (a new frame is ready; fetch it with
``take_frame``), both called from a scheduler thread. ``registry`` opens sessions, at most
``settings.max_sessions`` at once.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronlab.engine.features import input_labels
from neuronlab.engine.network import Network
from neuronlab.engine.training import EpochReport, Trainer

from ..settings import Settings
from ..validation import PLANE
from . import protocol as p
from .scheduler import Scheduler
from .setup import (
    Refused,
    apply_live,
    build_trainer,
    check_point,
    config_for_model,
    make_data,
    network_inputs,
    value_scale,
)
from .view import (
    SessionView,
    config_message,
    data_message,
    divergence_advice,
    download_metadata,
    error_message,
    points_message,
    status_message,
)

log = logging.getLogger("neuronlab.lab")


@dataclass
class _Snapshot:
    """Internal command: copy the network for a download, between two epochs."""

    future: Future


@dataclass
class _LoadModel:
    """Internal command: train a loaded network (an upload) from here on."""

    network: Network
    name: str
    future: Future
    features: list[str] | None = None  # the input features its file names, if it does


def _ignore(*args: Any) -> None:
    """A closed session's callbacks: nobody is listening any more."""


class TrainingSession:
    """One learner's live training, worked on by the process's scheduler threads."""

    def __init__(
        self,
        session_id: str,
        settings: Settings,
        on_message: Callable[[dict], None],
        on_frame: Callable[[], None],
        scheduler: Scheduler | None = None,
    ) -> None:
        self.id = session_id
        self.settings = settings
        self._on_message = on_message
        self._on_frame = on_frame
        self._scheduler = scheduler or Scheduler(threads=1)
        self._cond = self._scheduler.cond  # one lock for the scheduler and its sessions
        self._commands: deque = deque()
        self._closed = False
        self.finished = False  # closed, and its data and network dropped
        self._finished = threading.Event()
        self._want_frame = False
        self._frame: bytes | None = None
        self._dirty = False  # something changed since the last frame

        self.config: p.TrainerConfig | None = None
        self.running = False
        self._steps_left = 0  # epochs still to run for a "step" command
        self.network: Network | None = None
        self.trainer: Trainer | None = None
        self.bounds: tuple[float, float, float, float] = PLANE
        self._data: tuple = ()
        self._added: list[tuple[float, float, float]] = []  # clicked in: (x, y, target)
        self._loaded: np.ndarray | None = None  # a loaded model's weights: what Reset brings back
        self.view = SessionView(settings)
        self._next_frame_at = 0.0  # a big frame (wide net, fine grid) waits for as much training
        self._next_epoch_at = 0.0  # with a speed set, the next epoch waits for its turn

    # ------------------------------------------------------------ called by the connection
    def start(self) -> None:
        self._scheduler.add(self)

    def submit(self, command: Any) -> None:
        """Queue a validated command; it runs between two epochs."""
        with self._cond:
            self._commands.append(command)
            self._cond.notify()

    def request_frame(self) -> None:
        """Ask for the next frame; ``on_frame`` fires when it is ready."""
        with self._cond:
            self._want_frame = True
            self._cond.notify()

    def take_frame(self) -> bytes | None:
        with self._cond:
            frame, self._frame = self._frame, None
            return frame

    def snapshot(self) -> Future:
        """A Future of (network copy, metadata), taken between two epochs."""
        future: Future = Future()
        self.submit(_Snapshot(future))
        return future

    def load_model(self, network: Network, name: str, features: list[str] | None = None) -> Future:
        """A Future of the config that shows ``network``, which the session then trains;
        it fails with a ValueError saying why when the trainer cannot show it. ``features``,
        the input features its file names (None: unknown), become the session's."""
        future: Future = Future()
        self.submit(_LoadModel(network, name, future, features))
        return future

    def stop(self) -> None:
        """Ask the session to finish after the current epoch; returns at once."""
        with self._cond:
            self._closed = True
            self._cond.notify()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the session, wait (at most ``timeout`` s) until it has dropped its data and
        network. From the scheduler's own thread it only asks (it finishes next round)."""
        self.stop()
        if threading.current_thread().name != "trainer":
            self._finished.wait(timeout)

    @property
    def pending(self) -> int:
        """Commands waiting for the end of the current epoch."""
        with self._cond:
            return len(self._commands)

    @property
    def alive(self) -> bool:
        return not self.finished

    # ------------------------------------------------------------- called by the scheduler
    def ready_at(self) -> float:
        """When this session next has work (perf_counter seconds; inf: none until a command
        or a frame request). Called with the scheduler's lock held."""
        if self._closed or self._commands:
            return 0.0
        at = math.inf
        if self._training:
            at = self._next_epoch_at
        if self._want_frame and self._dirty and self.network is not None:
            # while training, frames may take at most half of the session's time
            at = min(at, self._next_frame_at if self._training else 0.0)
        return at

    def work(self) -> None:
        """One round: the queued commands, an epoch if one is due, a frame if one is wanted."""
        with self._cond:
            closed = self._closed
            commands = list(self._commands)
            self._commands.clear()
        if closed:
            self._finish(commands)
            return
        for command in commands:
            self._apply_safely(command)
        if self._epoch_due():
            self._guarded(self._train_one_epoch)
            self._schedule_next_epoch()
        if (
            self._want_frame
            and self._dirty
            and self.network is not None
            and (not self._training or time.perf_counter() >= self._next_frame_at)
        ):
            self._guarded(self._publish_frame)

    def _finish(self, pending: list) -> None:
        for command in pending:
            if isinstance(command, _Snapshot | _LoadModel):
                command.future.cancel()
        # Drop everything big now. The connection and this session refer to each other (the
        # callbacks, the link's session), and an exception's traceback can hold either: such
        # cycles wait for Python's rarest garbage collection, and a server kept megabytes per
        # closed session until then (it grew 65 MB per class of 20).
        self.network = self.trainer = None
        self._data = ()
        self._added = []
        self._loaded = None
        self._frame = None
        self._commands.clear()
        self._on_message = self._on_frame = _ignore
        self.view.release()
        self.finished = True
        self._finished.set()

    def _schedule_next_epoch(self) -> None:
        """``speed`` epochs a second at most (0: as fast as it can), for a class to watch.

        Epochs keep to a fixed beat (the next is due one period after the last was due, not
        after it ended), so the time an epoch takes and a late wake-up on a busy server do
        not slow the pace; a session that fell more than a quarter of a second behind starts
        a new beat instead of rushing to catch up.
        """
        speed = self.config.speed if self.config is not None else 0
        if not speed:
            # due again at once, but behind every session already waiting: one epoch a round
            self._next_epoch_at = time.perf_counter()
            return
        now, period = time.perf_counter(), 1.0 / speed
        was_due = self._next_epoch_at or now  # 0: the first epoch, run at once
        due = was_due + period
        self._next_epoch_at = due if due > now - 0.25 else now + period

    @property
    def _training(self) -> bool:
        return self.trainer is not None and (self.running or self._steps_left > 0)

    def _epoch_due(self) -> bool:
        return self._training and time.perf_counter() >= self._next_epoch_at

    def _guarded(self, work: Callable[[], None], reply_to: int | None = None) -> bool:
        """Do ``work``; a failure becomes an ``error`` message (answering the configure
        numbered ``reply_to``, if any). Returns whether the work was done."""
        try:
            work()
            return True
        except Refused as error:  # checked before anything changed: training carries on
            self._post(error_message(str(error), error.fields, reply_to=reply_to))
        except ValueError as error:  # the engine refused midway: paused, to be safe
            self._halt()
            self._post(error_message(str(error), reply_to=reply_to))
        except Exception:  # a bug must not kill the session: say so and keep it usable
            log.exception("trainer session %s failed", self.id)
            self._halt()
            self._post(
                error_message(
                    "Something went wrong on the server; press Reset to carry on.",
                    reply_to=reply_to,
                )
            )
        return False

    def _apply_safely(self, command: Any) -> None:
        if isinstance(command, _Snapshot):
            if self.network is None:
                command.future.set_exception(
                    ValueError("This session has no network yet: configure the trainer first.")
                )
            else:
                metadata = download_metadata(self.config, self.trainer.epoch if self.trainer else 0)
                command.future.set_result((self.network.copy(), metadata))
            return
        if isinstance(command, _LoadModel):
            try:
                self._load_model(command.network, command.name, command.features)
            except ValueError as error:  # the learner's file: the answer says why, not the socket
                command.future.set_exception(error)
            else:
                command.future.set_result(self.config)
            return
        if isinstance(command, p.Configure | p.Start) and command.config is not None:
            # answered (config or error) with the command's number, so that the client can
            # tell this answer from the configs the session sends on its own
            answer = command.seq
            if not self._guarded(lambda: self._configure(command.config, answer), answer):
                return  # a start whose config was refused does not train
            if isinstance(command, p.Configure):
                return
        self._guarded(lambda: self._apply(command))

    def _apply(self, command: Any) -> None:
        if not isinstance(command, p.Configure | p.Start) and self.config is None:
            raise Refused("Send a configure (or start) command with a config first.")
        if isinstance(command, p.Start | p.Resume):
            self._check_trainable()  # a start's config, if any, is already in force
            self._begin_training()
            self._status()
        elif isinstance(command, p.Pause):
            self._pause()
        elif isinstance(command, p.Step):
            self._check_trainable()
            self.running = False
            self._next_epoch_at = 0.0
            self.view.start_clock()
            self._steps_left = command.epochs
            self._status()
        elif isinstance(command, p.Reset):
            self._reset()
        elif isinstance(command, p.Reseed):
            seed = command.seed if command.seed is not None else secrets.randbelow(1_000_000)
            was_training, trained = self.running, self.trainer.epoch > 0
            self.config = self.config.model_copy(update={"weights_seed": seed})
            self._loaded = None  # new initial weights: the seed's
            self._reset(announce=False)
            self._post(config_message(self.config))
            # like a new architecture: a session that was training trains the new weights on
            restart = was_training or trained
            message = self._restart("New initial weights", was_training) if restart else None
            self._status(message=message)
        elif isinstance(command, p.Regenerate):
            seed = command.seed if command.seed is not None else secrets.randbelow(1_000_000)
            self._configure(self.config.model_copy(update={"seed": seed}), force_data=True)
        elif isinstance(command, p.SetLive):
            changes = command.model_dump(exclude={"type"}, exclude_none=True)
            self._configure(self.config.model_copy(update=changes))
        elif isinstance(command, p.AddPoint):
            self._add_point(command)
        elif isinstance(command, p.SetWeight):
            self._set_weight(command)

    def _begin_training(self) -> None:
        self.running = True
        self._next_epoch_at = 0.0  # the first epoch at once, whatever the speed
        self.view.start_clock()

    # -------------------------------------------------------------------- configuration
    def _configure(
        self, config: p.TrainerConfig, reply_to: int | None = None, force_data: bool = False
    ) -> None:
        """Apply a whole configuration; its ``config`` message answers the configure
        numbered ``reply_to`` (None: the session changed its own settings)."""
        old = self.config
        was_training = self.running
        trained = self.trainer is not None and self.trainer.epoch > 0
        rebuilt = False
        self.config = config
        try:
            if force_data or old is None or config.data_key() != old.data_key():
                if old is None or config.n_outputs() != old.n_outputs():
                    self._loaded = None  # another number of outputs: the loaded weights do not fit
                self._make_data()
                self._reset(announce=False)
                classes, values = config.n_outputs(), self.view.values
                self._post(data_message(self._data, self.bounds, classes, values))
                rebuilt = True
            elif config.network_key() != old.network_key():
                self._loaded = None  # another network: a loaded model's weights no longer fit
                self._reset(announce=False)
                rebuilt = True
            else:
                apply_live(self.trainer, config, old)
        except Exception:
            # a config the engine refuses leaves the session as it was, never half-built
            self.config = old
            if old is None:
                self.network = self.trainer = None
                self._dirty = False
            raise
        self._follow_features(old)
        if old is not None and config.speed != old.speed:
            self._next_epoch_at = 0.0  # a faster speed applies from the next epoch on
        if old is None or config.grid != old.grid or self.view.grid is None:
            self.view.set_boundary_grid(self.bounds, config.grid)
            self._dirty = True
        message = None
        if rebuilt and old is not None and (was_training or trained):
            message = self._restart(restart_reason(old, config, force_data), was_training)
        self._post(config_message(self.config, reply_to))
        self._status(message=message)

    def _restart(self, reason: str, was_training: bool) -> str:
        """After a rebuild (new data or a new network): a session that was training trains
        the fresh network on; either way the learner reads why the epochs went back to 0."""
        if was_training:
            self._begin_training()
            return f"{reason}: training restarted from epoch 0."
        return f"{reason}: a fresh network at epoch 0. Press Train to train it."

    def _follow_features(self, old: p.TrainerConfig | None) -> None:
        """Other input features: the plane's grids go through them, as the data does."""
        if old is None or self.config.features != old.features:
            self.view.set_features(self.config.features, self.bounds, self.config.grid)
            self._dirty = True

    def _make_data(self) -> None:
        self._data, self.bounds = make_data(self.config)
        self.view.set_values(value_scale(self.config, self._data))
        self._added = []
        self.view.set_plane(self.bounds, self.config.grid)

    def _load_model(self, network: Network, name: str, features: list[str] | None) -> None:
        if self.config is None:
            raise ValueError("This session has no data yet: wait for the trainer to open.")
        old = self.config
        self.config = config_for_model(old, network, features)
        self._follow_features(old)  # the model's inputs: the plane's grids go through them
        self._loaded = network.params.astype(np.float64)
        self._reset(announce=False)
        self._post(config_message(self.config))
        shape = "-".join(map(str, network.layer_sizes))
        inputs = ""
        if self.config.features != old.features:  # the checkboxes moved: say why
            inputs = f" on its own inputs, {', '.join(input_labels(self.config.features))}"
        self._status(
            message=f"Loaded {name}: a {shape} {network.activation} network{inputs}. Press "
            "Train to carry on training it; Reset comes back to these weights."
        )

    def _reset(self, announce: bool = True) -> None:
        """The initial weights (the weights seed's, or a loaded model's), a fresh optimiser,
        no history; paused."""
        self.trainer = build_trainer(self.config, self._data, self._added, self._loaded)
        self.network = self.trainer.network
        # no history, no divergence (training may start again); the untrained network's
        # numbers are epoch 0, the first point of the curves and the readouts at once
        self.view.record_untrained(measure(self.trainer))
        self.running = False
        self._steps_left = 0
        self._dirty = True
        if announce:
            self._status()

    def _check_trainable(self) -> None:
        if self.view.diverged_at is not None:  # the loss overflowed: only a reset trains again
            raise Refused(
                "The loss diverged, so these weights are lost: lower the learning rate, "
                "then press Reset before training again."
            )

    def _add_point(self, command: p.AddPoint) -> None:
        """A point the learner clicked in joins the training set: a class, or on a regression
        set a target value (whose variance R² then counts it in)."""
        target = check_point(self.config, command, added=len(self._added))
        point = (float(command.x), float(command.y), target)
        self.trainer.add_point(network_inputs(self.config, np.array([point[:2]]))[0], target)
        self._added.append(point)
        values = self.view.values
        if values is not None:
            self.view.set_values({**values, "variance": float(self.trainer.y.var())})
        self._dirty = True
        self._post(points_message(point, len(self._added), values))

    def _set_weight(self, command: p.SetWeight) -> None:
        """The learner typed a weight: W[layer][source, target] takes it between two epochs,
        and training goes on from it (the optimiser keeps its state)."""
        W = self.network.W
        if command.layer >= len(W):
            raise Refused(f"layer must be between 0 and {len(W) - 1} for this network")
        rows, columns = W[command.layer].shape
        if command.source >= rows:
            raise Refused(f"source must be between 0 and {rows - 1} for layer {command.layer}")
        if command.target >= columns:
            raise Refused(f"target must be between 0 and {columns - 1} for layer {command.layer}")
        W[command.layer][command.source, command.target] = command.value
        if not self._training:  # a paused picture's readouts follow the new weight
            self.view.refresh(measure(self.trainer))
        self._dirty = True
        self._status(message=f"Set the weight to {command.value:g}; training goes on from it.")

    # ------------------------------------------------------------------------ training
    def _train_one_epoch(self) -> None:
        report = self.trainer.run_epoch()
        speed = self.config.speed  # epochs a second at most, 0: as fast as it can
        self.view.record(report, samples=len(self.trainer.X), period=1.0 / speed if speed else 0)
        self._dirty = True
        if self._steps_left > 0:
            self._steps_left -= 1
            if self._steps_left == 0 and not self.running:
                self._status()
        if report.diverged:  # the view has recorded it: _check_trainable refuses from now on
            message = report.message or "The loss diverged: lower the learning rate and reset."
            self._halt(message=divergence_advice(message), diverged=True)
        elif report.epoch >= self.settings.max_epochs:
            self._halt(
                message=f"Paused at epoch {report.epoch:,}, the most one run may take: "
                "press Reset to start again."
            )

    def _pause(self) -> None:
        if self.running or self._steps_left:
            self._halt()

    def _halt(self, message: str | None = None, diverged: bool = False) -> None:
        """Paused, with a status whatever the state was: the page's buttons follow the status
        messages (after a failure too, which may have been about to send one)."""
        self.running = False
        self._steps_left = 0
        self._status(message=message, diverged=diverged)

    # ------------------------------------------------------------------ frames, messages
    def _publish_frame(self) -> None:
        started = time.thread_time()
        frame = self.build_frame()
        # the build's own CPU time, not the wall clock's: on a busy server the thread may
        # wait for a core mid-build, which is no reason to space the frames further apart
        self._next_frame_at = time.perf_counter() + (time.thread_time() - started)
        with self._cond:
            self._want_frame = False
            self._dirty = False
            self._frame = frame
        self._on_frame()

    def build_frame(self) -> bytes:
        """Evaluate the network on the grids and pack a binary frame (see ``view``)."""
        return self.view.build_frame(self.network, self.config.grid, running=self._training)

    def _post(self, message: dict) -> None:
        self._on_message(message)

    def _status(self, message: str | None = None, diverged: bool = False) -> None:
        self.view.force_complete()
        self._dirty = True
        epoch = self.trainer.epoch if self.trainer else 0
        self._post(status_message(self._training, epoch, message, diverged))


def measure(trainer: Trainer) -> EpochReport:
    """The network's data loss and accuracy as it stands, without training: epoch 0's numbers
    (a fresh or loaded network), or the readouts after a weight the learner set."""
    network = trainer.network

    def on(X: np.ndarray | None, Y: np.ndarray | None, y: np.ndarray | None):
        if X is None or len(X) == 0:
            return None, None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = network.loss(X, Y)  # mean over the samples, no penalty (as EpochReport)
            right = network.predict(X) == y if trainer.classification else None
        return loss, None if right is None else float(np.mean(right))

    loss, accuracy = on(trainer.X, trainer.Y, trainer.y)
    val_loss, val_accuracy = on(trainer.X_val, trainer.Y_val, trainer.y_val)
    return EpochReport(trainer.epoch, loss, accuracy, val_loss, val_accuracy, 0.0, False)


RESTART_REASONS = (  # the first changed field names the restart
    ("dataset", "Dataset changed"),
    ("classes", "Data changed"),
    ("points", "Data changed"),
    ("noise", "Data changed"),
    ("validation", "Data changed"),
    ("seed", "New data"),
    ("features", "Input features changed"),
    ("hidden_layers", "Architecture changed"),
    ("units", "Architecture changed"),
    ("activation", "Activation changed"),
    ("weights_seed", "New initial weights"),
)


def restart_reason(old: p.TrainerConfig, new: p.TrainerConfig, new_data: bool) -> str:
    """Why a configuration rebuilt the session, in a few words for its status line."""
    for field, reason in RESTART_REASONS:
        if getattr(old, field) != getattr(new, field):
            return reason
    return "New data" if new_data else "Settings changed"
