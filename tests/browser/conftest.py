"""The real lab server for browser tests: uvicorn in a subprocess on a free localhost port.

``lab_url`` is session-scoped and shared by every browser test: the server starts once
(``python -m neuronlab.lab --port N --no-browser``, the same code path as ``neuronlab lab``),
is polled until it answers, and is stopped at the end. Its output goes to
``tests/artifacts/lab-server.log``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

STARTUP_TIMEOUT = 30.0  # seconds; generous for a loaded 2-core machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, log_path: str) -> None:
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


@pytest.fixture(scope="session")
def lab_url(artifacts_dir) -> str:
    """Base URL (ending in "/") of a real lab server started for this test session."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = os.path.join(artifacts_dir, "lab-server.log")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "neuronlab.lab", "--port", str(port), "--no-browser"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        wait_until_ready(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
