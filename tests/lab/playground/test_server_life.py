"""The playground and the server's life: runs never hold a shutdown up, die with a killed
server, and the folders a killed server left behind are swept when the next one starts.

Each test starts ``neuronlab lab`` in a subprocess on 127.0.0.1, with its temporary folder
in the test's own ``tmp_path``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

SLEEPER = "import time\nprint('going', flush=True)\ntime.sleep(60)\n"


class Lab:
    """``neuronlab lab`` in a subprocess, on a free port of 127.0.0.1."""

    def __init__(self, tmp_path: Path, *flags: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "TMPDIR": str(tmp_path)}
        command = [sys.executable, "-m", "neuronlab", "lab", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--no-browser", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.base}/api/playground/status", trust_env=False).is_success:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"the lab did not start: {self.output()}")

    def start_run(self, sockets: contextlib.ExitStack):
        """Open a playground socket (closed with ``sockets``) and start the sleeper in it."""
        url = self.base.replace("http", "ws") + "/ws/playground"
        ws = sockets.enter_context(connect(url, open_timeout=10))
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        ws.send(json.dumps({"type": "run", "code": SLEEPER}))
        assert json.loads(ws.recv(timeout=30))["type"] == "started"
        assert json.loads(ws.recv(timeout=30)) == {"type": "stdout", "text": "going\n"}

    def output(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        return self.process.communicate(timeout=10)[0]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` on the host, by walking /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def left_alive(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    left = set(pids)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = {pid for pid in left if Path(f"/proc/{pid}").exists()}
    return left


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
@pytest.mark.parametrize("sandbox", ["auto", "none"])
def test_the_server_stops_promptly_with_runs_open(tmp_path, stop, sandbox):
    lab = Lab(tmp_path, "--playground-sandbox", sandbox)
    try:
        with contextlib.ExitStack() as sockets:
            lab.start_run(sockets)  # two pages, each with a run going
            lab.start_run(sockets)
            runs = descendants(lab.process.pid)
            assert len(runs) >= 2
            asked = time.monotonic()
            lab.process.send_signal(stop)
            lab.process.wait(10)
            took = time.monotonic() - asked
            print(f"stopped in {took:.2f} s")
    finally:
        lab.close()
    assert took < 2.0, f"the server took {took:.1f} s to stop"
    assert not left_alive(runs, 2.0)
    assert not list(tmp_path.glob("neuronlab-run-*"))  # the runs' folders went with them


def test_a_killed_server_takes_its_runs_along_and_the_next_one_sweeps_its_folders(tmp_path):
    # without the sandbox, where a run has a folder on the host
    lab = Lab(tmp_path, "--playground-sandbox", "none")
    try:
        with contextlib.ExitStack() as sockets:
            lab.start_run(sockets)
            runs = descendants(lab.process.pid)
            (folder,) = tmp_path.glob(f"neuronlab-run-{lab.process.pid}-*")
            lab.process.kill()  # kill -9: no clean-up at all
            lab.process.wait(10)
    finally:
        lab.close()
    assert not left_alive(runs, 5.0)  # the run died with the server
    assert folder.is_dir()  # ...but its folder is still there
    other = tmp_path / "neuronlab-run-notes"  # a folder of another kind, recent: kept
    other.mkdir()
    lab = Lab(tmp_path)
    try:
        assert not folder.exists()  # swept when the next server started
        assert other.is_dir()
    finally:
        lab.close()


def test_a_killed_server_takes_its_sandboxed_runs_along(tmp_path):
    lab = Lab(tmp_path, "--playground-sandbox", "bubblewrap")
    try:
        with contextlib.ExitStack() as sockets:
            lab.start_run(sockets)
            runs = descendants(lab.process.pid)
            assert len(runs) >= 3  # bubblewrap, its init, the run
            lab.process.kill()
            lab.process.wait(10)
    finally:
        lab.close()
    assert not left_alive(runs, 5.0)
