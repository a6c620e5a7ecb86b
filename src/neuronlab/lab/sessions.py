"""Live training sessions: one thread per open trainer, driven by commands, read as frames.

A session owns the data, a Network, its optimiser and a Trainer. Its thread runs epochs
while training is on, applies commands between two epochs (so a learning-rate change or an
added point takes effect at the next epoch, without a restart), and builds a frame only
when the connection asks for one: the connection asks again only after it has sent the
previous frame and waited out the frame interval. So frames are paced, always show the
newest weights, and a slow client gets fewer of them, never a queue.

The session knows nothing of WebSockets: it reports through two callbacks, ``on_message``
(a JSON-ready dict, never dropped) and ``on_frame`` (a new frame is ready; fetch it with
``take_frame``), both called from the session's thread.

Binary frame layout (``render.pack_frame``): a uint32 header length, a JSON header, then
4-byte-aligned parts named in ``header["parts"]``:

``boundary``  width x height x 4 bytes, RGBA, image order (top row first): the decision
              boundary, colours ready for ``ImageData``
``maps``      (optional, ~10 per second) one byte per cell for each hidden neuron, layer by
              layer, ``maps.size`` squared cells each: an index into ``map_colours``
``edges``     (with ``maps``) one signed byte per weight, W[0], W[1], ... each (n_in, n_out)
              in row order: ``round(127 * w / max|W_l|)``; width = |value|, colour = sign
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

from neuronlab.engine.datasets import make_dataset, train_val_test_split
from neuronlab.engine.grid import plane_bounds, plane_grid
from neuronlab.engine.network import Network
from neuronlab.engine.optimisers import make_optimizer
from neuronlab.engine.training import EpochReport, Trainer

from . import protocol as p
from . import render
from .settings import Settings

log = logging.getLogger("neuronlab.lab")

CHART_POINTS = 600  # the loss chart gets at most this many points per curve
HISTORY_KEYS = ("epoch", "loss", "val_loss", "accuracy", "val_accuracy")
THROUGHPUT_WINDOW = 0.5  # seconds of training averaged into the Throughput readout


class LabBusy(RuntimeError):
    """Every training session is taken."""


@dataclass
class _Snapshot:
    """Internal command: copy the network for a download, between two epochs."""

    future: Future


def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity: send null instead."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


class TrainingSession:
    """One learner's live training, on its own thread."""

    def __init__(
        self,
        session_id: str,
        settings: Settings,
        on_message: Callable[[dict], None],
        on_frame: Callable[[], None],
    ) -> None:
        self.id = session_id
        self.settings = settings
        self._on_message = on_message
        self._on_frame = on_frame
        self._cond = threading.Condition()
        self._commands: deque = deque()
        self._closed = False
        self._want_frame = False
        self._frame: bytes | None = None
        self._dirty = False  # something changed since the last frame
        self._thread = threading.Thread(target=self._run, name=f"trainer-{session_id[:6]}")
        self._thread.daemon = True

        self.config: p.TrainerConfig | None = None
        self.running = False
        self._diverged = False  # the loss overflowed: only a reset trains again
        self._steps_left = 0  # epochs still to run for a "step" command
        self.network: Network | None = None
        self.trainer: Trainer | None = None
        self.bounds: tuple[float, float, float, float] = (-1.2, 1.2, -1.2, 1.2)
        self._data: tuple = ()
        self._added: list[tuple[float, float, int]] = []
        self._grid: np.ndarray | None = None
        self._map_grid: np.ndarray | None = None
        self._history: dict[str, list[float | None]] = {}
        self._seq = 0
        self._next_frame_at = 0.0  # a big frame (wide net, fine grid) waits for as much training
        self._last_maps = 0.0
        self._last_chart = 0.0
        self._force_maps = True
        self._force_chart = True
        self._window = [0.0, 0.0, time.perf_counter()]  # samples, seconds, window start
        self.throughput = 0.0

    # ------------------------------------------------------------ called by the connection
    def start(self) -> None:
        self._thread.start()

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

    def stop(self) -> None:
        """Ask the thread to finish after the current epoch; returns at once."""
        with self._cond:
            self._closed = True
            self._cond.notify()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread, wait for it, and so drop the data and the network."""
        self.stop()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def pending(self) -> int:
        """Commands waiting for the end of the current epoch."""
        with self._cond:
            return len(self._commands)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # ---------------------------------------------------------------------- the thread
    def _run(self) -> None:
        # overflow on the way to a diverged loss is expected and reported: no warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._loop()
        with self._cond:
            pending = list(self._commands)
        for command in pending:
            if isinstance(command, _Snapshot):
                command.future.cancel()
        self.network = self.trainer = None
        self._data = ()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not (
                    self._closed
                    or self._commands
                    or self._training
                    or (self._want_frame and self._dirty and self.network is not None)
                ):
                    self._cond.wait()
                if self._closed:
                    break
                commands = list(self._commands)
                self._commands.clear()
            for command in commands:
                self._apply_safely(command)
            if self._training:
                self._guarded(self._train_one_epoch)
            # while training, frames may take at most half of this thread's time
            if (
                self._want_frame
                and self._dirty
                and self.network is not None
                and (not self._training or time.perf_counter() >= self._next_frame_at)
            ):
                self._guarded(self._publish_frame)

    @property
    def _training(self) -> bool:
        return self.trainer is not None and (self.running or self._steps_left > 0)

    def _guarded(self, work: Callable[[], None]) -> None:
        try:
            work()
        except ValueError as error:
            self._pause()
            self._error(str(error))
        except Exception:  # a bug must not kill the session: say so and keep it usable
            log.exception("trainer session %s failed", self.id)
            self._pause()
            self._error("Something went wrong on the server; press Reset to carry on.")

    def _apply_safely(self, command: Any) -> None:
        if isinstance(command, _Snapshot):
            if self.network is None:
                command.future.set_exception(ValueError("there is no network yet"))
            else:
                command.future.set_result((self.network.copy(), self._metadata()))
            return
        self._guarded(lambda: self._apply(command))

    def _apply(self, command: Any) -> None:
        if not isinstance(command, p.Configure | p.Start) and self.config is None:
            raise ValueError("Send a configure (or start) command with a config first.")
        if isinstance(command, p.Configure):
            self._configure(command.config)
        elif isinstance(command, p.Start | p.Resume):
            if isinstance(command, p.Start) and command.config is not None:
                self._configure(command.config)
            self._check_trainable()
            self.running = True
            self._status()
        elif isinstance(command, p.Pause):
            self._pause()
        elif isinstance(command, p.Step):
            self._check_trainable()
            self.running = False
            self._steps_left = command.epochs
            self._status()
        elif isinstance(command, p.Reset):
            self._reset()
        elif isinstance(command, p.Reseed):
            seed = command.seed if command.seed is not None else secrets.randbelow(1_000_000)
            self.config = self.config.model_copy(update={"weights_seed": seed})
            self._reset()
            self._send_config()
        elif isinstance(command, p.Regenerate):
            seed = command.seed if command.seed is not None else secrets.randbelow(1_000_000)
            self._configure(self.config.model_copy(update={"seed": seed}), force_data=True)
        elif isinstance(command, p.SetLive):
            changes = command.model_dump(exclude={"type"}, exclude_none=True)
            self._configure(self.config.model_copy(update=changes))
        elif isinstance(command, p.AddPoint):
            self._add_point(command)

    # -------------------------------------------------------------------- configuration
    def _configure(self, config: p.TrainerConfig, force_data: bool = False) -> None:
        old = self.config
        self.config = config
        try:
            if force_data or old is None or config.data_key() != old.data_key():
                self._make_data()
                self._reset(announce=False)
                self._send_data()
            elif config.network_key() != old.network_key():
                self._reset(announce=False)
            else:
                self._apply_live(old)
        except Exception:
            # a config the engine refuses leaves the session as it was, never half-built
            self.config = old
            if old is None:
                self.network = self.trainer = None
                self._dirty = False
            raise
        if old is None or config.grid != old.grid or self._grid is None:
            self._grid = plane_grid(self.bounds, config.grid)
            self._dirty = True
        self._send_config()
        self._status()

    def _apply_live(self, old: p.TrainerConfig) -> None:
        config, trainer = self.config, self.trainer
        if config.optimizer != old.optimizer:
            # a fresh optimiser (no moments yet) on the current weights
            trainer.optimizer = make_optimizer(config.optimizer, learning_rate=config.learning_rate)
        trainer.learning_rate = config.learning_rate
        trainer.batch_size = config.batch_size
        trainer.l2 = config.l2
        trainer.l1 = config.l1

    def _make_data(self) -> None:
        config = self.config
        extra = {}
        argument = p.multiclass_datasets().get(config.dataset)
        if argument is not None:
            extra[argument] = config.classes
        X, y = make_dataset(
            config.dataset, n=config.points, noise=config.noise, seed=config.seed, **extra
        )
        if config.validation > 0:
            X_train, y_train, X_val, y_val, _, _ = train_val_test_split(
                X, y, val=config.validation, test=0.0, seed=config.seed
            )
        else:
            X_train, y_train, X_val, y_val = X, y, X[:0], y[:0]
        self._data = (X_train, y_train, X_val, y_val)
        self._added = []
        self.bounds = plane_bounds(X)
        self._grid = plane_grid(self.bounds, config.grid)
        self._map_grid = plane_grid(self.bounds, self.settings.map_size)

    def _reset(self, announce: bool = True) -> None:
        """The initial weights of the weights seed, a fresh optimiser, no history; paused."""
        config = self.config
        X_train, y_train, X_val, y_val = self._data
        if self._added:
            added = np.array(self._added, dtype=float)
            X_train = np.concatenate([X_train, added[:, :2]])
            y_train = np.concatenate([y_train, added[:, 2].astype(y_train.dtype)])
        k = config.n_classes()
        sizes = [2] + [config.units] * config.hidden_layers + [k]
        self.network = Network(
            sizes, activation=config.activation, output="softmax", seed=config.weights_seed
        )
        optimizer = make_optimizer(config.optimizer, learning_rate=config.learning_rate)
        has_val = len(X_val) > 0
        self.trainer = Trainer(
            self.network,
            optimizer,
            X_train,
            y_train,
            X_val if has_val else None,
            y_val if has_val else None,
            batch_size=config.batch_size,
            l2=config.l2,
            l1=config.l1,
            seed=config.weights_seed,
        )
        self._history = {
            key: [] for key in ("epoch", "loss", "val_loss", "accuracy", "val_accuracy")
        }
        self.throughput = 0.0
        self.running = False
        self._diverged = False
        self._steps_left = 0
        self._dirty = self._force_maps = self._force_chart = True
        if announce:
            self._status()

    def _check_trainable(self) -> None:
        if self._diverged:
            raise ValueError(
                "The loss diverged, so these weights are lost: lower the learning rate, "
                "then press Reset before training again."
            )

    def _add_point(self, command: p.AddPoint) -> None:
        k = self.config.n_classes()
        if command.label >= k:
            raise ValueError(f"label must be between 0 and {k - 1} for this dataset")
        if len(self._added) >= p.MAX_ADDED_POINTS:
            raise ValueError(
                f"You have added {p.MAX_ADDED_POINTS} points, the most a session takes: "
                "press Regenerate to start from fresh data."
            )
        point = (float(command.x), float(command.y), int(command.label))
        self.trainer.add_point(point[:2], point[2])
        self._added.append(point)
        self._dirty = True
        self._post({"type": "points", "added": [list(point)], "count": len(self._added)})

    # ------------------------------------------------------------------------ training
    def _train_one_epoch(self) -> None:
        report = self.trainer.run_epoch()
        self._record(report)
        self._dirty = True
        if self._steps_left > 0:
            self._steps_left -= 1
            if self._steps_left == 0 and not self.running:
                self._status()
        if report.diverged:
            self._diverged = True
            self.running = False
            self._steps_left = 0
            self._force_chart = True
            message = report.message or "The loss diverged: lower the learning rate and reset."
            self._status(message=_divergence_advice(message), diverged=True)
        elif report.epoch >= self.settings.max_epochs:
            self.running = False
            self._steps_left = 0
            self._status(
                message=f"Paused at epoch {report.epoch:,}, the most one run may take: "
                "press Reset to start again."
            )

    def _record(self, report: EpochReport) -> None:
        history = self._history
        history["epoch"].append(report.epoch)
        history["loss"].append(_number(report.train_loss))
        history["val_loss"].append(_number(report.val_loss))
        history["accuracy"].append(_number(report.train_accuracy))
        history["val_accuracy"].append(_number(report.val_accuracy))
        if report.samples_per_second > 0 and math.isfinite(report.samples_per_second):
            samples = len(self.trainer.X)
            window = self._window
            window[0] += samples
            window[1] += samples / report.samples_per_second
            now = time.perf_counter()
            if now - window[2] >= THROUGHPUT_WINDOW or self.throughput == 0.0:
                self.throughput = window[0] / max(window[1], 1e-9)
                self._window = [0.0, 0.0, now]

    def _pause(self) -> None:
        if self.running or self._steps_left:
            self.running = False
            self._steps_left = 0
            self._status()

    # -------------------------------------------------------------------------- frames
    def _publish_frame(self) -> None:
        started = time.perf_counter()
        frame = self.build_frame()
        finished = time.perf_counter()
        self._next_frame_at = finished + (finished - started)
        with self._cond:
            self._want_frame = False
            self._dirty = False
            self._frame = frame
        self._on_frame()

    def build_frame(self) -> bytes:
        """Evaluate the network on the grids and pack a binary frame (see module docstring)."""
        network, config = self.network, self.config
        now = time.perf_counter()
        self._seq += 1
        history = self._history
        last = {key: values[-1] if values else None for key, values in history.items()}
        size = config.grid
        header: dict[str, Any] = {
            "type": "frame",
            "seq": self._seq,
            "epoch": last["epoch"] or 0,
            "loss": last["loss"],
            "accuracy": last["accuracy"],
            "val_loss": last["val_loss"],
            "val_accuracy": last["val_accuracy"],
            "samples_per_second": _number(self.throughput),
            "running": self._training,
            "boundary": {"width": size, "height": size, "format": "rgba8"},
        }
        probabilities = network.predict_proba(self._grid)  # (size * size, k)
        parts = [("boundary", render.boundary_rgba(probabilities))]

        if self._force_maps or now - self._last_maps >= 1.0 / self.settings.map_rate:
            hidden = network.hidden_activations(self._map_grid)  # per layer (m * m, units)
            header["maps"] = {
                "size": self.settings.map_size,
                "layers": [int(A.shape[1]) for A in hidden],
                "format": "u8 index into map_colours",
            }
            header["edges"] = {"layer_sizes": list(network.layer_sizes), "format": "i8"}
            parts.append(("maps", render.map_indices(hidden)))
            parts.append(("edges", render.edge_strengths(network.W)))
            self._last_maps = now
            self._force_maps = False

        if self._force_chart or now - self._last_chart >= 1.0 / self.settings.chart_rate:
            header["chart"] = _downsample(history, CHART_POINTS)
            self._last_chart = now
            self._force_chart = False
        return render.pack_frame(header, parts)

    # ------------------------------------------------------------------------ messages
    def _post(self, message: dict) -> None:
        self._on_message(message)

    def _error(self, detail: str) -> None:
        self._post({"type": "error", "detail": detail})

    def _status(self, message: str | None = None, diverged: bool = False) -> None:
        self._force_chart = self._force_maps = True  # a paused picture must be complete
        self._dirty = True
        self._post(
            {
                "type": "status",
                "running": self._training,
                "epoch": self.trainer.epoch if self.trainer else 0,
                "message": message,
                "diverged": diverged,
            }
        )

    def _send_config(self) -> None:
        self._post({"type": "config", "config": self.config.model_dump()})

    def _send_data(self) -> None:
        X_train, y_train, X_val, y_val = self._data

        def points(X: np.ndarray, y: np.ndarray) -> dict:
            return {
                "x": np.round(X[:, 0], 5).tolist(),
                "y": np.round(X[:, 1], 5).tolist(),
                "label": y.astype(int).tolist(),
            }

        self._post(
            {
                "type": "data",
                "bounds": list(self.bounds),
                "classes": self.config.n_classes(),
                "train": points(X_train, y_train),
                "validation": points(X_val, y_val),
            }
        )

    def _metadata(self) -> dict:
        return {
            "source": "neuronlab lab trainer",
            "epoch": self.trainer.epoch if self.trainer else 0,
            "classes": self.config.n_classes(),
            "config": self.config.model_dump(),
        }


def _divergence_advice(message: str) -> str:
    text = message[0].upper() + message[1:]
    if not text.endswith("."):
        text += "."
    return (
        f"{text} The steps overshot until the numbers overflowed. Try a learning rate ten "
        "times smaller, a larger batch, or Adam, then press Reset."
    )


def _downsample(history: dict[str, list], limit: int) -> dict[str, list]:
    """At most ``limit`` evenly spaced epochs (always the last) of every curve."""
    count = len(history.get("epoch", ()))
    if count <= limit:
        return {key: list(values) for key, values in history.items()}
    keep = np.unique(np.linspace(0, count - 1, limit).round().astype(int))
    return {key: [values[i] for i in keep] for key, values in history.items()}


_blas_limit = None


def _limit_blas_threads() -> None:
    """One BLAS thread per session: several sessions then share the cores side by side."""
    global _blas_limit
    if _blas_limit is None:
        from threadpoolctl import threadpool_limits

        _blas_limit = threadpool_limits(limits=1, user_api="blas")


class SessionRegistry:
    """The open sessions, at most ``settings.max_sessions`` of them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._sessions: dict[str, TrainingSession] = {}
        self._lock = threading.Lock()

    def open(
        self, on_message: Callable[[dict], None], on_frame: Callable[[], None]
    ) -> TrainingSession:
        """Start a session, or raise LabBusy when the cap is reached."""
        with self._lock:
            if len(self._sessions) >= self.settings.max_sessions:
                raise LabBusy(
                    f"The lab is busy: all {self.settings.max_sessions} training sessions are "
                    "in use. Close another trainer tab, or try again in a minute."
                )
            _limit_blas_threads()
            session_id = secrets.token_urlsafe(12)
            session = TrainingSession(session_id, self.settings, on_message, on_frame)
            self._sessions[session_id] = session
        session.start()
        return session

    def close(self, session: TrainingSession, wait: bool = True) -> None:
        """Forget the session and stop its thread (waiting for it unless ``wait`` is false)."""
        with self._lock:
            self._sessions.pop(session.id, None)
        if wait:
            session.close()
        else:
            session.stop()

    def get(self, session_id: str) -> TrainingSession | None:
        with self._lock:
            return self._sessions.get(session_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def close_all(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            session.close(timeout=1.0)
