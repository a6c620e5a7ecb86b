"""The playground's operating-system sandbox (bubblewrap): the bypasses of the audit hook work
inside it, and reach nothing.

Each bypass first switches the hook off (and the test checks that it did: the attempt gets
past the hook, to the kernel), then tries what a bypass is for: read and write a file of the
host's, write outside its folder, connect to a server this test runs on 127.0.0.1, read the
server's environment (also through /proc), leave a process behind, signal the server. The
test then looks on the host: the canary is unread and unchanged, nothing was written, the
listener saw no connection, no process is left, the server still answers.

These tests need bubblewrap (``scripts/test.sh`` installs it): without it they fail, they
are not skipped.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from neuronlab.lab.app import create_app
from neuronlab.lab.playground import bubblewrap, seccomp
from neuronlab.lab.playground.examples import EXAMPLES
from neuronlab.lab.playground.runner import Limits, Playground
from neuronlab.lab.settings import Settings

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux's"),
]

ROOMY = Limits(wall_seconds=30.0)


def sandboxed_client(limits: Limits = ROOMY) -> TestClient:
    """An app whose playground insists on the sandbox: without bubblewrap it refuses to run."""
    app = create_app(Settings(playground_sandbox="bubblewrap"))
    app.state.playground = Playground(limits, sandbox="bubblewrap")
    return TestClient(app)


def run_code(client: TestClient, code: str) -> tuple[str, dict]:
    """Run one program on a fresh socket: (everything it printed, its done event)."""
    with client.websocket_connect("/ws/playground") as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello", hello
        ws.send_json({"type": "run", "code": code})
        text = []
        while True:
            message = ws.receive_json()
            if message["type"] in ("stdout", "stderr"):
                text.append(message["text"])
            if message["type"] == "done":
                return "".join(text), message


def host_processes_with(marker: str) -> list[int]:
    """Processes on the host whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_this_machine_sandboxes_runs():
    check = bubblewrap.check()
    assert check.available, check.problem  # scripts/test.sh installs bubblewrap
    assert seccomp.program() is not None  # x86-64 or AArch64


# --- ways round the audit hook ----------------------------------------------------------
# Each ends with the hook unable to stop what follows (events, paths, or both).
FRAME_TRICK = """
import os
try:
    os.system("true")
except PermissionError as e:
    e.__traceback__.tb_next.tb_frame.f_locals["refused_events"].clear()
"""
ABSPATH_PATCH = """
import os, posixpath
here = os.getcwd()
posixpath.abspath = lambda path: here  # every path now looks like the folder itself
"""
# raw memory: the refused events stay in their dict, but with each name's cached hash
# rewritten by ctypes.memmove no event is found there any more
MEMMOVE = """
import ctypes, os, sys
try:
    os.system("true")
except PermissionError as e:
    refused = e.__traceback__.tb_next.tb_frame.f_locals["refused_events"]
for name in list(refused):
    other = (hash(name) + 1).to_bytes(8, sys.byteorder, signed=True)
    ctypes.memmove(id(name) + 24, other, 8)  # PyASCIIObject.hash, 64-bit CPython
"""
BYPASSES = {
    "traceback frame": FRAME_TRICK,
    "posixpath.abspath": ABSPATH_PATCH,
    "ctypes.memmove": MEMMOVE,
    "frame and abspath together": FRAME_TRICK + ABSPATH_PATCH,
}
# which of them let events (processes, sockets, signals) and paths past the hook
OPENS_EVENTS = {"traceback frame", "ctypes.memmove", "frame and abspath together"}
OPENS_PATHS = {"posixpath.abspath", "frame and abspath together"}

ATTEMPTS = """
import json, os, socket
report = {{}}
def attempt(name, action):
    try:
        report[name] = ["ok", repr(action())]  # whole: the test looks for a secret in it
    except BaseException as error:
        report[name] = [type(error).__name__, str(error)]
def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return pid
def every_environ():
    return [open(f"/proc/{{p}}/environ", "rb").read().decode("utf-8", "replace")
            for p in os.listdir("/proc") if p.isdigit()]
attempt("read canary", lambda: open({canary!r}).read())
attempt("write canary", lambda: open({canary!r}, "a").write("changed"))
attempt("write beside it", lambda: open({outside!r}, "w").write("escaped"))
attempt("write root", lambda: open("/escaped-{marker}", "w").write("escaped"))
attempt("write usr", lambda: open("/usr/escaped-{marker}", "w").write("escaped"))
attempt("connect", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=3).close())
attempt("environment", lambda: dict(os.environ))
attempt("proc environ", every_environ)
attempt("fork", fork)
LEFT = ["sh", "-c", "sleep 600; : {marker}"]
attempt("leave a process", lambda: os.posix_spawn("/bin/sh", LEFT, {{}}))
attempt("signal the server", lambda: os.kill({server}, 0))
attempt("list root", lambda: sorted(os.listdir("/")))
attempt("who", lambda: (os.getuid(), os.getgid(), os.getpid()))
print("REPORT" + json.dumps(report))
"""


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        deadline = time.monotonic() + 170
        while self.running and time.monotonic() < deadline:
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(5)
        self.socket.close()


@pytest.fixture
def listener():
    server = Listener()
    # the listener works: this process can reach it
    socket.create_connection(("127.0.0.1", server.port), timeout=3).close()
    deadline = time.monotonic() + 5
    while server.accepted < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.accepted == 1
    yield server
    server.close()


@pytest.mark.parametrize("bypass", BYPASSES)
def test_a_bypass_of_the_hook_reaches_nothing(bypass, tmp_path, listener, monkeypatch):
    secret = f"SERVER-SECRET-{uuid.uuid4().hex}"
    monkeypatch.setenv("NEURONLAB_TEST_SECRET", secret)  # the server's environment
    canary_text = f"CANARY-{uuid.uuid4().hex}"
    canary = tmp_path / "canary.txt"
    canary.write_text(canary_text)
    canary.chmod(0o666)  # the file's own rights would let anyone read and write it
    outside = tmp_path / "escaped.txt"
    marker = uuid.uuid4().hex
    code = BYPASSES[bypass] + ATTEMPTS.format(
        canary=str(canary),
        outside=str(outside),
        marker=marker,
        port=listener.port,
        server=os.getpid(),
    )
    with sandboxed_client() as client:
        printed, done = run_code(client, code)
        assert client.get("/api/playground/status").json()["running"] == 0
    assert done["status"] == "ok", (done, printed[-2000:])
    report = json.loads(printed.split("REPORT", 1)[1])

    def refused_by_the_hook(name: str) -> bool:
        return report[name][1].startswith("the playground")

    # the bypass worked: what it unlocks got past the hook, to the kernel
    if bypass in OPENS_EVENTS:
        for name in ("connect", "fork", "leave a process", "signal the server"):
            assert not refused_by_the_hook(name), (name, report[name])
    if bypass in OPENS_PATHS:
        for name in ("read canary", "write beside it", "write root", "list root"):
            assert not refused_by_the_hook(name), (name, report[name])
        assert report["list root"][0] == "ok"  # it sees the sandbox's root, not the host's
        # only the folders the sandbox binds read-only show at its root: /tmp or /home is
        # there only when the Python or neuronlab it runs lives below it (a clone in /tmp)
        bound = {path.split("/")[1] for path in bubblewrap.read_only_paths(sys.executable)}
        for host_only in ("tmp", "home"):
            assert host_only in bound or host_only not in report["list root"][1], report

    # ...and reached nothing
    assert canary_text not in printed
    assert canary.read_text() == canary_text
    assert not outside.exists()
    assert not Path(f"/escaped-{marker}").exists() and not Path(f"/usr/escaped-{marker}").exists()
    for name in ("read canary", "write canary", "write beside it", "write root", "write usr"):
        assert report[name][0] != "ok", (name, report[name])
    assert report["connect"][0] != "ok" and listener.accepted == 1  # only the fixture's own
    # neither os.environ nor any /proc/*/environ (read when the paths are open)
    assert report["environment"][0] == "ok" and secret not in printed
    if bypass in OPENS_PATHS:
        assert report["proc environ"][0] == "ok" and "PATH=" in report["proc environ"][1]
    for name in ("fork", "leave a process"):
        assert report[name][0] != "ok", (name, report[name])  # seccomp: no new processes
    assert report["signal the server"][0] != "ok"  # another PID namespace
    assert not host_processes_with(marker)
    assert report["who"][0] == "ok" and report["who"][1].startswith("(65534, 65534, 2")


RACE = """
import os, threading, time
folder, name = os.path.split({target!r})
os.makedirs("good/sub")
open("good/sub/" + name, "w").write("inside")
os.makedirs("evil")
os.symlink(folder, "evil/sub")  # the hook refuses to open through it...
os.symlink("good", "door")
stop = time.monotonic() + 10
def flip():
    # ...so "door" points at "good" while the hook checks, and at "evil" when open() runs:
    # both are folders inside, so each swap is allowed
    while time.monotonic() < stop:
        for side in ("evil", "good"):
            os.symlink(side, "next")
            os.replace("next", "door")
threading.Thread(target=flip, daemon=True).start()
seen = {{}}
while time.monotonic() < stop:
    try:
        key = "read " + open("door/sub/" + name).read()[:40]
    except OSError as error:
        key = type(error).__name__ + (": hook" if str(error).startswith("the playground") else "")
    seen[key] = seen.get(key, 0) + 1
    if key not in ("read inside", "PermissionError: hook"):
        break  # the race is won: the open went through the link the hook refused
stop = 0
print("SEEN", sorted(seen.items()))
"""


def test_renaming_during_the_check_reaches_only_the_sandbox(tmp_path):
    """A link swapped in between the hook's check and the open goes past the hook: it can
    read what the sandbox shows (a system file), never a file of the host's."""
    canary_text = f"CANARY-{uuid.uuid4().hex}"
    canary = tmp_path / "canary.txt"
    canary.write_text(canary_text)
    with sandboxed_client() as client:
        for target, reachable in ((str(canary), False), ("/usr/lib/os-release", True)):
            printed, done = run_code(client, RACE.format(target=target))
            assert done["status"] == "ok", (done, printed[-2000:])
            assert canary_text not in printed
            seen = printed.split("SEEN", 1)[1]
            # the race is won (the hook alone would not hold): the file the sandbox shows
            # is read, the host's is not there
            if reachable:
                assert "read PRETTY_NAME" in seen or "read NAME" in seen, seen
            else:
                assert "FileNotFoundError" in seen, seen
    assert canary.read_text() == canary_text


# --- the examples, figures and the escape list, inside the sandbox ---------------------------
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_every_example_runs_in_the_sandbox(example):
    with sandboxed_client() as client, client.websocket_connect("/ws/playground") as ws:
        assert ws.receive_json()["type"] == "hello"
        ws.send_json({"type": "run", "code": example.code})
        messages = []
        while not messages or messages[-1]["type"] != "done":
            messages.append(ws.receive_json())
    done = messages[-1]
    assert done["status"] == "ok", (done, messages[-5:])
    if "plt." in example.code:  # its figure came back as a PNG
        figures = [m for m in messages if m["type"] == "figure"]
        assert figures and base64.b64decode(figures[0]["png"]).startswith(b"\x89PNG")


GUARD_OFF = FRAME_TRICK + ABSPATH_PATCH
SMALL_FOLDER = Limits(wall_seconds=30.0, folder_bytes=8 << 20)
# with the hook switched off, what stops each escape now: status, words in the message or text
ESCAPES_WITH_THE_HOOK_OFF = {
    "fork bomb": ("while True:\n    os.fork()\n", "error", "Operation not permitted"),
    "shell fork bomb": (
        "os.posix_spawn('/bin/sh', ['sh', '-c', ':(){ :|:& };:'], {})\n",
        "error",
        "Operation not permitted",
    ),
    "ctypes fork": ("import ctypes\nprint('fork:', ctypes.CDLL(None).fork())\n", "ok", "fork: -1"),
    "raise the limits": (
        "import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))\n",
        "error",
        "not allowed to raise",
    ),
    "memory bomb": (
        "blocks = []\nwhile True:\n    blocks.append(bytearray(10**7))\n",
        "memory",
        "Memory limit",
    ),
    "fill the folder": (
        "for i in range(100):\n    open(f'big{i}', 'wb').write(b'x' * (4 << 20))\n",
        "error",
        "No space left on device",
    ),
    "write the system": ("open('/usr/lib/evil', 'w')\n", "error", "Read-only file system"),
    "a namespace of its own": (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print('unshare:', libc.unshare(0x10000000), ctypes.get_errno())\n",  # CLONE_NEWUSER
        "ok",
        "unshare: -1 1",  # EPERM
    ),
    # nothing to signal but itself and the sandbox's init, which ignores it
    "kill every process": ("os.kill(-1, 9)\n", "error", "No such process"),
    "kill the parent": ("os.kill(os.getppid(), 9)\nprint('still here')\n", "ok", "still here"),
    "a socket to the world": (
        "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=3)\n",
        "error",
        "unreachable",
    ),
}


@pytest.mark.parametrize("name", ESCAPES_WITH_THE_HOOK_OFF)
def test_an_escape_with_the_hook_switched_off_is_contained(name):
    code, status, words = ESCAPES_WITH_THE_HOOK_OFF[name]
    with sandboxed_client(SMALL_FOLDER) as client:
        printed, done = run_code(client, GUARD_OFF + code)
        assert done["status"] == status, (done, printed[-1500:])
        assert words in done["message"] + printed, (done, printed[-1500:])
        # the server answers, and the next run starts clean
        printed, done = run_code(client, "print(6 * 7)")
        assert done["status"] == "ok" and printed == "42\n"


# --- Stop and leaving the page end the whole sandbox ----------------------------------------
def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` on the host, by walking /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def wait_until_gone(pids: set[int], seconds: float = 10.0) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = {pid for pid in pids if Path(f"/proc/{pid}").exists()}
        if not left:
            return left
        time.sleep(0.05)
    return left


@pytest.mark.parametrize("how", ["stop", "disconnect"])
def test_stop_and_disconnect_end_every_process_of_the_sandbox(how):
    code = GUARD_OFF + "import threading, time\nprint('going', flush=True)\ntime.sleep(60)\n"
    with sandboxed_client(Limits(wall_seconds=60.0)) as client:
        with client.websocket_connect("/ws/playground") as ws:
            assert ws.receive_json()["type"] == "hello"
            ws.send_json({"type": "run", "code": code})
            assert ws.receive_json()["type"] == "started"
            assert ws.receive_json() == {"type": "stdout", "text": "going\n"}
            (run,) = client.app.state.playground.active
            bwrap = run._process.pid
            inside = descendants(bwrap) | {bwrap}
            assert len(inside) >= 3  # bubblewrap, its init in the new PID namespace, python
            if how == "stop":
                ws.send_json({"type": "stop"})
                while (message := ws.receive_json())["type"] != "done":
                    pass
                assert message["status"] == "stopped"
        assert not wait_until_gone(inside)
