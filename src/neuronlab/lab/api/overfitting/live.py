"""The overfitting lab, live: the engine trains while the page watches, and listens to it.

``/ws/overfitting``             one socket per open page, one run at a time on it
``GET /api/overfitting/live``   how many sockets and runs are open, and the cap

The run is the one ``pictures.py`` computes in one go (the same points, network, Adam and
full-batch epochs), paced so a learner sees the curves grow: ``speed`` epochs a second, at
most ``Settings.max_frame_rate`` messages a second, each carrying the epochs trained since
the last one and the boundary as it is now. Between two epochs the run reads what the page
changed: a new L2 strength applies from the next epoch on (``Trainer.l2``), and early
stopping at once (``Trainer.patience``; switched on after the validation loss has already
gone ``patience`` epochs without a new best, the run stops there and restores the best).

Page -> server, JSON text, each an object with a ``type``:

``start {config}``                       a new run; the one going, if any, ends first
``set {l2?, early_stopping?, patience?, speed?}``  change the run going
``stop``                                 end the run going

Server -> page, JSON text: ``hello`` (the bounds), ``begin`` (the points, the plane, the
settings), ``epochs`` (rows of ``epoch``, both losses, both accuracies and the ``l2`` it
trained with; the best epoch so far; the boundary), ``set`` (a change and the epoch it
applies from), ``end`` (why, where, and the weights it ends with), ``error`` (one sentence,
and the refused settings in ``fields``). Every run message carries its ``run`` number, so
a page ignores what an earlier run still had in flight.

Bounded: at most ``MAX_EPOCHS`` epochs and ``TIME_LIMIT`` seconds a run, ``max_sessions``
sockets at once in the whole lab, whatever number of worker processes share it (past it the
socket closes with 1013 and a sentence), messages of at most
``MAX_MESSAGE_CHARS``. Closing the socket ends its run at once. A socket with no run going
for ``IDLE_LIMIT`` seconds closes with ``IDLE_CODE`` and a sentence, so idle pages do not
hold the places; the page opens a new one on its next Train.

A stopped run's engine thread is not killed: it finishes the epochs it was given. Each run
holds a lock around everything that touches its network (``advance``, ``image``, the ``end``
message), so the end never reads half-updated weights and the thread never sees them change.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Request, WebSocket
from pydantic import Field, ValidationError
from starlette.websockets import WebSocketDisconnect

from ....engine.grid import plane_bounds
from ....engine.training import EpochReport
from ...validation import StrictModel, explain_validation_error, read_json_object, refused_fields
from ...workers import lab_overfitting
from ..widgets import number
from .pictures import DataQuery, boundary, make_trainer, point_set, split

router = APIRouter(tags=["overfitting"])

MAX_EPOCHS = 2000
TIME_LIMIT = 120.0  # seconds of wall-clock time a run may take
MAX_MESSAGE_CHARS = 2000
MAX_EPOCHS_PER_MESSAGE = 100  # a run far behind its pace catches up in steps, never at once
SEND_TIMEOUT = 10.0  # a page that reads nothing for this long is closed
IDLE_LIMIT = 120.0  # seconds a socket may stay open with no run going
IDLE_CODE = 4000  # the close code of an idle socket: the page reconnects quietly on Train
COMMANDS = "'start', 'set' or 'stop'"

L2 = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Patience = Annotated[int, Field(ge=1, le=200)]
Speed = Annotated[float, Field(ge=10, le=1000, allow_inf_nan=False)]  # epochs a second


class LiveConfig(DataQuery):
    l2: L2 = 0.0
    early_stopping: bool = False
    patience: Patience = 30
    epochs: int = Field(400, ge=10, le=MAX_EPOCHS)
    speed: Speed = 80
    grid: int = Field(32, ge=8, le=64)


class Start(StrictModel):
    type: str
    config: LiveConfig = LiveConfig()


class Change(StrictModel):
    type: str
    l2: L2 | None = None
    early_stopping: bool | None = None
    patience: Patience | None = None
    speed: Speed | None = None


class Stop(StrictModel):
    type: str


COMMAND_MODELS = {"start": Start, "set": Change, "stop": Stop}


class CommandError(ValueError):
    def __init__(self, detail: str, fields: list[str] | None = None, code: str | None = None):
        super().__init__(detail)
        self.fields = fields or []
        self.code = code


def parse_command(text: str | None) -> Start | Change | Stop:
    """One page message as a command, or a CommandError with one English sentence."""
    data = read_json_object(text, MAX_MESSAGE_CHARS, '{"type": "stop"}')
    kind = data.get("type")
    model = COMMAND_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise CommandError(f"Unknown message type {kind!r}: use one of {COMMANDS}.")
    try:
        command = model.model_validate(data)
    except ValidationError as error:
        errors = error.errors()
        raise CommandError(explain_validation_error(errors), refused_fields(errors)) from None
    if isinstance(command, Change) and not command.model_dump(exclude_none=True).keys() - {"type"}:
        raise CommandError("Say what to change: l2, early_stopping, patience or speed.")
    return command


# --- the sockets of one app ----------------------------------------------------------------
@dataclass
class Tally:
    """Open sockets and runs going, for the cap and the status route (event loop only)."""

    sockets: int = 0
    runs: int = 0


def tally_of(app) -> Tally:
    tally = getattr(app.state, "overfitting_live", None)
    if tally is None:
        tally = app.state.overfitting_live = Tally()
    return tally


def take_place(tally: Tally, cap: int) -> bool:
    """Count one more socket against the cap; False when the lab is full. With several worker
    processes the count is the whole lab's (``workers.lab_overfitting``), as the trainer's."""
    lab = lab_overfitting()
    if lab is None:
        if tally.sockets >= cap:
            return False
    else:
        with lab.get_lock():
            if lab.value >= cap:
                return False
            lab.value += 1
    tally.sockets += 1
    return True


def free_place(tally: Tally) -> None:
    tally.sockets -= 1
    lab = lab_overfitting()
    if lab is not None:
        with lab.get_lock():
            lab.value = max(0, lab.value - 1)


@router.get("/api/overfitting/live")
def live_status(request: Request) -> dict:
    """Open overfitting sockets, runs going on them, and the cap on sockets (the whole lab's);
    with ``--workers``, the sockets and runs of the worker process that answered, which
    ``worker`` numbers."""
    tally = tally_of(request.app)
    settings = request.app.state.settings
    return {
        "sockets": tally.sockets,
        "runs": tally.runs,
        "max_sockets": settings.max_sessions,
        "worker": settings.worker,
    }


# --- one run ---------------------------------------------------------------------------------
def row(report: EpochReport, l2: float) -> dict:
    return {
        "epoch": report.epoch,
        "train_loss": number(report.train_loss, 5) if report.train_loss is not None else None,
        "val_loss": number(report.val_loss, 5) if report.val_loss is not None else None,
        "train_accuracy": number(report.train_accuracy, 4),
        "val_accuracy": number(report.val_accuracy, 4),
        "l2": l2,
    }


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

    def image(self) -> str:
        with self.engine:
            return boundary(self.network, self.bounds, self.config.grid)

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


def ending(run: Run, reason: str, message: str | None = None) -> dict:
    """The ``end`` message: why the run ended, which epoch's weights it shows, and them.
    Waits for an engine thread still training this run (call it off the event loop)."""
    with run.engine:
        return _ending(run, reason, message)


def _ending(run: Run, reason: str, message: str | None) -> dict:
    trainer = run.trainer
    history = trainer.history
    stopped = reason == "stopped_early"
    shown = trainer.best_epoch if stopped else trainer.epoch
    if message is None and history:
        last = history[-1]
        if reason == "stopped_early" or reason == "diverged":
            message = last.message[0].upper() + last.message[1:] + "."
        else:
            best = history[trainer.best_epoch - 1] if trainer.best_epoch else last
            opening = {
                "finished": f"Trained {last.epoch} epochs.",
                "time_limit": f"Stopped at epoch {last.epoch}: a run may take at most "
                f"{TIME_LIMIT:.0f} s. Raise the pace to train longer.",
                "stopped": f"Stopped at epoch {last.epoch}, as asked.",
            }[reason]
            message = (
                f"{opening} Validation loss was lowest at epoch {trainer.best_epoch} "
                f"({best.val_loss:.3f}) and ended at {last.val_loss:.3f}."
            )
    shown_report = history[shown - 1] if shown else None
    return {
        "type": "end",
        "run": run.number,
        "reason": reason,
        "epoch": trainer.epoch,
        "best_epoch": trainer.best_epoch,
        "stopped_epoch": trainer.epoch if stopped else None,
        "shown_epoch": shown,
        "shown": row(shown_report, trainer.l2) if shown_report else None,
        "image": boundary(run.network, run.bounds, run.config.grid),
        "message": message or "Stopped before the first epoch.",
    }


class LiveSocket:
    """One page's socket: reads commands, runs one training at a time, sends its epochs."""

    def __init__(self, websocket: WebSocket):
        self.websocket = websocket
        self.tally = tally_of(websocket.app)
        self.frame_interval = 1 / websocket.app.state.settings.max_frame_rate
        self.lock = asyncio.Lock()
        self.run: Run | None = None
        self.task: asyncio.Task | None = None
        self.runs = 0
        self.idle_since = time.monotonic()  # when the last run ended (or the socket opened)

    def idle_for(self) -> float | None:
        """Seconds since a run last went on this socket; None while one goes."""
        if self.task is not None and not self.task.done():
            return None
        return time.monotonic() - self.idle_since

    async def send(self, message: dict) -> None:
        async with self.lock:  # the run and the reader both send; one message at a time
            await asyncio.wait_for(self.websocket.send_text(json.dumps(message)), SEND_TIMEOUT)

    async def handle(self, text: str | None) -> None:
        try:
            command = parse_command(text)
        except ValueError as error:
            reply = {"type": "error", "detail": str(error)}
            if getattr(error, "fields", None):
                reply["fields"] = error.fields
            await self.send(reply)
            return
        if isinstance(command, Start):
            await self.end_run()
            self.runs += 1
            self.run = Run(self.runs, command.config)
            self.task = asyncio.create_task(self.train(self.run))
        elif isinstance(command, Change):
            if self.task is None or self.task.done():
                await self.send(
                    {
                        "type": "error",
                        "code": "ended",
                        "detail": "No run is going: start one to train with these settings.",
                    }
                )
                return
            self.run.pending.update(command.model_dump(exclude_none=True, exclude={"type"}))
            self.run.wake.set()
        else:
            await self.end_run(say=True)

    async def end_run(self, say: bool = False) -> None:
        """Stop the run going, if any; with ``say``, tell the page how it ended."""
        task, run = self.task, self.run
        self.task = None
        if task is None or task.done():
            return
        run.ended = True
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        if say and hasattr(run, "trainer"):
            await self.send(await asyncio.to_thread(ending, run, "stopped"))

    async def train(self, run: Run) -> None:
        self.tally.runs += 1
        try:
            await self._train(run)
        except (WebSocketDisconnect, RuntimeError):
            pass  # the page has gone: the reader sees it too, and ends
        except TimeoutError:
            # the page stopped reading for SEND_TIMEOUT seconds: close rather than queue
            reason = "The page stopped reading the run; reload it to train again."
            with contextlib.suppress(Exception):
                await self.websocket.close(code=1008, reason=reason)
        except ValueError as error:  # the engine refused something the bounds let through
            with contextlib.suppress(Exception):
                await self.send({"type": "error", "code": "failed", "detail": str(error)})
        finally:
            self.tally.runs -= 1
            self.idle_since = time.monotonic()

    async def _train(self, run: Run) -> None:
        config = run.config
        await asyncio.to_thread(run.build)
        trainer = run.trainer
        train_set, validation_set = run.points
        await self.send(
            {
                "type": "begin",
                "run": run.number,
                "layer_sizes": run.network.layer_sizes,
                "bounds": list(run.bounds),
                "grid": config.grid,
                "train": train_set.model_dump(),
                "validation": validation_set.model_dump(),
                "epochs": config.epochs,
                "speed": config.speed,
                "l2": config.l2,
                "early_stopping": config.early_stopping,
                "patience": config.patience,
                "time_limit": TIME_LIMIT,
                "image": await asyncio.to_thread(run.image),
            }
        )
        began = time.monotonic()
        run.beat = (began, 0)
        while True:
            if run.ended:  # a cancel can be lost in a wait that ends at the same moment
                raise asyncio.CancelledError
            ack, stopped = run.apply_changes()
            if ack is not None:
                await self.send(ack)
            if stopped:
                await self.send(await asyncio.to_thread(ending, run, "stopped_early", stopped))
                return
            if time.monotonic() - began > TIME_LIMIT:
                await self.send(await asyncio.to_thread(ending, run, "time_limit"))
                return
            due = run.due()
            if due > 0:
                l2 = trainer.l2
                count = min(due, MAX_EPOCHS_PER_MESSAGE)
                reports = await asyncio.to_thread(advance, run, count)
                if run.ended:
                    raise asyncio.CancelledError
                image = await asyncio.to_thread(run.image)
                await self.send(
                    {
                        "type": "epochs",
                        "run": run.number,
                        "rows": [row(report, l2) for report in reports],
                        "best_epoch": trainer.best_epoch,
                        "image": image,
                        "image_epoch": trainer.epoch,
                    }
                )
                last = reports[-1] if reports else None
                if last is not None and (last.stopped_early or last.diverged):
                    reason = "stopped_early" if last.stopped_early else "diverged"
                    await self.send(await asyncio.to_thread(ending, run, reason))
                    return
                if trainer.epoch >= config.epochs:
                    await self.send(await asyncio.to_thread(ending, run, "finished"))
                    return
            # the next message when the next epoch is due, but no sooner than the frame rate
            # allows; a change from the page wakes the run at once
            wait = max(self.frame_interval, run.wait())
            run.wake.clear()
            try:
                async with asyncio.timeout(wait):  # unlike wait_for (3.11), keeps a cancel
                    await run.wake.wait()
            except TimeoutError:
                pass


@router.websocket("/ws/overfitting")
async def overfitting_socket(websocket: WebSocket) -> None:
    """The overfitting lab of one page, for as long as its socket stays open."""
    tally = tally_of(websocket.app)
    cap = websocket.app.state.settings.max_sessions
    await websocket.accept()
    if not take_place(tally, cap):
        reason = f"The lab is busy: {cap} overfitting labs are open; try again in a minute."
        await websocket.send_text(json.dumps({"type": "error", "code": "busy", "detail": reason}))
        await websocket.close(code=1013, reason=reason)
        return
    live = LiveSocket(websocket)
    try:
        await live.send(
            {
                "type": "hello",
                "protocol": 1,
                "max_epochs": MAX_EPOCHS,
                "time_limit": TIME_LIMIT,
                "defaults": LiveConfig().model_dump(),
            }
        )
        while True:
            idle = live.idle_for()
            if idle is not None and idle >= IDLE_LIMIT:
                reason = (
                    f"The lab closed this connection after {IDLE_LIMIT:.0f} s with no run; "
                    "press Train to open a new one."
                )
                await websocket.close(code=IDLE_CODE, reason=reason)
                break
            # a run going is looked at again after IDLE_LIMIT: it may have ended meanwhile
            wait = IDLE_LIMIT if idle is None else IDLE_LIMIT - idle
            try:
                message = await asyncio.wait_for(websocket.receive(), wait)
            except TimeoutError:
                continue
            if message["type"] == "websocket.disconnect":
                break
            await live.handle(message.get("text"))
    except (WebSocketDisconnect, RuntimeError, TimeoutError):
        pass
    finally:
        free_place(tally)
        await live.end_run()  # the page has gone: its run stops with it
