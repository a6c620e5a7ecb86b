"""The live trainer: a WebSocket per session, plus the model download.

``/ws/train``                        the session (protocol in ``trainer/protocol.py``, frames in
                                     ``trainer/view.py``, pacing in ``trainer/link.py``)
``GET /api/trainer/status``          how many sessions are open, and the cap
``GET /api/trainer/{id}/model.npz``  the session's current network, saved by the engine (a
                                     worker asked about another's session forwards it there)
``POST /api/trainer/{id}/model.npz`` a saved model (``neuronlab train --out``, a download)
                                     for the session to show and train from here on

The controls' choices, defaults and bounds reach the page with everything else it shares
with the server, in ``GET /api/options`` (``api/options.py``).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request, WebSocket
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.websockets import WebSocketDisconnect

from ..settings import Settings
from ..workers import forward
from . import protocol as p
from .link import SocketLink
from .registry import LabBusy
from .view import error_message

router = APIRouter(tags=["trainer"])

MAX_QUEUED_COMMANDS = 200


@router.websocket("/ws/train")
async def train_socket(websocket: WebSocket) -> None:
    """One live training session for as long as the socket stays open."""
    registry = websocket.app.state.sessions
    settings: Settings = websocket.app.state.settings
    await websocket.accept()
    link = SocketLink(websocket, settings)
    try:
        session = registry.open(link.on_message, link.on_frame)
    except LabBusy as busy:
        await websocket.send_text(
            json.dumps({"type": "error", "code": "busy", "detail": str(busy)})
        )
        await websocket.close(code=1013, reason="busy")
        return
    link.post(
        {
            "type": "hello",
            "protocol": 1,
            "session": session.id,
            "model_url": f"{settings.node_prefix}/api/trainer/{session.id}/model.npz",
            "max_frame_rate": settings.max_frame_rate,
        }
    )
    sender = asyncio.create_task(link.run(session))
    try:
        while True:
            await link.room.wait()  # a client that does not read its replies is not read
            if link.closed:
                break  # it has gone: what it sent before dropping is not worth reading
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            try:
                command = p.parse_command(message.get("text"))
                if isinstance(command, p.Ack):
                    link.ack()  # for the link, not the session
                    continue
                if session.pending >= MAX_QUEUED_COMMANDS:
                    raise p.CommandError(
                        "Too many commands at once: wait for the next frame.",
                        reply_to=getattr(command, "seq", None),
                    )
            except p.CommandError as error:
                link.post(error_message(str(error), error.fields, error.reply_to))
                continue
            session.submit(command)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        sender.cancel()
        registry.close(session, wait=False)  # at once, even if this task is being cancelled
        link.session = None  # no cycle between the two outlives the connection
        await asyncio.to_thread(session.close)


@router.get("/api/trainer/status")
def trainer_status(request: Request) -> dict:
    """Open sessions and the cap (a full lab answers "busy" on the socket); with
    ``--workers``, those of the worker process that answered, which ``worker`` numbers."""
    registry = request.app.state.sessions
    settings = request.app.state.settings
    return {
        "sessions": len(registry),
        "max_sessions": settings.max_sessions,
        "worker": settings.worker,
    }


@router.get("/api/trainer/{session_id}/model.npz")
async def download_model(
    request: Request,
    session_id: str = PathParam(pattern=r"^[A-Za-z0-9_-]{8,64}$"),
) -> Response:
    """The session's network as it is now, in the engine's .npz format (read it with
    ``neuronlab.engine.load``)."""
    session = request.app.state.sessions.get(session_id)
    if session is None:
        if (answer := await forward(request, session_id)) is not None:
            return answer  # another worker process holds it
        raise HTTPException(
            404, "No open training session has this id: it closes with its page. Train again."
        )
    try:
        network, metadata = await asyncio.wait_for(asyncio.wrap_future(session.snapshot()), 10)
    except (TimeoutError, asyncio.CancelledError):
        raise HTTPException(503, "The session is busy; try the download again.") from None
    data = await asyncio.to_thread(_saved_bytes, network, metadata)
    epoch = metadata.get("epoch", 0)
    name = f"neuronlab-trainer-epoch{epoch}.npz"
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/api/trainer/{session_id}/model.npz")
async def upload_model(
    request: Request,
    session_id: str = PathParam(pattern=r"^[A-Za-z0-9_-]{8,64}$"),
    name: str = Query("the model", max_length=200),
) -> dict:
    """Train a saved model from here on: the body is the .npz file itself (at most the lab's
    body limit, 1 MB). Answers with the config that shows it; the page also hears it on its
    socket, with a status line saying what was loaded."""
    from neuronlab.engine.serialise import load_bytes

    session = request.app.state.sessions.get(session_id)
    if session is None:
        if (answer := await forward(request, session_id)) is not None:
            return answer  # another worker process holds it
        raise HTTPException(
            404, "No open training session has this id: it closes with its page. Reload it."
        )
    body = await request.body()
    if not body:
        raise HTTPException(422, "Send the model file (.npz) as the request body.")
    try:
        network, metadata = await asyncio.to_thread(load_bytes, body, name)
        features = saved_features(metadata)
        loading = session.load_model(network, name, features)
        config = await asyncio.wait_for(asyncio.wrap_future(loading), 10)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    except (TimeoutError, asyncio.CancelledError):
        raise HTTPException(503, "The session is busy; try loading the model again.") from None
    return {"config": config.model_dump()}


def saved_features(metadata) -> list[str] | None:
    """The input features a model file names (a trainer download keeps its config), or None
    when it does not say (a model from ``neuronlab train`` or from Python)."""
    config = metadata.get("config") if isinstance(metadata, dict) else None
    features = config.get("features") if isinstance(config, dict) else None
    if not isinstance(features, list):
        return None
    return [str(name) for name in features]


def _saved_bytes(network, metadata: dict) -> bytes:
    from neuronlab.engine.serialise import save

    with tempfile.TemporaryDirectory() as folder:
        path = save(network, Path(folder) / "model.npz", metadata=metadata)
        return path.read_bytes()
