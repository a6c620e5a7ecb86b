"""What a playground run sends back: the child's frames, checked and capped, queued for the page.

The child (``child.py``) writes frames on a pipe: one byte kind, four bytes
big-endian length, payload. ``o`` stdout text and ``e`` stderr text (UTF-8, 64 kB a frame at
most: the child splits longer text), ``f`` a PNG, ``d`` the done JSON (how the code ended).
A frame of another kind, or longer than any limit allows, is unreadable and stops the run.
What the child writes to its own fd 1 and 2 (C libraries, crashes, Python's start-up)
arrives as stderr text.

``RunOutput`` turns both into the events the page receives, ``{"type": "stdout" | "stderr",
"text": ...}`` and ``{"type": "figure", "png": <base64>}``, within the run's limits: text
past ``output_bytes`` stops the run, and figures past ``max_figures`` or ``figure_bytes``
are left out with a note. Text events that queue up are merged as they are read, so a
program that prints fast sends a few large messages rather than many small ones.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import contextlib
import json
import struct
from collections.abc import AsyncIterator, Callable

from .sandbox import Limits

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEADER = struct.Struct(">cI")
FRAME_KINDS = {b"o": "stdout", b"e": "stderr", b"f": "figure", b"d": "done"}
MAX_DONE_BYTES = 10_000
MAX_TEXT_FRAME = 65_536  # the child splits longer text
COALESCE_CHARS = 65_536  # text events merged into one message up to this many characters


class RunOutput:
    """The events of one run, from the child's pipes to the page.

    Parameters
    ----------
    limits : the run's limits (output and figures)
    kill : called with the reason, ``"output"`` or ``"channel"``, when the run must stop
    """

    def __init__(self, limits: Limits, kill: Callable[[str], None]) -> None:
        self.limits = limits
        self.done: dict | None = None  # the child's own account of how the code ended
        self._kill = kill
        self._queue: asyncio.Queue[dict] = asyncio.Queue()
        self._output_used = 0
        self._figures = 0
        self._figure_note = False
        # a frame may end inside a character: decode each stream incrementally
        self._decoders = {
            kind: codecs.getincrementaldecoder("utf-8")("replace") for kind in ("stdout", "stderr")
        }

    async def events(self) -> AsyncIterator[dict]:
        """Output, figures and finally one ``done`` event; text is merged as it queues up."""
        held: dict | None = None  # taken from the queue while merging, but of another kind
        while True:
            event, held = held or await self._queue.get(), None
            if event["type"] in ("stdout", "stderr"):
                while len(event["text"]) < COALESCE_CHARS and not self._queue.empty():
                    following = self._queue.get_nowait()
                    if following["type"] != event["type"]:  # merge only the same stream
                        held = following
                        break
                    event = {"type": event["type"], "text": event["text"] + following["text"]}
            yield event
            if event["type"] == "done":
                return

    def end(self, done_event: dict) -> None:
        """Queue the run's last event, after which ``events()`` stops."""
        self._queue.put_nowait(done_event)

    async def read_channel(self, reader: asyncio.StreamReader) -> None:
        """The child's frames, until the pipe closes or a frame is unreadable."""
        largest = max(self.limits.figure_bytes, MAX_TEXT_FRAME, MAX_DONE_BYTES)
        while True:
            try:
                header = await reader.readexactly(HEADER.size)
            except asyncio.IncompleteReadError:
                return
            kind, length = HEADER.unpack(header)
            if kind not in FRAME_KINDS or length > largest:
                self._kill("channel")
                return
            try:
                payload = await reader.readexactly(length)
            except asyncio.IncompleteReadError:
                return
            self._frame(FRAME_KINDS[kind], payload)

    async def read_raw(self, stream: asyncio.StreamReader | None) -> None:
        """What the child writes to its own fd 1 and 2 (C libraries, crashes, start-up)."""
        if stream is None:
            return
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while True:
            chunk = await stream.read(65_536)
            if not chunk:
                return
            self._text("stderr", decoder.decode(chunk))

    def _frame(self, kind: str, payload: bytes) -> None:
        if kind in ("stdout", "stderr"):
            self._text(kind, self._decoders[kind].decode(payload))
        elif kind == "figure":
            self._figure(payload)
        elif kind == "done" and self.done is None and len(payload) <= MAX_DONE_BYTES:
            with contextlib.suppress(ValueError):
                done = json.loads(payload)
                if isinstance(done, dict):
                    self.done = done

    def _text(self, kind: str, text: str) -> None:
        if not text or self._output_used >= self.limits.output_bytes:
            return  # past the cap: the run has been stopped for printing too much
        size = len(text.encode("utf-8"))
        room = self.limits.output_bytes - self._output_used
        if size > room:
            text = text.encode("utf-8")[: max(room, 0)].decode("utf-8", "ignore")
            size = self.limits.output_bytes - self._output_used
        self._output_used += size
        if text:
            self._queue.put_nowait({"type": kind, "text": text})
        if self._output_used >= self.limits.output_bytes:
            self._kill("output")

    def _figure(self, png: bytes) -> None:
        if not png.startswith(PNG_SIGNATURE):
            self._text("stderr", "(a figure could not be shown: it was not a PNG image)\n")
            return
        if len(png) > self.limits.figure_bytes:
            self._text("stderr", "(a figure was too large to show)\n")
            return
        if self._figures >= self.limits.max_figures:
            if not self._figure_note:
                self._figure_note = True
                self._text("stderr", f"(only the first {self.limits.max_figures} figures shown)\n")
            return
        self._figures += 1
        self._queue.put_nowait({"type": "figure", "png": base64.b64encode(png).decode("ascii")})
