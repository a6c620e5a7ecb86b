"""The code playground: runs stream, stop, are limited, and every escape is contained.

Most tests go through the real WebSocket (Starlette's TestClient, the app in-process) and
then check that the server still answers. Runs that must end by a limit use short limits.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest
import uvicorn
import websockets
from fastapi.testclient import TestClient
from PIL import Image
from starlette.websockets import WebSocketDisconnect

from neuronlab.cli import main as cli_main
from neuronlab.lab import server as lab_server
from neuronlab.lab.app import create_app
from neuronlab.lab.playground import bubblewrap
from neuronlab.lab.playground import sandbox as playground_sandbox
from neuronlab.lab.playground.channel import HEADER, PNG_SIGNATURE, RunOutput
from neuronlab.lab.playground.examples import EXAMPLES
from neuronlab.lab.playground.outcome import _code_outcome
from neuronlab.lab.playground.runner import Limits, Playground, PlaygroundRun
from neuronlab.lab.playground.sandbox import sandbox_environment
from neuronlab.lab.settings import Settings
from tests.support import run_async

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(os.name != "posix", reason="the playground needs POSIX"),
]

# a loaded two-core machine can take seconds just to start Python, so runs that must end on
# their own get a generous clock; only the runs meant to hit the clock get a short one
ROOMY = Limits(wall_seconds=30.0)
SHORT = Limits(wall_seconds=3.0)  # for runs that are meant to hit the wall clock
LONG = Limits(wall_seconds=60.0)  # for runs that something else must end (Stop, disconnect)


def playground_client(
    limits: Limits = ROOMY, max_runs: int = 4, sandbox: str = "auto", **settings
) -> TestClient:
    """A client whose playground has these limits. ``sandbox="none"`` for the tests that look
    at a run's host folder or process (inside bubblewrap there is none to look at)."""
    app = create_app(Settings(**settings))
    app.state.playground = Playground(limits, max_runs=max_runs, sandbox=sandbox)
    return TestClient(app)


@pytest.fixture
def client():
    with playground_client() as client:
        yield client


def receive_until_done(ws) -> list[dict]:
    messages = []
    while True:
        message = ws.receive_json()
        messages.append(message)
        if message["type"] == "done":
            return messages


def run(ws, code: str) -> list[dict]:
    ws.send_json({"type": "run", "code": code})
    return receive_until_done(ws)


def text_of(messages: list[dict], kind: str | None = None) -> str:
    kinds = (kind,) if kind else ("stdout", "stderr")
    return "".join(m["text"] for m in messages if m["type"] in kinds)


def done_of(messages: list[dict]) -> dict:
    assert messages[-1]["type"] == "done"
    return messages[-1]


def hello(ws) -> dict:
    message = ws.receive_json()
    assert message["type"] == "hello", message
    return message


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_until_dead(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def assert_server_answers(client: TestClient, ws=None) -> None:
    assert client.get("/api/playground/status").status_code == 200
    if ws is not None:
        messages = run(ws, "print(6 * 7)")
        assert done_of(messages)["status"] == "ok"
        assert text_of(messages, "stdout") == "42\n"


# --- running code ---------------------------------------------------------------------------
def test_output_streams_line_by_line_while_the_code_runs():
    # the second line waits for a file the test creates only after the first line arrived
    code = (
        "import os, time\n"
        "print('first', flush=True)\n"
        "while not os.path.exists('go'):\n"
        "    time.sleep(0.02)\n"
        "print('second')\n"
    )
    with (
        playground_client(LONG, sandbox="none") as client,
        client.websocket_connect("/ws/playground") as ws,
    ):
        hello(ws)
        ws.send_json({"type": "run", "code": code})
        assert ws.receive_json()["type"] == "started"
        first = ws.receive_json()
        assert first == {"type": "stdout", "text": "first\n"}
        (current,) = client.app.state.playground.active
        assert current.running  # output arrived before the run ended
        Path(current._workdir, "go").touch()
        rest = receive_until_done(ws)
        assert rest[0] == {"type": "stdout", "text": "second\n"}
        assert done_of(rest)["status"] == "ok"


def test_a_figure_comes_back_as_png(client):
    code = (
        "import matplotlib.pyplot as plt\n"
        "print('before')\n"
        "plt.plot([0, 1, 2], [0, 1, 4])\n"
        "plt.show()\n"
        "print('after')\n"
    )
    with client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        messages = run(ws, code)
    kinds = [m["type"] for m in messages if m["type"] != "started"]
    assert kinds == ["stdout", "figure", "stdout", "done"]  # in the order the code made them
    png = base64.b64decode(messages[[m["type"] for m in messages].index("figure")]["png"])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (640, 480)  # matplotlib's default 6.4 x 4.8 inches at 100 dpi
    assert done_of(messages)["status"] == "ok"


def test_the_channel_merges_text_keeps_its_order_and_says_why_a_figure_is_missing():
    """Frames as the child writes them, read by the server's side of the channel."""
    png = PNG_SIGNATURE + b"\0" * 20
    frames = [
        (b"o", b"a"),
        (b"o", "\u00e9".encode()[:1]),  # a character split across two frames
        (b"o", "\u00e9".encode()[1:]),
        (b"e", b"warning\n"),
        (b"o", b"c"),
        (b"f", b"GIF89a not a png"),
        (b"f", png + b"\0" * 100),  # larger than figure_bytes
        (b"f", png),
        (b"f", png),  # past max_figures
    ]

    async def read():
        reader = asyncio.StreamReader()
        for kind, payload in frames:
            reader.feed_data(HEADER.pack(kind, len(payload)) + payload)
        reader.feed_eof()
        killed = []
        output = RunOutput(Limits(figure_bytes=100, max_figures=1), killed.append)
        await output.read_channel(reader)
        output.end({"type": "done", "status": "ok"})
        return [event async for event in output.events()], killed

    events, killed = run_async(read())
    assert killed == []
    assert events == [
        {"type": "stdout", "text": "a\u00e9"},
        {"type": "stderr", "text": "warning\n"},
        {"type": "stdout", "text": "c"},
        {
            "type": "stderr",
            "text": "(a figure could not be shown: it was not a PNG image)\n"
            "(a figure was too large to show)\n",
        },
        {"type": "figure", "png": base64.b64encode(png).decode("ascii")},
        {"type": "stderr", "text": "(only the first 1 figures shown)\n"},
        {"type": "done", "status": "ok"},
    ]


def test_bytes_written_to_the_streams_buffers_come_back_as_text(client):
    code = (
        "import sys\n"
        "sys.stdout.buffer.write('caf\u00e9 '.encode()[:4])\n"  # the é split in two writes
        "sys.stdout.buffer.write('caf\u00e9 '.encode()[4:] + b'ok\\n')\n"
        "sys.stderr.buffer.write(bytearray(b'to stderr\\n'))\n"
        "sys.stdout.buffer.writelines([b'end ', b'\\xc3'])\n"  # a character never finished
        "try:\n"
        "    sys.stdout.buffer.write(3)\n"
        "except TypeError:\n"
        "    print(' (3 is not bytes)')\n"
    )
    with client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        messages = run(ws, code)
    assert done_of(messages)["status"] == "ok", messages
    assert text_of(messages, "stdout") == "caf\u00e9 ok\nend  (3 is not bytes)\n\ufffd"
    assert text_of(messages, "stderr") == "to stderr\n"


def test_an_exception_shows_its_traceback(client):
    with client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        messages = run(ws, "x = 1\nprint(x / 0)\n")
    stderr = text_of(messages, "stderr")
    assert 'File "main.py", line 2' in stderr
    assert "ZeroDivisionError: division by zero" in stderr
    assert "playground_child" not in stderr  # the sandbox's own frames are hidden
    done = done_of(messages)
    assert done["status"] == "error"
    assert "ZeroDivisionError" in done["message"]


def test_a_syntax_error_is_reported(client):
    with client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        messages = run(ws, "def broken(:\n    pass\n")
    assert "SyntaxError" in text_of(messages, "stderr")
    assert done_of(messages)["status"] == "error"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_every_example_runs(example):
    with playground_client() as client, client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        messages = run(ws, example.code)
    done = done_of(messages)
    assert done["status"] == "ok", text_of(messages)
    assert text_of(messages, "stdout").strip()
    assert not text_of(messages, "stderr")
    if "plt.show()" in example.code:
        assert any(m["type"] == "figure" for m in messages)


def test_the_spirals_example_learns():
    (example,) = [e for e in EXAMPLES if e.name == "spirals"]
    with playground_client() as client, client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        stdout = text_of(run(ws, example.code), "stdout")
    line = [x for x in stdout.splitlines() if "after training" in x][0]
    assert float(line.rsplit(" ", 1)[1].rstrip("%")) > 80


# --- escapes: each contained, reported in words, the server unharmed -------------------------
ESCAPES = {
    "infinite loop": ("while True:\n    pass\n", "timeout", "Time limit"),
    "long sleep": ("import time\ntime.sleep(600)\n", "timeout", "Time limit"),
    "memory bomb": (
        "blocks = []\nwhile True:\n    blocks.append(bytearray(10**7))\n",
        "memory",
        "Memory limit",
    ),
    "one huge allocation": ("x = ' ' * 10**10\n", "memory", "Memory limit"),
    "fork bomb": ("import os\nwhile True:\n    os.fork()\n", "refused", "starting processes"),
    "shell fork bomb": (
        "import subprocess\nsubprocess.run(['sh', '-c', ':(){ :|:& };:'])\n",
        "refused",
        "starting programs",
    ),
    "multiprocessing": (
        "import multiprocessing\nmultiprocessing.Process(target=print).start()\n",
        "refused",
        "starting processes",
    ),
    "ctypes fork": ("import ctypes\nctypes.CDLL(None).fork()\n", "refused", "native"),
    "huge print loop": ("while True:\n    print('x' * 999)\n", "output", "Output limit"),
    "one huge print": ("print('y' * 10**8)\n", "output", "Output limit"),
    "kill the server": ("import os\nos.kill(os.getppid(), 9)\n", "refused", "signals"),
    "raise the limits": (
        "import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))\n",
        "refused",
        "limits",
    ),
    "thousands of files": (
        "for i in range(5000):\n    open(f'file{i}.txt', 'w').close()\n",
        "refused",
        "files or folders",
    ),
    "one huge file": ("open('big', 'wb').write(b'x' * (64 << 20))\n", "error", "File too large"),
    "open a socket": (
        "import socket\nsocket.socket().connect(('127.0.0.1', 1))\n",
        "refused",
        "network",
    ),
}


@pytest.mark.parametrize("name", ESCAPES)
def test_escape_is_contained(name):
    code, status, words = ESCAPES[name]
    limits = SHORT if status == "timeout" else ROOMY
    with playground_client(limits) as client, client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        messages = run(ws, code)
        done = done_of(messages)
        assert done["status"] == status, (done, text_of(messages)[-500:])
        assert words in done["message"]
        assert len(text_of(messages).encode("utf-8")) <= limits.output_bytes
        assert not client.app.state.playground.active or all(
            not r.running for r in client.app.state.playground.active
        )
        # the next run gets the roomy clock: on a loaded machine Python's start alone (and
        # the sandbox's) can take most of a short one
        client.app.state.playground.limits = ROOMY
        assert_server_answers(client, ws)


def test_reading_system_files_is_refused(client):
    with client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        for path in ("/etc/passwd", "/etc/hostname", "/proc/1/environ", os.path.abspath(__file__)):
            messages = run(ws, f"print(open({path!r}).read())\n")
            done = done_of(messages)
            assert done["status"] == "refused", done
            assert path in done["message"]
            assert not text_of(messages, "stdout")
        messages = run(ws, "import os\nprint(os.listdir('/'))\n")
        assert done_of(messages)["status"] == "refused"
        assert_server_answers(client, ws)


def test_reading_files_beside_its_folder_is_refused(client):
    secret = f"TOP-SECRET-{uuid.uuid4().hex}"
    path = Path(tempfile.gettempdir()) / f"neuronlab-test-{uuid.uuid4().hex}.txt"
    path.write_text(secret)
    try:
        with client.websocket_connect("/ws/playground") as ws:
            hello(ws)
            attempts = [
                f"print(open('../{path.name}').read())",
                f"print(open({str(path)!r}).read())",
                f"import os\nos.symlink({str(path)!r}, 'link')\nprint(open('link').read())",
                f"import shutil\nshutil.copy('../{path.name}', 'copy')\nprint(open('copy').read())",
            ]
            for code in attempts:
                messages = run(ws, code)
                assert done_of(messages)["status"] == "refused", (code, messages)
                assert secret not in text_of(messages)
            assert_server_answers(client, ws)
    finally:
        path.unlink()


def test_files_in_its_own_folder_work_and_the_folder_is_removed():
    code = (
        "import os\n"
        "open('notes.txt', 'w').write('kept for this run')\n"
        "print(open('notes.txt').read())\n"
        "print(os.getcwd())\n"
    )
    # a host folder: without the sandbox (inside it the folder is a tmpfs that dies with it)
    with (
        playground_client(sandbox="none") as client,
        client.websocket_connect("/ws/playground") as ws,
    ):
        hello(ws)
        messages = run(ws, code)
    assert done_of(messages)["status"] == "ok"
    said, workdir = text_of(messages, "stdout").splitlines()
    assert said == "kept for this run"
    assert os.path.basename(workdir).startswith("neuronlab-run-")
    assert not os.path.exists(workdir)


def test_a_run_folder_is_removed_even_when_a_removal_fails_at_first(tmp_path, monkeypatch):
    # as root, permissions never stop a removal, so a first refusal is simulated
    folder = tmp_path / "neuronlab-run-x"
    (folder / "inner").mkdir(parents=True)
    (folder / "inner" / "locked.txt").write_text("the code took away its own rights")
    real_unlink, refused = os.unlink, []

    def unlink_refusing_once(path, *args, **kwargs):
        if not refused:
            refused.append(path)
            raise PermissionError(13, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink_refusing_once)
    playground_sandbox.remove_workdir(str(folder))
    assert refused and not folder.exists()


def test_the_environment_holds_no_secret_of_the_server(client, monkeypatch):
    monkeypatch.setenv("NEURONLAB_TEST_SECRET", "hunter2")
    with client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        messages = run(ws, "import os\nfor k, v in sorted(os.environ.items()):\n    print(k, v)\n")
    lines = text_of(messages, "stdout").splitlines()
    names = {line.split(" ", 1)[0] for line in lines}
    assert "hunter2" not in text_of(messages)
    allowed = set(sandbox_environment("/x", None)) | {"OPENBLAS_CORETYPE"}
    assert names <= allowed, names - allowed
    home = [line.split(" ", 1)[1] for line in lines if line.startswith("HOME ")][0]
    assert home == "/playground" or os.path.basename(home).startswith("neuronlab-run-")


def test_openblas_coretype_is_the_one_variable_kept(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "nope")
    env = sandbox_environment("/tmp/somewhere", None)
    assert env["OPENBLAS_CORETYPE"] == "Haswell"
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert env["HOME"] == "/tmp/somewhere"
    assert env["MPLBACKEND"] == "Agg"


def test_cpu_time_limit():
    limits = Limits(wall_seconds=30.0, cpu_seconds=1)
    with playground_client(limits) as client, client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        done = done_of(run(ws, "while True:\n    pass\n"))
        assert done["status"] == "cpu", done
        assert "CPU limit" in done["message"]
        assert_server_answers(client, ws)


# --- Stop, disconnect, one at a time ----------------------------------------------------------
SLEEPER = "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(50)\n"


def start_sleeper(ws) -> int:
    ws.send_json({"type": "run", "code": SLEEPER})
    assert ws.receive_json()["type"] == "started"
    message = ws.receive_json()
    assert message["type"] == "stdout", message
    return int(message["text"])


def test_stop_kills_the_run():
    # the process as the host sees it: without the sandbox (see test_sandbox.py)
    with (
        playground_client(LONG, sandbox="none") as client,
        client.websocket_connect("/ws/playground") as ws,
    ):
        hello(ws)
        pid = start_sleeper(ws)
        assert alive(pid)
        # the server answers while the code runs
        assert client.get("/api/playground/status").json()["running"] == 1
        ws.send_json({"type": "stop"})
        done = done_of(receive_until_done(ws))
        assert done["status"] == "stopped"
        assert done["seconds"] < LONG.wall_seconds
        assert wait_until_dead(pid)
        assert_server_answers(client, ws)


def test_disconnect_kills_the_run():
    with playground_client(LONG, sandbox="none") as client:
        with client.websocket_connect("/ws/playground") as ws:
            hello(ws)
            pid = start_sleeper(ws)
            assert alive(pid)
        assert wait_until_dead(pid)  # well before the 60 s wall clock
        deadline = time.monotonic() + 5
        while client.app.state.playground.active and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not client.app.state.playground.active  # its place is free again
        assert_server_answers(client)


def test_one_run_at_a_time_per_page():
    with playground_client(LONG) as client, client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        start_sleeper(ws)
        ws.send_json({"type": "run", "code": "print('second')"})
        refusal = ws.receive_json()
        assert refusal["type"] == "error" and refusal["code"] == "running"
        assert "Stop" in refusal["detail"]
        ws.send_json({"type": "stop"})
        assert done_of(receive_until_done(ws))["status"] == "stopped"
        assert_server_answers(client, ws)


def test_runs_at_once_are_capped_across_pages():
    with playground_client(LONG, max_runs=1) as client:
        with (
            client.websocket_connect("/ws/playground") as first,
            client.websocket_connect("/ws/playground") as second,
        ):
            hello(first)
            hello(second)
            start_sleeper(first)
            second.send_json({"type": "run", "code": "print(1)"})
            busy = second.receive_json()
            assert busy["type"] == "error" and busy["code"] == "busy"
            first.send_json({"type": "stop"})
            receive_until_done(first)
            assert done_of(run(second, "print(1)"))["status"] == "ok"


def test_bad_messages_get_a_sentence_and_the_socket_stays_open(client):
    with client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        for bad in ("not json", "[]", '{"type": "format_disk"}', '{"type": "run"}'):
            ws.send_text(bad)
            answer = ws.receive_json()
            assert answer["type"] == "error" and answer["code"] == "bad_message", bad
            assert answer["detail"].endswith(".")
        ws.send_json({"type": "run", "code": "x" * (ROOMY.code_chars + 1)})
        answer = ws.receive_json()
        assert answer["code"] == "bad_message" and "longer" in answer["detail"]
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_json()["code"] == "bad_message"
        ws.send_text('{"type": "run", "code": "print(1) # \\ud800"}')  # valid JSON, not UTF-8
        answer = ws.receive_json()
        assert answer["code"] == "bad_message" and "surrogate" in answer["detail"]
        ws.send_json({"type": "stop"})  # nothing running: ignored
        assert_server_answers(client, ws)


def test_json_too_deeply_nested_gets_a_sentence_and_the_socket_stays_open(client):
    with client.websocket_connect("/ws/playground") as ws:
        hello(ws)
        for text in ("[" * 3000 + "]" * 3000, '{"type": "run", "code": ' + "9" * 5000 + "}"):
            ws.send_text(text)  # valid JSON that json.loads refuses (RecursionError, ValueError)
            answer = ws.receive_json()
            assert answer["code"] == "bad_message" and "plain JSON" in answer["detail"]
        assert_server_answers(client, ws)


# --- on, off, token -----------------------------------------------------------------------
def test_on_by_default_on_loopback(client):
    status = client.get("/api/playground/status").json()
    assert status["enabled"] is True
    assert status["token_required"] is False
    assert status["limits"]["wall_seconds"] == ROOMY.wall_seconds


@pytest.mark.parametrize("settings", [{"host": "0.0.0.0"}, {"allow_playground": False}])
def test_off_when_exposed_without_the_flag_or_switched_off(settings):
    with playground_client(**settings) as client:
        status = client.get("/api/playground/status").json()
        assert status["enabled"] is False
        assert status["message"]
        with client.websocket_connect("/ws/playground") as ws:
            refusal = ws.receive_json()
            assert refusal["type"] == "error" and refusal["code"] == "disabled"
            with pytest.raises(WebSocketDisconnect) as closed:  # the server closed the socket
                ws.receive_json()
            assert closed.value.code == 1008


def test_an_exposed_server_with_the_flag_needs_the_token():
    token = "correct-horse-battery"
    with playground_client(host="0.0.0.0", playground_token=token) as client:
        status = client.get("/api/playground/status").json()
        assert status["enabled"] is True and status["token_required"] is True
        for query in ("", "?token=wrong", "?token="):
            with client.websocket_connect(f"/ws/playground{query}") as ws:
                refusal = ws.receive_json()
                assert refusal["type"] == "error" and refusal["code"] == "token", query
        with client.websocket_connect(f"/ws/playground?token={token}") as ws:
            hello(ws)
            assert done_of(run(ws, "print('hi')"))["status"] == "ok"


def test_examples_endpoint(client):
    examples = client.get("/api/playground/examples").json()
    assert [e["name"] for e in examples] == [e.name for e in EXAMPLES]
    assert all(e["title"] and e["code"] for e in examples)


# --- the runner itself: the process group is the last line of defence ------------------------
def fake_child(tmp_path: Path, body: str) -> Path:
    """A stand-in for playground/child.py that starts a grandchild (as a bypass would)."""
    script = tmp_path / "fake_child.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(grandchild.pid, flush=True)\n" + body
    )
    return script


async def first_pid_then_finish(run: PlaygroundRun, stop: bool) -> tuple[int, dict]:
    await run.start()
    pid, done = None, None
    async for event in run.events():
        if event["type"] in ("stdout", "stderr") and pid is None:
            pid = int(event["text"].split()[0])
            if stop:
                run.stop()
        if event["type"] == "done":
            done = event
    await run.close()
    return pid, done


@pytest.mark.parametrize(
    ("body", "stop", "limits", "status"),
    [
        ("time.sleep(60)\n", True, ROOMY, "stopped"),  # Stop kills the grandchild too
        ("time.sleep(60)\n", False, SHORT, "timeout"),  # so does the wall clock
        ("", False, ROOMY, "crashed"),  # the code ended but left the grandchild running
    ],
)
def test_the_whole_process_group_dies(tmp_path, monkeypatch, body, stop, limits, status):
    monkeypatch.setattr(playground_sandbox, "CHILD_SCRIPT", fake_child(tmp_path, body))
    run = PlaygroundRun("", limits)
    pid, done = run_async(first_pid_then_finish(run, stop))
    assert done["status"] == status
    assert wait_until_dead(pid, 5.0)


def test_bad_code_arguments():
    with pytest.raises(TypeError, match="code"):
        PlaygroundRun(b"print(1)")
    with pytest.raises(ValueError, match="code must be at most"):
        PlaygroundRun("x" * 60_001, Limits(code_chars=60_000))
    with pytest.raises(ValueError, match="max_runs"):
        Playground(max_runs=0)


# --- the command line: `neuronlab lab` on another loopback address, and on the network ----
def start_lab(*flags: str) -> tuple[subprocess.Popen, str]:
    """``neuronlab lab`` on 127.0.0.2: another loopback address, reachable only from here."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "neuronlab", "lab", "--host", "127.0.0.2", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--no-browser", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.2:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/api/playground/status", trust_env=False).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    assert process.poll() is None, process.stdout.read()
    return process, base


def stop_lab(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


async def talk(base: str, query: str) -> list[dict]:
    """Open the playground socket; if greeted, run one print and return every message."""
    url = base.replace("http", "ws") + "/ws/playground" + query
    async with websockets.connect(url, proxy=None) as ws:
        messages = [json.loads(await ws.recv())]
        if messages[0]["type"] != "hello":
            return messages
        await ws.send(json.dumps({"type": "run", "code": "print('with the token')"}))
        while messages[-1]["type"] != "done":
            messages.append(json.loads(await ws.recv()))
        return messages


def test_another_loopback_address_is_private_and_runs_the_playground():
    process, base = start_lab()
    try:
        status = httpx.get(f"{base}/api/playground/status", trust_env=False).json()
        messages = run_async(talk(base, ""))
    finally:
        output = stop_lab(process)
    assert "other machines" not in output  # 127.0.0.2 is loopback: no one else can reach it
    assert status["enabled"] is True and status["token_required"] is False
    assert messages[-1]["status"] == "ok", messages


def start_in_process(monkeypatch, capsys, *argv: str) -> tuple[object, str]:
    """``neuronlab lab ARGV...`` in this process with uvicorn's serving loop left out, so
    that nothing listens: the app it would serve (None if it refused to start) and what it
    printed."""
    apps = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *a, **k: apps.append(self.config.app))
    monkeypatch.setattr(lab_server, "_check_port_free", lambda host, port: None)
    try:
        cli_main(["lab", "--no-browser", *argv])
    except SystemExit as stop:
        assert stop.code in (0, None, 1), stop.code
    printed = capsys.readouterr()
    return (apps[0] if apps else None), printed.out + printed.err


def socket_talk(app, query: str) -> list[dict]:
    with TestClient(app) as client, client.websocket_connect("/ws/playground" + query) as ws:
        messages = [ws.receive_json()]
        if messages[0]["type"] != "hello":
            return messages
        ws.send_json({"type": "run", "code": "print('with the token')"})
        return messages + receive_until_done(ws)


def test_the_command_line_keeps_the_playground_off_on_the_network_without_the_flag(
    monkeypatch, capsys
):
    app, output = start_in_process(monkeypatch, capsys, "--host", "0.0.0.0")
    with TestClient(app) as client:
        status = client.get("/api/playground/status").json()
    assert status["enabled"] is False
    assert "--allow-playground" in status["message"]
    assert "other machines can reach" in output
    assert "playground token" not in output


def test_the_command_line_flag_prints_a_token_that_the_playground_then_requires(
    monkeypatch, capsys
):
    app, output = start_in_process(monkeypatch, capsys, "--host", "0.0.0.0", "--allow-playground")
    token = re.search(r"playground token: (\S+)", output).group(1)
    assert len(token) >= 16
    with TestClient(app) as client:
        status = client.get("/api/playground/status").json()
    assert status["enabled"] is True and status["token_required"] is True
    assert status["sandboxed"] is True  # code from other machines runs in bubblewrap only
    assert socket_talk(app, "")[0]["code"] == "token"
    assert socket_talk(app, "?token=guess")[0]["code"] == "token"
    allowed = socket_talk(app, f"?token={token}")
    assert allowed[-1]["status"] == "ok"
    assert {"type": "stdout", "text": "with the token\n"} in allowed


def test_without_the_sandbox_the_network_gets_no_playground(monkeypatch, capsys):
    missing = bubblewrap.SandboxCheck(None, "bubblewrap is not installed")
    monkeypatch.setattr(bubblewrap, "check", lambda python=None: missing)
    app, output = start_in_process(monkeypatch, capsys, "--host", "0.0.0.0", "--allow-playground")
    assert app is None  # the lab does not start
    assert "bubblewrap is not installed" in output and "install bubblewrap" in output
    # built by hand, the app refuses too
    settings = Settings(host="0.0.0.0", playground_token="t" * 20)
    with TestClient(create_app(settings)) as client:
        status = client.get("/api/playground/status").json()
    assert status["enabled"] is False and "cannot sandbox runs" in status["message"]


def test_without_the_sandbox_loopback_runs_with_a_warning(monkeypatch, capsys):
    missing = bubblewrap.SandboxCheck(None, "bubblewrap is not installed")
    monkeypatch.setattr(bubblewrap, "check", lambda python=None: missing)
    app, output = start_in_process(monkeypatch, capsys)
    assert "without its sandbox (bubblewrap is not installed)" in output
    with TestClient(app) as client:
        assert client.get("/api/playground/status").json()["sandboxed"] is False
    messages = socket_talk(app, "")
    assert messages[-1]["status"] == "ok", messages


def test_a_file_too_large_in_the_playground_is_reported_in_words():
    limits = Limits()
    done = {"outcome": "error", "type": "OSError", "message": "[Errno 27] File too large"}
    status, message = _code_outcome(done, limits)
    assert status == "error"
    assert message.startswith("File limit:") and "16 MB" in message
    assert "File too large" in message  # the error the learner's traceback shows
    other = {"outcome": "error", "type": "OSError", "message": "[Errno 2] No such file"}
    assert _code_outcome(other, limits)[1].startswith("The code raised OSError")
