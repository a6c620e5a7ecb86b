"""The page's files on the wire: versioned URLs, long cache lifetimes, gzip.

URLs
----
``/static/<version>/js/main.js``   the current files; ``<version>`` is the package version and a
                                   hash of every file under ``static/`` and of plotly's version
                                   (``0.1.0-3f2a9c1b7e``), so a changed file gets a new URL and
                                   the old one may be kept for a year: ``Cache-Control: public,
                                   max-age=31536000, immutable``. The page links only these, and
                                   the ES modules import each other by relative paths, so every
                                   module is fetched under the same version.
``/static/js/main.js``             the same file for an old bookmark or a page from before an
                                   upgrade: served, but re-checked on every use (``no-cache``).
                                   So is a version segment that is not the current one.
``/static/<version>/vendor/plotly.min.js``  plotly.js from the installed ``plotly`` package.

Compression
-----------
Files of a text type are sent gzipped to a client that accepts gzip. Each is compressed once
(at the highest level, in a worker thread) and kept in memory, keyed by its size and mtime, so
a class of thirty fetching plotly.js costs one compression, not thirty, and the event loop that
paces the trainers' frames never compresses 4.8 MB itself. The gzipped body carries a weak
ETag (``W/"..."``): the same file, another encoding. JSON answers of the API are compressed
by Starlette's ``GZipMiddleware`` in ``app.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.util
import os
import re
from pathlib import Path

import anyio
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.routing import get_route_path
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from neuronlab import __version__

__all__ = [
    "IMMUTABLE",
    "REVALIDATE",
    "AssetFiles",
    "asset_version",
    "plotly_path",
    "versioned_page",
]

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
PLOTLY_URL_PATH = "vendor/plotly.min.js"  # under /static/<version>/, beside js/ and css/
# "0.1.0-3f2a9c1b7e": the package version, a dash, ten hex digits of the contents' hash
VERSION_SEGMENT = re.compile(r"\d[0-9A-Za-z.+]*-[0-9a-f]{10}")
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MODULES_MARKER = "<!-- module preloads -->"
MINIMUM_SIZE = 500  # bytes: below this gzip's own header and footer eat the gain


def plotly_path() -> Path:
    """Where the installed plotly package keeps plotly.min.js (found without importing it)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package is not installed: pip install plotly")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


def asset_version(static_dir: Path) -> str:
    """``<package version>-<10 hex digits>``: changes whenever a file under ``static_dir``, the
    package version or plotly's version changes."""
    digest = hashlib.sha256()
    try:
        digest.update(importlib.metadata.version("plotly").encode())
    except importlib.metadata.PackageNotFoundError:
        digest.update(b"no plotly")
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(static_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"{__version__}-{digest.hexdigest()[:10]}"


def versioned_page(html: str, version: str, static_dir: Path | None = None) -> str:
    """The page with every ``"/static/...`` link moved under ``/static/<version>/``, and a
    ``modulepreload`` link for every ES module under ``static_dir/js`` at the
    ``<!-- module preloads -->`` marker.

    The modules import one another four deep (main.js, api.js, a widget, its parts); told of
    them all at once, the browser fetches them side by side instead of one level at a time.
    """
    if static_dir is not None and MODULES_MARKER in html:
        modules = sorted(
            path.relative_to(static_dir).as_posix() for path in (static_dir / "js").rglob("*.js")
        )
        links = "\n".join(f'<link rel="modulepreload" href="/static/{name}">' for name in modules)
        html = html.replace(MODULES_MARKER, links, 1)
    return html.replace('="/static/', f'="/static/{version}/')


class AssetFiles(StaticFiles):
    """``static/`` (and plotly.js) under a version segment, cached for a year, sent gzipped.

    Parameters
    ----------
    directory : Path
        The ``static`` folder.
    version : str
        The current version segment, from :func:`asset_version`.
    immutable : bool
        False in debug mode, where files change under a running server: every answer is then
        ``no-cache`` (re-checked with its ETag, a cheap 304 when unchanged).
    """

    def __init__(self, directory: Path, version: str, immutable: bool = True) -> None:
        super().__init__(directory=directory)
        self.version = version
        self.immutable = immutable
        self._gzipped: dict[str, tuple[tuple[int, int], bytes]] = {}
        self._compressing: dict[str, anyio.Lock] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        path, cache_control = self.resolve(get_route_path(scope))
        if path == PLOTLY_URL_PATH:
            response = self.plotly_response(scope)
        else:
            response = await self.get_response(os.path.normpath(path or "."), scope)
        if isinstance(response, FileResponse) and accepts_gzip(scope):
            response = await self.gzip_response(response)
        response.headers["Cache-Control"] = cache_control
        await response(scope, receive, send)

    def resolve(self, route_path: str) -> tuple[str, str]:
        """The file's path under ``static/`` and the Cache-Control its URL deserves."""
        first, _, rest = route_path.lstrip("/").partition("/")
        if first == self.version:
            return rest, IMMUTABLE if self.immutable else REVALIDATE
        if VERSION_SEGMENT.fullmatch(first):  # a page from another version of the lab
            return rest, REVALIDATE
        return route_path.lstrip("/"), REVALIDATE

    def plotly_response(self, scope: Scope) -> Response:
        path = plotly_path()
        return self.file_response(path, path.stat(), scope)

    async def gzip_response(self, response: FileResponse) -> Response:
        """The same file gzipped, when its type compresses and no byte range was asked."""
        media_type = response.headers.get("content-type", "")
        size = int(response.headers.get("content-length", "0"))
        if not media_type.startswith(COMPRESSIBLE) or size < MINIMUM_SIZE:
            return response
        body = await self.gzipped(str(response.path), response.stat_result)
        headers = {
            key: value
            for key, value in response.headers.items()
            if key not in ("content-length", "etag", "accept-ranges")
        }
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
        headers["ETag"] = f"W/{response.headers['etag']}"
        return Response(body, status_code=response.status_code, headers=headers)

    async def gzipped(self, path: str, stat_result: os.stat_result) -> bytes:
        """The file gzipped, compressed once: requests that arrive while it is being
        compressed (a class opening the trainer together) wait for that one compression."""
        key = (stat_result.st_size, stat_result.st_mtime_ns)
        lock = self._compressing.setdefault(path, anyio.Lock())
        async with lock:
            cached = self._gzipped.get(path)
            if cached is None or cached[0] != key:
                cached = (key, await anyio.to_thread.run_sync(_gzip_file, path))
                self._gzipped[path] = cached
        return cached[1]


def accepts_gzip(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    if "range" in headers:  # a byte range is of the file itself: leave it to FileResponse
        return False
    for offer in headers.get("accept-encoding", "").lower().split(","):
        name, _, params = offer.partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _gzip_file(path: str) -> bytes:
    with open(path, "rb") as handle:
        # mtime=0: the same file always gives the same bytes
        return gzip.compress(handle.read(), compresslevel=9, mtime=0)
