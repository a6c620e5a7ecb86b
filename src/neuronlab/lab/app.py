"""The lab's web application: ``create_app(settings) -> FastAPI``.

What it serves
--------------
``GET /``                   the page: ``static/index.html`` with every ``static/sections/*.html``
                            spliced in, in file-name order, at the ``<!-- sections -->`` marker,
                            its links under ``/static/<version>/`` (``no-cache``: always re-checked)
``/static/<version>/...``   HTML, CSS and ES modules, no build step, cached for a year (a new
                            version is a new URL); plotly.js from the installed ``plotly`` package
                            (never copied) at ``vendor/plotly.min.js``. See ``assets.py``.
``/static/...``             the same files for old links, re-checked on every use
``/vendor/plotly.min.js``   plotly.js for old pages, which loaded it from here
``/api/...``, ``/ws/...``   the routers in ``ROUTERS``: the stateless widgets' (``api/``), the
                            live trainer's (``trainer/``) and the playground's (``playground/``)

Adding a widget's endpoints: create ``neuronlab/lab/api/<name>.py`` exporting ``router`` (a
``fastapi.APIRouter`` with paths under ``/api/<name>/``), import it below and add it to
``ROUTERS``. The imports are plain imports, so a missing or broken router stops the app from
starting instead of silently dropping a widget's API.

Every HTTP answer of 500 bytes or more goes gzipped to a client that accepts it (static files
from ``assets.py``'s cache, the rest through Starlette's ``GZipMiddleware``); WebSockets are
untouched.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from .api import (
    activations,
    backprop,
    deep_start,
    descent,
    forward,
    landscape,
    loss,
    options,
    overfitting,
    perceptron,
    race,
    source,
)
from .assets import PLOTLY_URL_PATH, AssetFiles, asset_version, versioned_page
from .playground import routes as playground_routes
from .security import OriginGuard
from .settings import Settings
from .trainer import routes as trainer_routes
from .trainer.registry import SessionRegistry
from .validation import (
    UNREADABLE_JSON,
    document_refusals,
    explain_validation_error,
    refused_fields,
)

__all__ = ["ROUTERS", "Settings", "create_app", "render_page"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
SECTIONS_MARKER = "<!-- sections -->"

# Every router the app serves, by name: the widgets' stateless APIs, the trainer, the playground.
ROUTERS = {
    "source": source.router,
    "trainer": trainer_routes.router,
    "options": options.router,
    "perceptron": perceptron.router,
    "activations": activations.router,
    "forward": forward.router,
    "loss": loss.router,
    "descent": descent.router,
    "race": race.router,
    "overfitting": overfitting.router,
    "playground": playground_routes.router,
    "backprop": backprop.router,
    "deep_start": deep_start.router,
    "landscape": landscape.router,
}


def render_page(static_dir: Path = STATIC_DIR) -> str:
    """The page: the shell with the sections spliced in at the marker, in file-name order."""
    shell = (static_dir / "index.html").read_text(encoding="utf-8")
    sections = sorted((static_dir / "sections").glob("*.html"))
    body = "\n".join(path.read_text(encoding="utf-8") for path in sections)
    return shell.replace(SECTIONS_MARKER, body, 1)


class HeadAsGet:
    """ASGI middleware answering HEAD as GET without the body (FastAPI routes list GET only,
    but HTTP wants HEAD wherever GET works: ``curl -I``, link checkers, uptime probes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: dict) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the lab's FastAPI application.

    Parameters
    ----------
    settings : Settings, optional
        Host, port, session cap and the rest; the defaults are safe.
    """
    settings = settings or Settings()
    sessions = SessionRegistry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        sessions.close_all()

    app = FastAPI(
        title="neuronlab lab",
        lifespan=lifespan,
        docs_url="/api/docs" if settings.debug else None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.sessions = sessions
    # innermost first: a HEAD answer carries the headers its GET would (gzip included)
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    app.add_middleware(OriginGuard, settings=settings)
    app.add_middleware(HeadAsGet)
    _install_error_handlers(app)

    # debug mode re-reads the files: none is cached for long, and the page is rendered anew
    version = asset_version(STATIC_DIR)
    app.state.static_version = version
    page_cache: list[str] = []

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        if settings.debug or not page_cache:
            page_cache[:] = [versioned_page(render_page(), version, STATIC_DIR)]
        return HTMLResponse(page_cache[0], headers={"Cache-Control": "no-cache"})

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> RedirectResponse:
        # where pages before versioned URLs loaded it from: sent on to today's (gzipped) copy
        return RedirectResponse(
            f"/static/{version}/{PLOTLY_URL_PATH}",
            status_code=307,
            headers={"Cache-Control": "no-cache"},
        )

    for router in ROUTERS.values():
        app.include_router(router)
    app.state.routers = list(ROUTERS)
    _document_refusals(app)
    app.mount(
        "/static",
        AssetFiles(STATIC_DIR, version, immutable=not settings.debug),
        name="static",
    )
    return app


def _document_refusals(app: FastAPI) -> None:
    """The OpenAPI schema shows the 422 body the handlers below really send."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            document_refusals(generate())  # FastAPI keeps the schema it made: change it once
        return app.openapi_schema

    app.openapi = openapi


def _install_error_handlers(app: FastAPI) -> None:
    """Every error is a 4xx with ``{"detail": "<what to fix>"}``; a refused request body also
    names the refused settings in ``fields``, for the page to mark them."""

    def invalid(errors) -> JSONResponse:
        body = {"detail": explain_validation_error(errors)}
        if fields := refused_fields(errors):
            body["fields"] = fields
        return JSONResponse(body, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid(exc.errors())

    @app.exception_handler(ValidationError)
    async def model_invalid(request: Request, exc: ValidationError) -> JSONResponse:
        return invalid(exc.errors())

    @app.exception_handler(HTTPException)
    async def http_refused(request: Request, exc: HTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, ValueError | RecursionError) and exc.status_code == 400:
            # FastAPI's "There was an error parsing the body" for JSON Python will not read
            return JSONResponse(
                {"detail": f"The request body should be {UNREADABLE_JSON}."}, status_code=400
            )
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "GET")
            return JSONResponse(
                {"detail": f"This address does not take {request.method} requests: use {allowed}."},
                status_code=405,
                headers={"Allow": allowed},
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(ValueError)
    async def engine_refused(request: Request, exc: ValueError) -> JSONResponse:
        # the engine's ValueErrors name the argument and what would fix it
        return JSONResponse({"detail": str(exc)}, status_code=400)
