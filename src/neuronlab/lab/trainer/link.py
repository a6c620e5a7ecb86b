"""The pacing between a training session and its WebSocket: ``SocketLink``.

Text messages are never dropped; frames are latest-wins, asked for only when the previous one
has gone out (and, for a client that acknowledges them, been drawn).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

from ..settings import Settings
from .session import TrainingSession

MAX_OUTBOX = 1000  # messages waiting for the client before its socket stops being read


class SocketLink:
    """Carries a session's messages and frames to one WebSocket.

    Only this object's ``run`` task writes to the socket. Text messages are never dropped;
    a frame is asked for only after the previous one has been sent and the frame interval
    has passed, so the newest weights are always what goes out. A client that acknowledges
    frames (``ack``, as the page does once it has drawn one) is sent the next only after its
    acknowledgement: a browser slower to draw than the server to send would otherwise build
    up seconds of frames in the socket's buffers, ahead of the answer to a Pause. That next
    frame is asked for as soon as the previous one is sent, so it is built while the page
    draws and goes out the moment the ack comes (with 30 sessions on two cores, waiting for
    the ack to ask cost half the frames). Every command is answered, so a client that
    sends without reading would grow the outbox without end: past
    ``MAX_OUTBOX`` messages, ``room`` is cleared and the socket is not read until they are
    sent. Once the client has gone (a send failed), ``closed`` is true and ``room`` set for
    good: the receive loop must stop then, not work through what a flooding client left
    queued ahead of its disconnect, whose replies nobody would ever send.
    """

    def __init__(self, websocket: WebSocket, settings: Settings) -> None:
        self.websocket = websocket
        self.loop = asyncio.get_running_loop()
        self.interval = 1.0 / settings.max_frame_rate
        self.outbox: deque[dict] = deque()
        self.room = asyncio.Event()  # set while the outbox has room for the replies to more
        self.room.set()
        self.wake = asyncio.Event()
        self.frame_ready = False
        self.frames_sent = 0
        self.requested_at = 0.0
        self.build_time = 0.0  # how long a frame takes to arrive once asked for (average)
        self.acknowledging = False  # the client acks its frames (from its first ack on)
        self.awaiting_ack = False  # a frame went out; the next is asked for on its ack
        self.closed = False  # the client has gone: nothing more will be sent
        self.session: TrainingSession | None = None

    # called from the session's thread
    def on_message(self, message: dict) -> None:
        self._soon(self.post, message)

    def on_frame(self) -> None:
        self._soon(self._frame_ready)

    def _soon(self, callback, *args) -> None:
        try:
            self.loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            pass  # the event loop has shut down: nobody is listening any more

    # called on the event loop
    def post(self, message: dict) -> None:
        self.outbox.append(message)
        if len(self.outbox) >= MAX_OUTBOX:
            self.room.clear()
        self.wake.set()

    def _frame_ready(self) -> None:
        self.frame_ready = True
        self.wake.set()

    def _request(self, session: TrainingSession) -> None:
        self.requested_at = time.perf_counter()
        session.request_frame()

    def ack(self) -> None:
        """The client drew a frame: the next may go (its first ack turns the pacing on)."""
        self.acknowledging = True
        if self.awaiting_ack:
            self.awaiting_ack = False
            self.wake.set()  # the next frame, built meanwhile, goes out now

    async def run(self, session: TrainingSession) -> None:
        self.session = session
        self._request(session)
        last_sent = 0.0
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while self.outbox:
                    await self.websocket.send_text(json.dumps(self.outbox.popleft()))
                self.room.set()
                if not self.frame_ready or self.awaiting_ack:
                    continue  # a frame built while the page draws waits for its ack
                self.frame_ready = False
                now = time.perf_counter()
                self.build_time += 0.2 * (
                    min(now - self.requested_at, self.interval) - self.build_time
                )
                frame = session.take_frame()
                wait = last_sent + self.interval - now
                if wait > 0:
                    await asyncio.sleep(wait)  # never faster than the frame rate
                last_sent = time.perf_counter()
                if frame is not None:
                    # set before sending: the ack may come back before send_bytes returns
                    acked_next = self.acknowledging
                    self.awaiting_ack = acked_next
                    await self.websocket.send_bytes(frame)
                    self.frames_sent += 1
                    if acked_next:
                        # the next is built while the page draws this one, and sent on the
                        # ack: a round trip no longer waits for a build, nor a build for it
                        self._request(session)
                        continue
                # ask early enough that the next frame is ready when its turn comes
                delay = last_sent + self.interval - self.build_time - time.perf_counter()
                self.loop.call_later(max(0.0, delay), self._request, session)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return  # the client went away; the receive loop cleans up
        finally:
            self.closed = True
            self.room.set()  # nothing will drain the outbox now: let the receive loop end
