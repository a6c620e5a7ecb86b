"""Start the lab: ``run_lab(host, port, open_browser)`` (what ``neuronlab lab`` calls)."""

from __future__ import annotations

import socket
import sys
import threading
import time
import webbrowser

from .playground import bubblewrap
from .settings import ANY_HOST, Settings

SWITCH_INTERVAL = 0.0005  # seconds (Python's default is 0.005)


def lab_url(host: str, port: int) -> str:
    """The address to open in a browser for a server bound to ``host``."""
    if host in ANY_HOST:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(
                f"cannot listen on {host}:{port} ({error.strerror or error}): "
                "is the lab already running? Pick another port with --port."
            ) from None


def run_lab(
    host: str = "127.0.0.1",
    port: int = 8765,
    open_browser: bool = True,
    settings: Settings | None = None,
    workers: int = 1,
) -> int:
    """Serve the lab until interrupted (Ctrl+C); returns the exit status.

    Prints the URL, opens it in the default browser once the server answers (unless
    ``open_browser`` is false), and runs uvicorn: in this process, or in ``workers``
    processes behind the one port (``lab/workers.py``). Raises OSError with a sentence when
    the port is taken.
    """
    settings = settings or Settings(host=host, port=port)
    settings.host, settings.port = host, port
    if settings.exposed and settings.playground_token is None:
        settings.allow_playground = False  # running code for strangers needs a token
    _check_port_free(host, port)

    import uvicorn

    from .app import create_app

    app = create_app(settings)
    url = lab_url(host, port)
    config = uvicorn_config(app, settings)
    server = uvicorn.Server(config)
    print(f"neuronlab lab: {url}  (Ctrl+C to stop)", flush=True)
    if settings.exposed:
        print(
            f"warning: listening on {host}, so other machines can reach the lab",
            file=sys.stderr,
        )
    sandbox_note = playground_sandbox_note(settings)
    if sandbox_note:
        print(sandbox_note, file=sys.stderr, flush=True)
    elif settings.allow_playground and settings.playground_token:
        token = settings.playground_token
        print(f"playground token: {token}  (or open {url}?token={token}#playground)", flush=True)
    if workers > 1:
        return _run_workers(settings, workers, url, open_browser)
    if open_browser:
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
    server.run()
    return 0


def uvicorn_config(app, settings: Settings):
    """How uvicorn serves the lab, in one process or in each worker."""
    import uvicorn

    # Session threads hold the GIL in turns of this many seconds. The event loop, which sends
    # every frame, gives it up at each system call and then waits a turn to get it back: at
    # the default 5 ms, 15 training sessions in one process left it a few hundred turns a
    # second, and the frames collapsed while the cores were half idle.
    sys.setswitchinterval(SWITCH_INTERVAL)

    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        # frames are mostly smooth bytes: compressing them (the browser inflates them
        # natively) brings a trainer frame from about 11 kB to about 6 kB
        ws_per_message_deflate=True,
        ws_max_size=1_000_000,
        lifespan="on",
        # on SIGTERM or Ctrl+C, connections get a second to close before their tasks are
        # cancelled: the server stops within two seconds whatever its clients do
        timeout_graceful_shutdown=1,
    )


def _run_workers(settings: Settings, workers: int, url: str, open_browser: bool) -> int:
    from .workers import run_workers, wait_until_answering

    print(f"neuronlab lab: {workers} worker processes share the port", flush=True)

    def open_when_ready() -> None:
        if wait_until_answering(url + "api/trainer/status"):
            webbrowser.open(url)

    if open_browser:
        threading.Thread(target=open_when_ready, daemon=True).start()
    return run_workers(settings, workers, url)


def playground_sandbox_note(settings: Settings) -> str | None:
    """What to print when the playground is on but cannot sandbox its runs, or None."""
    if not settings.allow_playground or (settings.exposed and not settings.playground_token):
        return None  # off anyway
    if settings.playground_sandbox == "none":
        check = bubblewrap.SandboxCheck(None, "--playground-sandbox none")
    else:
        check = bubblewrap.check()
    if check.available:
        return None
    if settings.exposed or settings.playground_sandbox == "bubblewrap":
        return f"warning: the code playground is off: it cannot sandbox runs here ({check.problem})"
    return (
        f"warning: the code playground runs code without its sandbox ({check.problem}): "
        "fine for one learner on this machine, not for a class (see docs/security.md)"
    )


def _open_when_started(server, url: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        webbrowser.open(url)
