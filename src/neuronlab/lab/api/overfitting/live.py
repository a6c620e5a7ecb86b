"""The overfitting lab, live: the engine trains while the page watches, and listens to it.

``/ws/overfitting``             one socket per open page, one run at a time on it
``GET /api/overfitting/live``   how many sockets and runs are open, and the cap

The run (``run.py``) is the one ``pictures.py`` computes in one go (the same points,
network, Adam and full-batch epochs), paced so a learner sees the curves grow: ``speed``
epochs a second, at most ``Settings.max_frame_rate`` messages a second, each carrying the
epochs trained since the last one and the boundary as it is now. Between two epochs the run
reads what the page changed: a new L2 strength applies from the next epoch on
(``Trainer.l2``), and early stopping at once (``Trainer.patience``; switched on after the
validation loss has already gone ``patience`` epochs without a new best, the run stops there
and restores the best).

Page -> server, JSON text, each an object with a ``type`` (validated in ``commands.py``):

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
holds a lock around everything that touches its network (``advance``, ``run_image``, the
``end`` message), so the end never reads half-updated weights and the thread never sees them
change. This module holds the socket, its cap and the messages; ``run.py`` the run itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass

from fastapi import APIRouter, Request, WebSocket
from starlette.websockets import WebSocketDisconnect

from ....engine.training import EpochReport
from ...workers import lab_overfitting
from ..widgets import number
from .commands import MAX_EPOCHS, Change, LiveConfig, Start, parse_command
from .pictures import boundary
from .run import Run, advance

router = APIRouter(tags=["overfitting"])

TIME_LIMIT = 120.0  # seconds of wall-clock time a run may take
MAX_EPOCHS_PER_MESSAGE = 100  # a run far behind its pace catches up in steps, never at once
SEND_TIMEOUT = 10.0  # a page that reads nothing for this long is closed
IDLE_LIMIT = 120.0  # seconds a socket may stay open with no run going
IDLE_CODE = 4000  # the close code of an idle socket: the page reconnects quietly on Train


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


# --- what a run sends (its state and pace are run.py's) --------------------------------------
def row(report: EpochReport, l2: float) -> dict:
    return {
        "epoch": report.epoch,
        "train_loss": number(report.train_loss, 5) if report.train_loss is not None else None,
        "val_loss": number(report.val_loss, 5) if report.val_loss is not None else None,
        "train_accuracy": number(report.train_accuracy, 4),
        "val_accuracy": number(report.val_accuracy, 4),
        "l2": l2,
    }


def run_image(run: Run) -> str:
    """The boundary as the run's network draws it now (waits for an engine thread)."""
    with run.engine:
        return boundary(run.network, run.bounds, run.config.grid)


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
                "image": await asyncio.to_thread(run_image, run),
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
                image = await asyncio.to_thread(run_image, run)
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
