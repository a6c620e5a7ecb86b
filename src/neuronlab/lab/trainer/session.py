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

This module holds the session's life (its queue, the scheduler's rounds, the epochs and
their pace, the frames and the status messages); what each command does is
``commands``'s, whose ``CommandHandlers`` the session inherits.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np

from neuronlab.engine.network import Network
from neuronlab.engine.training import Trainer

from ..settings import Settings
from ..validation import PLANE
from . import protocol as p
from .commands import CommandHandlers, _LoadModel, _Snapshot, measure
from .scheduler import Scheduler
from .setup import Refused, build_trainer
from .view import SessionView, divergence_advice, error_message, status_message

log = logging.getLogger("neuronlab.lab")


def _ignore(*args: Any) -> None:
    """A closed session's callbacks: nobody is listening any more."""


class TrainingSession(CommandHandlers):
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

    # ------------------------------------------------------------------------ training
    def _begin_training(self) -> None:
        self.running = True
        self._next_epoch_at = 0.0  # the first epoch at once, whatever the speed
        self.view.start_clock()

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
