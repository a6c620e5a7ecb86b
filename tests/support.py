"""Small helpers shared by test modules."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

STARTUP_TIMEOUT = 30.0  # seconds; generous for a loaded 2-core machine


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """asyncio.run in a thread of its own.

    Playwright's sync API keeps an event loop running in the main thread for the whole
    session once a browser test has run, and asyncio.run refuses to start inside it.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, log_path: str) -> None:
    """Poll ``url``'s trainer status until it answers; the log in the error if the server died."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path, encoding="utf-8", errors="replace") as log:
                raise RuntimeError(
                    f"the lab server exited with {process.returncode}:\n{log.read()}"
                )
        try:
            with urllib.request.urlopen(url + "api/trainer/status", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the lab server did not answer at {url} within {STARTUP_TIMEOUT} s")


@contextmanager
def lab_process(log_path: str | os.PathLike) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python -m neuronlab.lab`` on a free port (uvicorn, as users run it), polled until it
    answers; yields (base URL ending in "/", process) and stops it at the end, whatever
    happened. Its output goes to ``log_path``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "neuronlab.lab", "--port", str(port), "--no-browser"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        wait_until_ready(url, process, str(log_path))
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
