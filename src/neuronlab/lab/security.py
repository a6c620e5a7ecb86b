"""Same-origin guard: the lab only takes orders from its own page.

A browser sends an ``Origin`` header with every WebSocket handshake and every POST. When
it is present and names another site, the request was made by someone else's page on the
learner's machine, so a handshake is refused (HTTP 403, close code 1008) and a
state-changing request gets a 403 with an explanation. Requests without ``Origin`` come
from programs (tests, curl, scripts), which a web page cannot forge.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from .settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _host_and_port(netloc: str, scheme: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port or DEFAULT_PORTS.get(scheme, 80)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port


def same_origin(origin: str, host_header: str | None, scope_scheme: str) -> bool:
    """True when ``origin`` (scheme://host:port) names the host and port in ``Host``."""
    if not host_header:
        return False
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https"):
        return False  # "null" (sandboxed frames, file://) and anything odd
    ours = _host_and_port(host_header, "https" if scope_scheme in ("https", "wss") else "http")
    theirs = _host_and_port(parts.netloc, parts.scheme)
    return ours is not None and ours == theirs


class OriginGuard:
    """ASGI middleware refusing cross-origin handshakes and state-changing requests."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket" or (kind == "http" and scope["method"] not in SAFE_METHODS):
            problem = self._problem(Headers(scope=scope), scope.get("scheme", "http"))
            if problem is not None:
                if kind == "websocket":
                    # closing before accepting makes the server answer the handshake with 403
                    await send({"type": "websocket.close", "code": 1008, "reason": problem})
                else:
                    await _send_json(send, 403, problem)
                return
            if kind == "http":
                await self._bounded_body(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _bounded_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the whole body first, refusing it once past the cap, then hand it on.

        Content-Length alone is not enough: a chunked request declares no length.
        """
        limit = self.settings.max_body_bytes
        too_large = f"The request body is larger than {limit} bytes."
        if self._too_large(Headers(scope=scope)):
            await _send_json(send, 413, too_large)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await _send_json(send, 413, too_large)
                return
        handed_on = False

        async def replay() -> dict:
            nonlocal handed_on
            if not handed_on:
                handed_on = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()  # after the body: wait for a disconnect, as usual

        await self.app(scope, replay, send)

    def _problem(self, headers: Headers, scheme: str) -> str | None:
        origin = headers.get("origin")
        if origin is None:
            return None
        host = headers.get("host", "")
        hostname = (_host_and_port(host, "http") or ("", 0))[0]
        if not same_origin(origin, host, scheme) or not self.settings.host_allowed(hostname):
            return "Cross-origin request refused: open the lab from its own address."
        return None

    def _too_large(self, headers: Headers) -> bool:
        length = headers.get("content-length")
        return (
            length is not None and length.isdigit() and int(length) > self.settings.max_body_bytes
        )


async def _send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
