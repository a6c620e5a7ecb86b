"""Past one machine: lab servers behind Debian's nginx, as docs/deploy.md sets them up.

Two lab servers (one of them with ``--workers 2``) stand for two machines; nginx, on loopback
in the foreground with its configuration written here, balances WebSockets over them under a
public name, ``lab.example``, which the servers accept through ``--allowed-host``. Training,
the model download and the playground all go through nginx; other names and other sites'
pages are still refused.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.support import free_port, run_async, wait_until_ready

# Debian puts nginx in /usr/sbin, which is not on an ordinary user's PATH; scripts/test.sh
# installs it, so on a machine set up by it this test runs rather than skips
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(NGINX is None, reason="needs Debian's nginx (scripts/test.sh installs it)"),
]

PUBLIC = "lab.example"

NGINX_CONF = """
daemon off;
worker_processes 1;
{user}
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream lab {{
        least_conn;
        server 127.0.0.1:{port_a};
        server 127.0.0.1:{port_b};
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name {public};
        client_max_body_size 1m;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_read_timeout 1h;
        proxy_buffering off;
        location / {{ proxy_pass http://lab; }}
        location /lab-a/ {{ proxy_pass http://127.0.0.1:{port_a}/; }}
        location /lab-b/ {{ proxy_pass http://127.0.0.1:{port_b}/; }}
    }}
}}
"""


def start(command: list[str], log_path) -> subprocess.Popen:
    with open(log_path, "w") as log:
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


@pytest.fixture(scope="module")
def balanced(tmp_path_factory):
    """nginx on loopback in front of two lab servers; yields (public URL, nginx port)."""
    folder = tmp_path_factory.mktemp("nginx")
    port_a, port_b, port = free_port(), free_port(), free_port()
    lab = [sys.executable, "-m", "neuronlab", "lab", "--no-browser", "--allowed-host", PUBLIC]
    processes = [
        start([*lab, "--port", str(port_a), "--node-prefix", "/lab-a"], folder / "a.log"),
        start(
            [*lab, "--port", str(port_b), "--node-prefix", "/lab-b", "--workers", "2"],
            folder / "b.log",
        ),
    ]
    user = "user root;" if os.geteuid() == 0 else ""  # workers that can use the temp folder
    conf = folder / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            folder=folder, port_a=port_a, port_b=port_b, port=port, public=PUBLIC, user=user
        )
    )
    try:
        for process, backend, name in zip(processes, (port_a, port_b), "ab", strict=True):
            wait_until_ready(f"http://127.0.0.1:{backend}/", process, str(folder / f"{name}.log"))
        nginx = start(
            [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
            folder / "nginx.log",
        )
        processes.append(nginx)
        wait_until_ready(f"http://127.0.0.1:{port}/", nginx, str(folder / "nginx.log"))
        yield f"http://{PUBLIC}:{port}/", port
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def public_get(port: int, path: str, host: str = f"{PUBLIC}") -> tuple[int, bytes]:
    """GET through nginx as a browser that resolved the public name to it."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": f"{host}:{port}"}
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.status, response.read()


def socket_to(port: int, path: str, origin: str):
    """A WebSocket through nginx, with the Host and Origin a page on ``origin`` sends."""
    host = origin.split("//", 1)[1]
    # the URL's name goes into Host; the TCP connection goes to nginx on loopback
    return connect(
        f"ws://{host}{path}", origin=origin, host="127.0.0.1", port=port, open_timeout=15
    )


async def train_one(port: int, origin: str) -> dict:
    """Open a trainer session through nginx, train to an epoch past 20; its hello and frame."""
    async with socket_to(port, "/ws/train", origin) as ws:
        hello = json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "start", "config": {"speed": 0, "grid": 20}}))
        while True:
            message = await asyncio.wait_for(ws.recv(), 30)
            if isinstance(message, bytes):
                length = int.from_bytes(message[:4], "little")
                header = json.loads(message[4 : 4 + length])
                await ws.send('{"type": "ack"}')
                if header["epoch"] > 20:
                    break
        # the model download goes to the machine that holds the session, through nginx
        status, body = await asyncio.to_thread(public_get, port, hello["model_url"])
        return {"hello": hello, "epoch": header["epoch"], "status": status, "bytes": body}


def test_the_page_comes_through_under_the_public_name(balanced):
    _, port = balanced
    status, page = public_get(port, "/")
    assert status == 200 and b"neuronlab" in page


def test_a_class_trains_through_the_balancer_on_both_servers(balanced):
    url, port = balanced
    origin = url.rstrip("/")

    async def class_of_six():
        sessions = [asyncio.create_task(train_one(port, origin)) for _ in range(6)]
        return await asyncio.gather(*sessions)

    results = run_async(asyncio.wait_for(class_of_six(), 120))
    prefixes = {result["hello"]["model_url"].split("/")[1] for result in results}
    assert prefixes == {"lab-a", "lab-b"}  # both machines took learners
    for result in results:
        assert result["epoch"] > 20
        assert result["status"] == 200 and result["bytes"][:2] == b"PK"  # an .npz is a zip


def test_the_playground_runs_through_the_balancer(balanced):
    url, port = balanced

    async def run_code() -> list[dict]:
        async with socket_to(port, "/ws/playground", url.rstrip("/")) as ws:
            events = [json.loads(await asyncio.wait_for(ws.recv(), 30))]
            await ws.send(json.dumps({"type": "run", "code": "print(6 * 7)"}))
            while events[-1]["type"] != "done":
                events.append(json.loads(await asyncio.wait_for(ws.recv(), 60)))
            return events

    events = run_async(run_code())
    assert events[0]["type"] == "hello"
    assert any(e["type"] == "stdout" and "42" in e["text"] for e in events), events
    assert events[-1]["status"] == "ok"


@pytest.mark.parametrize(
    ("host", "origin"),
    [(PUBLIC, "http://elsewhere.example"), ("rebound.example", "http://rebound.example")],
    ids=["another-site", "a-name-not-allowed"],
)
def test_other_names_and_sites_are_still_refused(balanced, host, origin):
    """Another site's page (its Origin is not the Host), and a rebinding name (Host and
    Origin agree, but the servers were not told to answer to that name)."""
    _, port = balanced

    async def handshake():
        async with connect(
            f"ws://{host}:{port}/ws/train",
            origin=f"{origin}:{port}",
            host="127.0.0.1",
            port=port,
            open_timeout=15,
        ):
            pass

    with pytest.raises(InvalidStatus) as refused:
        run_async(handshake())
    assert refused.value.response.status_code == 403


def test_workers_forward_downloads_to_the_session_holder(tmp_path):
    """Behind one port, each of two workers answers for the other's sessions."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "neuronlab", "lab", "--no-browser", "--port", str(port)]
    process = start([*command, "--workers", "2", "--max-sessions", "20"], tmp_path / "w.log")
    try:
        wait_until_ready(url, process, str(tmp_path / "w.log"))
        answered = set()  # each worker answers once it is up; new connections spread from then
        deadline = time.monotonic() + 30
        while answered != {0, 1} and time.monotonic() < deadline:
            with urllib.request.urlopen(url + "api/trainer/status", timeout=5) as response:
                answered.add(json.load(response)["worker"])

        async def sessions() -> list[tuple[str, int]]:
            sockets, answers = [], []
            for _ in range(12):  # spread over both workers by the kernel
                ws = await connect(f"ws://127.0.0.1:{port}/ws/train", open_timeout=15)
                sockets.append((ws, json.loads(await ws.recv())))
                await ws.send(json.dumps({"type": "configure", "config": {}}))
            await asyncio.sleep(0.5)
            for _ws, hello in sockets:
                for _ in range(3):  # each download may land on either worker
                    with urllib.request.urlopen(url[:-1] + hello["model_url"]) as response:
                        answers.append((hello["session"], response.status))
            for ws, _hello in sockets:
                await ws.close()
            return answers

        answers = run_async(asyncio.wait_for(sessions(), 60))
        workers = {session[:3] for session, _ in answers}
        assert workers == {"w00", "w01"}
        assert all(status == 200 for _, status in answers)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        assert time.monotonic() - started <= 2.0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
