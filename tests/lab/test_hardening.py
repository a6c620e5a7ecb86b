"""The server under attack and under load: fuzzing, cross-site requests, 20 live sessions.

Everything here talks to 127.0.0.1 only and is bounded: the fuzzers by a fixed number of
examples, the load test by 30 seconds. A real uvicorn server runs in a subprocess for the
tests that need real sockets (handshakes, load); the fuzzers use the in-process client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import schemathesis
import websockets
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuronlab.lab.app import create_app
from neuronlab.lab.playground.runner import Limits, Playground
from neuronlab.lab.settings import Settings
from tests.support import run_async

pytestmark = pytest.mark.timeout(240)

SMALL = {"dataset": "spirals", "points": 120, "hidden_layers": 2, "units": 8, "grid": 20}
FOREIGN = "http://evil.example"

# --- fuzzing the HTTP API from its own OpenAPI schema ----------------------------------------
fuzzed_app = create_app()
schema = schemathesis.openapi.from_asgi("/api/openapi.json", fuzzed_app)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_fuzzed_requests_never_get_a_server_error(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    if response.status_code >= 400:
        assert isinstance(response.json().get("detail"), str)  # a sentence, not a stack trace


# --- fuzzing the WebSockets with random messages --------------------------------------------
TRAINER_TYPES = (
    "configure",
    "start",
    "resume",
    "pause",
    "step",
    "reset",
    "reseed",
    "regenerate",
    "set",
    "add_point",
)
FIELDS = (
    "config",
    "epochs",
    "seed",
    "learning_rate",
    "batch_size",
    "l2",
    "l1",
    "optimizer",
    "x",
    "y",
    "label",
    "code",
    "type",
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children)
    ),
    max_leaves=12,
)
config_values = st.fixed_dictionaries({}, optional={k: json_values for k in SMALL}) | json_values


def messages(types: tuple[str, ...]) -> st.SearchStrategy:
    """Text that is mostly almost right: a known type with random fields, or rubbish."""
    shaped = st.builds(
        lambda kind, fields, config: {
            "type": kind,
            **fields,
            **({"config": config} if config is not None else {}),
        },
        st.sampled_from(types) | st.text(max_size=10),
        st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4),
        st.none() | config_values,
    ).map(json.dumps)
    return shaped | json_values.map(json.dumps) | st.text(max_size=60)


@pytest.fixture(scope="module")
def fuzz_client():
    app = create_app(Settings())
    app.state.playground = Playground(Limits(wall_seconds=30.0))  # generous: a loaded machine
    with TestClient(app) as client:
        yield client


@given(batch=st.lists(messages(TRAINER_TYPES), min_size=1, max_size=25))
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_random_trainer_messages_never_break_a_session(fuzz_client, batch):
    registry = fuzz_client.app.state.sessions
    with fuzz_client.websocket_connect("/ws/train") as ws:
        greeting = ws.receive_json()
        assert greeting["type"] == "hello", (greeting, len(registry))
        for text in batch:
            ws.send_text(text)
        ws.send_bytes(b"\xff\x00binary")
        # the session still works: a good configure is answered with the config it applied
        ws.send_text(json.dumps({"type": "configure", "config": SMALL}))
        for _ in range(5000):
            message = ws.receive()
            assert message["type"] != "websocket.close", (message, batch)
            if message.get("text") and json.loads(message["text"]).get("type") == "config":
                if json.loads(message["text"])["config"]["points"] == SMALL["points"]:
                    break
        else:
            pytest.fail(f"the session never answered the configure after {batch}")
    wait_for(lambda: len(registry) == 0, f"the session was not freed after {batch}")


@given(batch=st.lists(messages(("run", "stop")), min_size=1, max_size=12))
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_random_playground_messages_never_break_the_socket(fuzz_client, batch):
    playground = fuzz_client.app.state.playground
    with fuzz_client.websocket_connect("/ws/playground") as ws:
        assert ws.receive_json()["type"] == "hello"
        for text in batch:
            ws.send_text(text)
        ws.send_text(json.dumps({"type": "stop"}))
        # still answering: a run prints 'alive' (after any run the batch started has ended)
        ws.send_text(json.dumps({"type": "run", "code": "print('alive')"}))
        seen_alive = False
        for _ in range(2000):
            message = ws.receive_json()
            if message["type"] == "error" and message["code"] == "running":
                ws.send_text(json.dumps({"type": "stop"}))
                ws.send_text(json.dumps({"type": "run", "code": "print('alive')"}))
            seen_alive = seen_alive or message.get("text") == "alive\n"
            if seen_alive and message["type"] == "done":
                assert message["status"] == "ok"
                break
        else:
            pytest.fail("the playground never ran the liveness check")
    wait_for(lambda: not playground.active, "a playground run was left behind")


def wait_for(condition, failure: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(failure)
        time.sleep(0.05)


# --- a real server on loopback --------------------------------------------------------------
SERVER = """
import sys, uvicorn
from neuronlab.lab.app import create_app
from neuronlab.lab.settings import Settings
port = int(sys.argv[1])
app = create_app(Settings(port=port, max_sessions=20))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws_max_size=1_000_000)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """(base URL, pid) of a lab server with room for 20 sessions, in a subprocess."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(f"{base}/api/trainer/status", timeout=1, trust_env=False)
            if answer.status_code == 200:
                break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the lab server did not start")
        time.sleep(0.1)
    yield base, process.pid
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def status_of(pid: int) -> dict[str, int]:
    """Resident memory (kB) and thread count of a process, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return {"rss_kb": int(fields["VmRSS"].split()[0]), "threads": int(fields["Threads"])}


# --- cross-site ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/ws/train", "/ws/playground", "/ws/overfitting"])
def test_foreign_origin_websocket_handshakes_are_refused(server, path):
    base, _ = server
    url = base.replace("http", "ws") + path

    port = int(base.rsplit(":", 1)[1])

    async def attempt(origin: str | None, address: str = url) -> int:
        # the TCP connection always goes to 127.0.0.1; ``address`` sets the Host header
        try:
            async with websockets.connect(
                address, origin=origin, proxy=None, host="127.0.0.1", port=port
            ) as ws:
                await ws.recv()  # hello
                return 101
        except websockets.InvalidStatus as refusal:
            return refusal.response.status_code

    assert run_async(attempt(FOREIGN)) == 403
    assert run_async(attempt("null")) == 403
    # DNS rebinding: a foreign page whose name now points at 127.0.0.1 (Origin matches Host)
    rebound = f"http://evil.example:{port}"
    assert run_async(attempt(rebound, url.replace("127.0.0.1", "evil.example"))) == 403
    assert run_async(attempt(base)) == 101  # the lab's own page
    assert run_async(attempt(None)) == 101  # a program, not a browser


def test_foreign_origin_state_changing_requests_are_refused(server):
    base, _ = server
    schema_paths = httpx.get(f"{base}/api/openapi.json", trust_env=False).json()["paths"]
    posts = [path for path, operations in schema_paths.items() if "post" in operations]
    assert len(posts) >= 5
    for path in posts:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = httpx.request(
                method, base + path, json={}, headers={"Origin": FOREIGN}, trust_env=False
            )
            assert response.status_code == 403, (method, path, response.status_code)
            assert "Cross-origin" in response.json()["detail"]
    # the same requests from the page itself are served (or refused for their body, never 403)
    answer = httpx.post(
        f"{base}/api/loss/evaluate", json={"margin": 0}, headers={"Origin": base}, trust_env=False
    )
    assert answer.status_code == 200


# --- load: 20 training sessions and a stream of widget requests for 30 s ----------------------
LOAD_SECONDS = 30
WINDOW = 5.0
WIDGET_REQUESTS = [
    ("GET", "/api/options", None),
    ("POST", "/api/activations/evaluate", {"activation": "gelu", "z": 0.5}),
    ("POST", "/api/perceptron/evaluate", {"w1": 1.0, "w2": -1.0, "b": 0.1, "grid": 20}),
    ("POST", "/api/forward/run", {"x1": 0.7, "x2": -1.2, "activation": "tanh"}),
    ("POST", "/api/loss/evaluate", {"margin": 1}),
    ("GET", "/api/trainer/status", None),
    ("GET", "/api/playground/status", None),
]


async def training_client(url: str, started: float, frames: list[int], errors: list[str]) -> None:
    async with websockets.connect(url, max_size=2**22, proxy=None) as ws:
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello", hello
        await ws.send(json.dumps({"type": "start", "config": SMALL}))
        while (now := time.monotonic()) < started + LOAD_SECONDS:
            try:
                message = await asyncio.wait_for(ws.recv(), timeout=started + LOAD_SECONDS - now)
            except TimeoutError:
                break
            if isinstance(message, bytes):
                frames[min(int((time.monotonic() - started) // WINDOW), len(frames) - 1)] += 1
            elif json.loads(message).get("type") == "error":
                errors.append(message)


async def widget_stream(
    base: str, started: float, outcomes: list[int], answered: list[int], latencies: list[float]
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=20, trust_env=False) as client:
        turn = 0
        while (sent := time.monotonic()) < started + LOAD_SECONDS:
            method, path, body = WIDGET_REQUESTS[turn % len(WIDGET_REQUESTS)]
            turn += 1
            try:
                response = await client.request(method, path, json=body)
                outcomes.append(response.status_code)
            except httpx.HTTPError as error:
                outcomes.append(-1)
                print("widget request failed:", path, error)
            now = time.monotonic()
            latencies.append(now - sent)
            answered[min(int((now - started) // WINDOW), len(answered) - 1)] += 1
            await asyncio.sleep(0.1)


async def memory_sampler(pid: int, started: float, samples: list[dict]) -> None:
    while time.monotonic() < started + LOAD_SECONDS:
        samples.append(status_of(pid))
        await asyncio.sleep(WINDOW)
    samples.append(status_of(pid))


@pytest.mark.slow
def test_twenty_sessions_and_widget_requests_for_thirty_seconds(server):
    base, pid = server
    url = base.replace("http", "ws") + "/ws/train"
    windows = int(LOAD_SECONDS // WINDOW)
    frames = [[0] * windows for _ in range(20)]
    errors: list[str] = []
    outcomes: list[int] = []
    answered = [0] * windows
    latencies: list[float] = []
    samples: list[dict] = []

    async def one_too_many() -> dict:
        await asyncio.sleep(WINDOW)  # once the twenty are open
        async with websockets.connect(url, proxy=None) as ws:
            return json.loads(await ws.recv())

    async def load() -> dict:
        started = time.monotonic()
        results = await asyncio.gather(
            *(training_client(url, started, frames[i], errors) for i in range(20)),
            widget_stream(base, started, outcomes, answered, latencies),
            memory_sampler(pid, started, samples),
            one_too_many(),
        )
        return results[-1]

    refused = run_async(load())

    assert refused["type"] == "error" and refused["code"] == "busy"  # the cap holds
    assert not errors, errors[:3]
    for session, counts in enumerate(frames):
        assert all(count > 0 for count in counts), (session, counts)  # frames never stopped
    assert outcomes and all(200 <= code < 300 for code in outcomes), sorted(set(outcomes))
    assert all(count > 0 for count in answered), answered  # answers kept coming throughout
    latencies.sort()
    print(
        f"\nunder load: {len(outcomes)} widget requests, answered per {WINDOW:g} s {answered}, "
        f"median {latencies[len(latencies) // 2]:.2f} s, slowest {latencies[-1]:.2f} s; "
        f"frames per session per {WINDOW:g} s, lowest {min(min(f) for f in frames)}; "
        f"server memory {[sample['rss_kb'] // 1024 for sample in samples]} MB"
    )
    # memory: bounded, and not still climbing at the end
    peak = max(sample["rss_kb"] for sample in samples)
    assert peak < 1_500_000, samples
    settled = samples[2]["rss_kb"]
    assert samples[-1]["rss_kb"] < max(settled * 1.3, settled + 100_000), samples
    # every session freed once its client left
    wait_for(
        lambda: httpx.get(f"{base}/api/trainer/status", trust_env=False).json()["sessions"] == 0,
        "sessions were not freed after their clients disconnected",
    )


def test_the_server_process_is_still_healthy(server):
    base, pid = server
    assert os.path.exists(f"/proc/{pid}")
    assert httpx.get(f"{base}/api/trainer/status", trust_env=False).status_code == 200


def test_a_client_that_acknowledges_frames_gets_the_next_only_after_its_ack(server):
    # the page acks each frame once drawn, so a page slow to draw never has seconds of
    # frames queued in the socket ahead of the answer to a Pause
    base, _ = server
    url = base.replace("http://", "ws://") + "/ws/train"

    async def next_frame(ws, within: float) -> bytes | None:
        end = time.monotonic() + within
        while (left := end - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(ws.recv(), timeout=left)
            except TimeoutError:
                return None
            if isinstance(message, bytes):
                return message
        return None

    async def talk() -> None:
        async with websockets.connect(url, max_size=2**22, proxy=None) as ws:
            assert json.loads(await ws.recv())["type"] == "hello"
            await ws.send(json.dumps({"type": "start", "config": SMALL}))
            assert await next_frame(ws, 10) is not None
            await ws.send(json.dumps({"type": "ack"}))  # from now on, frames wait for acks
            assert await next_frame(ws, 10) is not None  # at most the one already asked for
            assert await next_frame(ws, 1.5) is None  # training goes on; no ack, no frame
            await ws.send(json.dumps({"type": "ack"}))
            assert await next_frame(ws, 10) is not None
            await ws.send(json.dumps({"type": "pause"}))
            while True:  # the answer is not stuck behind frames: at most one came first
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                if message["type"] == "status" and not message["running"]:
                    break

    run_async(talk())
