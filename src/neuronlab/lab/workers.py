"""Several lab processes behind one port (``neuronlab lab --workers N``).

Python runs one thread at a time per process, so one lab process keeps one core busy however
many learners train. ``run_workers`` starts N processes; each listens on the same port
(``SO_REUSEPORT``: the kernel spreads new connections over them) and serves its own sessions.
Nothing is shared between them but a private folder, in which each also listens on a Unix
socket of its own, and two counts over the whole lab: trainer sessions open
(``lab_sessions``) and overfitting sockets open (``lab_overfitting``), so that
``--max-sessions`` caps the lab, not each process.

The folder is named after the parent's process id (``neuronlab-workers-<pid>-...``), and
removed when the lab stops; a lab killed with ``kill -9`` leaves it behind, and the next lab
to start sweeps it (``sweep_leftover_folders``).

A trainer's WebSocket stays with the process that accepted it, but its model download and
upload are plain HTTP requests, which may reach another process. A session's id therefore
names its worker (``w01...``): a process asked about a session it does not hold forwards the
request, unchanged, to that worker's Unix socket (``forward``) and returns its answer.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.request

from fastapi import HTTPException, Request
from fastapi.responses import Response

from .leftovers import own_folders, running
from .settings import Settings

MAX_WORKERS = 64
FORWARDED = "x-neuronlab-forwarded"  # set on a forwarded request: never forwarded twice
STOP_WITHIN = 1.8  # seconds the workers get to stop before they are killed
FOLDER_PREFIX = "neuronlab-workers-"

# In a worker process: the number of training sessions, and of overfitting sockets, open in
# every worker of this lab, each a shared integer with its lock (``multiprocessing.Value``);
# None in a lab of one process.
_lab_sessions = None
_lab_overfitting = None


def lab_sessions():
    """The lab-wide count of open sessions (a ``multiprocessing.Value``), or None when this
    process is the whole lab. ``registry`` holds it against ``--max-sessions``."""
    return _lab_sessions


def lab_overfitting():
    """The lab-wide count of open overfitting sockets (a ``multiprocessing.Value``), or None
    when this process is the whole lab; held against ``--max-sessions`` as the sessions are."""
    return _lab_overfitting


def session_prefix(worker: int) -> str:
    """The start of every session id a worker hands out."""
    return f"w{worker:02d}"


def worker_of(session_id: str) -> int | None:
    """The worker that holds ``session_id``, from its prefix (None for a foreign id)."""
    if len(session_id) > 3 and session_id[0] == "w" and session_id[1:3].isdigit():
        return int(session_id[1:3])
    return None


def socket_path(folder: str, worker: int) -> str:
    return os.path.join(folder, f"worker-{worker:02d}.sock")


async def forward(request: Request, session_id: str) -> Response | None:
    """Hand a request about another worker's session to that worker; None when no other
    worker of this lab holds it (the caller answers 404)."""
    settings: Settings = request.app.state.settings
    worker = worker_of(session_id)
    if (
        settings.worker_dir is None
        or worker is None
        or worker == settings.worker
        or request.headers.get(FORWARDED)
    ):
        return None
    path = socket_path(settings.worker_dir, worker)
    if not os.path.exists(path):
        return None
    import httpx

    headers = [(k, v) for k, v in request.headers.items() if k.lower() != "content-length"]
    headers.append((FORWARDED, "1"))
    transport = httpx.AsyncHTTPTransport(uds=path)
    try:
        async with httpx.AsyncClient(transport=transport, timeout=15) as client:
            answer = await client.request(
                request.method,
                f"http://worker{request.url.path}",
                params=request.query_params,
                headers=headers,
                content=await request.body(),
            )
    except httpx.HTTPError:  # that worker died, or is too busy to answer in time
        raise HTTPException(
            503,
            "The lab process that holds this session is not answering: reload the page and "
            "train again.",
        ) from None
    kept = {
        k: v
        for k, v in answer.headers.items()
        if k.lower() in ("content-type", "content-disposition", "cache-control")
    }
    return Response(answer.content, status_code=answer.status_code, headers=kept)


# ------------------------------------------------------------------------ the processes
def _listen_shared(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _listen_private(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    os.chmod(path, 0o600)
    sock.listen(256)
    return sock


def _serve_worker(
    settings: Settings, worker: int, folder: str, sessions=None, overfitting=None
) -> None:
    """One worker process: the lab on the shared port and on its private socket;
    ``sessions`` and ``overfitting`` count the trainer sessions and the overfitting sockets
    open in every worker."""
    global _lab_sessions, _lab_overfitting
    import uvicorn

    from .app import create_app
    from .server import uvicorn_config

    settings.worker, settings.worker_dir = worker, folder
    _lab_sessions, _lab_overfitting = sessions, overfitting
    sockets = [
        _listen_shared(settings.host, settings.port),
        _listen_private(socket_path(folder, worker)),
    ]
    server = uvicorn.Server(uvicorn_config(create_app(settings), settings))
    try:
        server.run(sockets=sockets)
    except KeyboardInterrupt:  # Ctrl+C reaches every process of the terminal's group
        pass


def run_workers(settings: Settings, count: int, ready_url: str) -> int:
    """Run ``count`` worker processes until SIGINT or SIGTERM (or one of them dies); returns
    the exit status. ``ready_url`` is polled to say when the lab answers."""
    if not 2 <= count <= MAX_WORKERS:
        raise ValueError(f"workers must be between 2 and {MAX_WORKERS}, got {count}")
    folder = make_folder()
    sweep_leftover_folders(os.path.dirname(folder))  # this lab's own is named after a live pid
    context = multiprocessing.get_context("spawn")
    sessions = context.Value("i", 0)  # open in the whole lab: --max-sessions caps this
    overfitting = context.Value("i", 0)  # and this
    processes = [
        context.Process(
            target=_serve_worker,
            args=(settings, worker, folder, sessions, overfitting),
            name=f"neuronlab-lab-{worker}",
        )
        for worker in range(count)
    ]
    stop = threading.Event()
    reason: list[str] = []

    def on_signal(number, frame) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for process in processes:
            process.start()
        while not stop.wait(0.2):
            dead = [process for process in processes if not process.is_alive()]
            if dead:
                reason.append(f"worker {dead[0].name} exited with {dead[0].exitcode}")
                break
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: the worker closes its sessions and stops
        deadline = time.monotonic() + STOP_WITHIN
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(1)
        shutil.rmtree(folder, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if reason:
        print(f"neuronlab lab: stopping: {reason[0]}", file=sys.stderr, flush=True)
        return 1
    return 0


UNIX_PATH_MAX = 107  # bytes in a Unix socket's path (sun_path, less its final zero)


def make_folder() -> str:
    """The workers' private folder: 0700, this user's only, named after this process so that
    a later lab knows when it is stale. In the temporary directory, unless its path is too
    long for the sockets inside (a long ``TMPDIR``): then in /tmp."""
    prefix = f"{FOLDER_PREFIX}{os.getpid()}-"
    room = UNIX_PATH_MAX - len(prefix) - len("xxxxxxxx/worker-00.sock") - 1
    directory = None if len(tempfile.gettempdir().encode()) <= room else "/tmp"
    return tempfile.mkdtemp(prefix=prefix, dir=directory)


def sweep_leftover_folders(directory: str | None = None) -> list[str]:
    """Remove the workers' folders that labs left behind when they were killed (``kill -9``):
    this user's folders named after a process that is no longer running. A folder of an older
    version (no process id in its name) goes when none of its sockets answers. Returns what
    was removed."""
    removed = []
    for folder in own_folders(FOLDER_PREFIX, directory):
        stale = not running(folder.owner) if folder.owner is not None else not _answers(folder.path)
        if stale:
            shutil.rmtree(folder.path, ignore_errors=True)
            if not os.path.exists(folder.path):
                removed.append(folder.path)
    return removed


def _answers(folder: str) -> bool:
    """Whether a worker still listens on one of the sockets in ``folder``."""
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            if not name.endswith(".sock"):
                continue
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(1.0)
                try:
                    probe.connect(os.path.join(folder, name))
                except OSError:
                    continue
                return True
    return False


def wait_until_answering(url: str, timeout: float = 30.0) -> bool:
    """Poll ``url`` until it answers 200; False after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False
