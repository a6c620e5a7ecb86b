"""The code playground: run the learner's Python in a sandboxed subprocess, stream its output.

``GET /api/playground/status``     on or off (and why), whether a token is needed, the limits
``GET /api/playground/examples``   the ready-made programs of the page's menu
``/ws/playground[?token=...]``     the runs of one page, one at a time

The socket speaks JSON text. Client -> server::

    {"type": "run", "code": "print(1)"}    start a run (refused while one is going)
    {"type": "stop"}                        kill the current run

Server -> client::

    {"type": "hello", "limits": {...}}
    {"type": "started"}
    {"type": "stdout" | "stderr", "text": "..."}    as the code prints, line by line
    {"type": "figure", "png": "<base64>"}            a matplotlib figure (plt.show() / the end)
    {"type": "done", "status": "ok" | "error" | "timeout" | ..., "message": "...", "seconds": s}
    {"type": "error", "code": "...", "detail": "..."}  a refused message; the socket stays open

When to run code at all: on when the server listens on loopback only; when it listens on
another address, only with a token (``Settings.playground_token``, printed at start-up)
and only inside the sandbox (bubblewrap), and ``Settings.allow_playground = False`` turns
it off everywhere. Closing the socket kills its run. The Origin of the handshake is checked
by the app's ``OriginGuard``.

The router's lifespan sweeps the run folders a killed server left behind when the app
starts, and kills every run when it stops, so that no run holds up a shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import os
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI, Request, WebSocket
from starlette.websockets import WebSocketDisconnect

from ..settings import Settings
from ..validation import read_json_object
from .examples import EXAMPLES
from .runner import Playground, PlaygroundBusy, PlaygroundRun
from .sandbox import sweep_leftover_folders


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    sweep_leftover_folders()
    try:
        yield
    finally:
        playground = getattr(app.state, "playground", None)
        if playground is not None:
            playground.stop_all()


router = APIRouter(tags=["playground"], lifespan=lifespan)

MAX_MESSAGE_CHARS = 200_000  # a run message carries the code (at most Limits.code_chars)


def playground_of(app: FastAPI) -> Playground:
    """The app's Playground (limits and running count), made on first use.

    Tests may set ``app.state.playground`` to one with shorter limits.
    """
    playground = getattr(app.state, "playground", None)
    if playground is None:
        settings: Settings = app.state.settings
        playground = app.state.playground = Playground(sandbox=settings.playground_sandbox)
    return playground


def refusal(
    settings: Settings, token: str | None, playground: Playground | None = None
) -> tuple[str, str] | None:
    """Why this client may not run code, as (code, sentence); None when it may."""
    playground = playground or Playground(sandbox=settings.playground_sandbox)
    if os.name != "posix":
        return "disabled", "The playground needs a POSIX system (Linux or macOS) to limit runs."
    if settings.exposed and not settings.playground_token:
        return "disabled", (
            "The playground is off because this server listens on the network. Run the lab "
            "on 127.0.0.1, or start it with --allow-playground and use the token it prints."
        )
    if not settings.allow_playground:
        return "disabled", "The playground is switched off on this server (--no-playground)."
    if not playground.sandboxed and (settings.exposed or playground.sandbox == "bubblewrap"):
        where = "listens on the network" if settings.exposed else "insists on the sandbox"
        return "disabled", (
            f"The playground is off because this server {where} and cannot sandbox runs: "
            f"{playground.check.problem}."
        )
    expected = settings.playground_token
    if expected:
        if not token:
            return "token", "This server needs the playground token printed when it started."
        if not hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
            return "token", "That playground token is not right: copy it from the server's output."
    return None


@router.get("/api/playground/status")
def playground_status(request: Request) -> dict:
    """Whether the playground runs code here, whether it wants a token, and its limits."""
    settings: Settings = request.app.state.settings
    playground = playground_of(request.app)
    problem = refusal(settings, "", playground)
    off = problem is not None and problem[0] == "disabled"
    return {
        "enabled": not off,
        "token_required": bool(settings.playground_token) and not off,
        "message": problem[1] if off else None,
        "limits": playground.limits.describe(),
        "max_runs": playground.max_runs,
        "running": len(playground.active),
        "sandboxed": playground.sandboxed,
    }


@router.get("/api/playground/examples")
def playground_examples() -> list[dict]:
    """The ready-made programs: name, title, code."""
    return [{"name": e.name, "title": e.title, "code": e.code} for e in EXAMPLES]


class Link:
    """Sends to one socket; a lock keeps the run's stream and the replies from interleaving."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.lock = asyncio.Lock()

    async def send(self, message: dict) -> None:
        async with self.lock:
            await self.websocket.send_text(json.dumps(message))

    async def error(self, code: str, detail: str) -> None:
        await self.send({"type": "error", "code": code, "detail": detail})


def parse_message(text: str | None, code_chars: int) -> dict:
    """A checked client message; ValueError with a sentence otherwise."""
    message = read_json_object(text, MAX_MESSAGE_CHARS, '{"type": "stop"}')
    if message.get("type") not in ("run", "stop"):
        raise ValueError('Each message is an object whose "type" is "run" or "stop".')
    if message["type"] == "run":
        code = message.get("code")
        if not isinstance(code, str):
            raise ValueError('A "run" message needs "code": the program as a string.')
        if len(code) > code_chars:
            raise ValueError(f"The program is longer than {code_chars} characters: shorten it.")
        try:
            code.encode("utf-8")  # it is saved to a file to run
        except UnicodeEncodeError:
            raise ValueError(
                "The program holds a character that is not valid text (a lone surrogate): "
                "delete it or type it again."
            ) from None
    return message


async def pump(link: Link, run: PlaygroundRun, playground: Playground) -> None:
    """Forward a run's events to the socket; free its place when it is done."""
    try:
        async for event in run.events():
            await link.send(event)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the page went away: the receive loop kills the run
    finally:
        await playground.finish(run)


@router.websocket("/ws/playground")
async def playground_socket(websocket: WebSocket) -> None:
    """The runs of one page, one at a time, for as long as the socket stays open."""
    settings: Settings = websocket.app.state.settings
    playground = playground_of(websocket.app)
    await websocket.accept()
    link = Link(websocket)
    problem = refusal(settings, websocket.query_params.get("token"), playground)
    if problem is not None:
        await link.error(*problem)
        await websocket.close(code=1008, reason=problem[0])
        return
    await link.send({"type": "hello", "limits": playground.limits.describe()})
    run: PlaygroundRun | None = None
    pumping: asyncio.Task | None = None
    try:
        while True:
            received = await websocket.receive()
            if received["type"] == "websocket.disconnect":
                break
            try:
                message = parse_message(received.get("text"), playground.limits.code_chars)
            except ValueError as error:
                await link.error("bad_message", str(error))
                continue
            if message["type"] == "stop":
                if run is not None and pumping is not None and not pumping.done():
                    run.stop()
                continue
            if pumping is not None and not pumping.done():
                if run is not None and run.running:
                    await link.error("running", "A run is going already: press Stop first.")
                    continue
                await pumping  # the last run has ended: let its final messages go out first
            try:
                run = playground.new_run(message["code"])
            except PlaygroundBusy as busy:
                await link.error("busy", str(busy))
                continue
            try:
                await run.start()
            except OSError as error:
                await playground.finish(run)
                await link.error("start_failed", f"The run could not start: {error}")
                continue
            await link.send({"type": "started"})
            pumping = asyncio.create_task(pump(link, run, playground))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        if run is not None:
            await playground.finish(run)  # kills it if it is still going
        if pumping is not None:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pumping
