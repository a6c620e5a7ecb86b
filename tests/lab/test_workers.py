"""A --workers process asked about another worker's session, when that worker is gone.

The forwarding itself (two workers behind one port, each answering for the other's sessions)
is tested end to end in test_deploy_nginx.py; here, in process, the error path.
"""

from __future__ import annotations

import socket

import pytest

from neuronlab.lab.workers import socket_path, worker_of

SESSION = "w01" + "a" * 20  # a session of worker 1, asked of worker 0


@pytest.fixture
def dead_worker(tmp_path):
    """Worker 1's socket file is there, but nothing listens on it (the worker died)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bound:
        bound.bind(socket_path(str(tmp_path), 1))  # bound, never listening, then closed
    return str(tmp_path)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_session_on_a_worker_that_is_gone_gets_a_503_sentence(make_client, dead_worker, method):
    assert worker_of(SESSION) == 1
    client = make_client(worker=0, worker_dir=dead_worker)
    url = f"/api/trainer/{SESSION}/model.npz"
    answer = client.get(url) if method == "get" else client.post(url, content=b"x")
    assert answer.status_code == 503
    detail = answer.json()["detail"]
    assert "not answering" in detail and detail.endswith(".")


def test_a_session_of_a_worker_that_never_was_is_not_found(make_client, tmp_path):
    client = make_client(worker=0, worker_dir=str(tmp_path))
    answer = client.get(f"/api/trainer/w07{'b' * 20}/model.npz")
    assert answer.status_code == 404


# ----------------------------------------------------- one cap for the lab, stale folders
@pytest.fixture
def two_workers(monkeypatch):
    """Two registries as two worker processes see them: one shared count of sessions."""
    import multiprocessing

    from neuronlab.lab import workers
    from neuronlab.lab.settings import Settings
    from neuronlab.lab.trainer.registry import SessionRegistry

    shared = multiprocessing.get_context("spawn").Value("i", 0)
    monkeypatch.setattr(workers, "_lab_sessions", shared)
    registries = [SessionRegistry(Settings(max_sessions=3, worker=w)) for w in (0, 1)]
    yield registries, shared
    for registry in registries:
        registry.close_all(timeout=2)


def test_max_sessions_caps_the_lab_not_each_worker(two_workers):
    from neuronlab.lab.trainer.registry import LabBusy

    (first, second), shared = two_workers
    opened = [first.open(lambda m: None, lambda: None) for _ in range(2)]
    second.open(lambda m: None, lambda: None)
    assert shared.value == 3
    with pytest.raises(LabBusy, match="all 3 training sessions"):
        second.open(lambda m: None, lambda: None)  # this worker holds one: the lab holds 3
    first.close(opened[0])
    assert shared.value == 2
    second.open(lambda m: None, lambda: None)  # the place freed in the other worker
    first.close(opened[0])  # closing twice frees one place, once
    assert shared.value == 3
    first.close_all()
    assert shared.value == 2  # the other worker's two


def test_folders_of_killed_labs_are_swept_and_live_ones_kept(tmp_path):
    import os
    import subprocess

    from neuronlab.lab.workers import FOLDER_PREFIX, sweep_leftover_folders

    child = subprocess.Popen(["true"])
    child.wait()  # its process id now names nobody
    killed = tmp_path / f"{FOLDER_PREFIX}{child.pid}-abc"
    alive = tmp_path / f"{FOLDER_PREFIX}{os.getpid()}-def"
    old_dead = tmp_path / f"{FOLDER_PREFIX}xyz123"  # an older version's name: no process id
    old_live = tmp_path / f"{FOLDER_PREFIX}uvw456"
    other = tmp_path / "neuronlab-run-1-x"  # not a workers' folder
    for folder in (killed, alive, old_dead, old_live, other):
        folder.mkdir()
    (killed / "worker-00.sock").touch()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bound:
        bound.bind(socket_path(str(old_dead), 0))  # bound, never listening: nobody answers
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listening:
        listening.bind(socket_path(str(old_live), 1))
        listening.listen(1)
        removed = sweep_leftover_folders(str(tmp_path))
    assert sorted(removed) == sorted([str(killed), str(old_dead)])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [alive.name, old_live.name, other.name]
    )


@pytest.fixture
def short_tmp():
    """A temporary folder with a short path (a Unix socket's path holds ~100 bytes)."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = tempfile.mkdtemp(prefix="nl-", dir="/tmp")
    yield Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_a_lab_of_two_workers_sweeps_what_a_killed_one_left_and_caps_the_whole(short_tmp):
    """End to end: ``neuronlab lab --workers 2 --max-sessions 3`` with TMPDIR holding the
    folder of a lab killed with kill -9: that folder goes at start, and the fourth trainer
    is told the lab is busy, whichever worker it reaches."""
    import asyncio
    import json
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from websockets.asyncio.client import connect

    from neuronlab.lab.workers import FOLDER_PREFIX
    from tests.support import free_port, run_async, wait_until_ready

    tmp_path = short_tmp
    child = subprocess.Popen(["true"])
    child.wait()
    leftover = tmp_path / f"{FOLDER_PREFIX}{child.pid}-killed"
    leftover.mkdir()
    (leftover / "worker-00.sock").touch()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "lab.log"
    command = [sys.executable, "-m", "neuronlab", "lab", "--no-browser", "--port", str(port)]
    with open(log, "w") as out:
        process = subprocess.Popen(
            [*command, "--workers", "2", "--max-sessions", "3"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"},
        )
    try:
        wait_until_ready(url, process, str(log))
        answered, deadline = set(), time.monotonic() + 30
        while answered != {0, 1} and time.monotonic() < deadline:
            with urllib.request.urlopen(url + "api/trainer/status", timeout=5) as response:
                answered.add(json.load(response)["worker"])
        assert answered == {0, 1}
        assert not leftover.exists()
        folders = [p.name for p in tmp_path.iterdir() if p.name.startswith(FOLDER_PREFIX)]
        assert folders == [f"{FOLDER_PREFIX}{process.pid}-" + folders[0].split("-", 3)[3]]

        async def a_class() -> list[dict]:
            sockets, first = [], []
            for _ in range(6):
                ws = await connect(f"ws://127.0.0.1:{port}/ws/train", open_timeout=15)
                sockets.append(ws)
                first.append(json.loads(await asyncio.wait_for(ws.recv(), 15)))
            for ws in sockets:
                await ws.close()
            return first

        first = run_async(asyncio.wait_for(a_class(), 60))
        kinds = [message["type"] for message in first]
        assert kinds == ["hello"] * 3 + ["error"] * 3
        assert {message.get("code") for message in first[3:]} == {"busy"}

        # the overfitting lab's sockets are capped for the whole lab too: with 3 open, every
        # later one is refused, whichever worker accepts it (6 tries: each lands on either)
        async def overfitting_labs() -> tuple[list[dict], list[dict]]:
            held = [
                await connect(f"ws://127.0.0.1:{port}/ws/overfitting", open_timeout=15)
                for _ in range(3)
            ]
            opened = [json.loads(await asyncio.wait_for(ws.recv(), 15)) for ws in held]
            refused = []
            for _ in range(6):
                ws = await connect(f"ws://127.0.0.1:{port}/ws/overfitting", open_timeout=15)
                refused.append(json.loads(await asyncio.wait_for(ws.recv(), 15)))
                await ws.close()
            await held[0].close()  # a place frees: the next one is let in
            deadline = time.monotonic() + 10
            while True:
                ws = await connect(f"ws://127.0.0.1:{port}/ws/overfitting", open_timeout=15)
                again = json.loads(await asyncio.wait_for(ws.recv(), 15))
                await ws.close()
                if again["type"] == "hello" or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)  # the closing socket's place is freed on its worker
            for ws in held[1:]:
                await ws.close()
            return opened + [again], refused

        opened, refused = run_async(asyncio.wait_for(overfitting_labs(), 60))
        assert [message["type"] for message in opened] == ["hello"] * 4
        assert [message.get("code") for message in refused] == ["busy"] * 6
        assert "3 overfitting labs are open" in refused[0]["detail"]
    finally:
        process.terminate()
        process.wait(10)


def test_the_workers_folder_leaves_room_for_its_sockets(monkeypatch, short_tmp):
    """A long TMPDIR would make the sockets' paths too long to bind: the folder goes to /tmp."""
    import os
    import shutil
    import tempfile

    from neuronlab.lab.workers import FOLDER_PREFIX, UNIX_PATH_MAX, make_folder

    deep = short_tmp / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    for directory, expected in ((str(short_tmp), str(short_tmp)), (str(deep), "/tmp")):
        monkeypatch.setattr(tempfile, "tempdir", directory)
        folder = make_folder()
        try:
            assert os.path.dirname(folder) == expected
            assert os.path.basename(folder).startswith(f"{FOLDER_PREFIX}{os.getpid()}-")
            assert os.stat(folder).st_mode & 0o777 == 0o700
            assert len(socket_path(folder, 63).encode()) <= UNIX_PATH_MAX
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bound:
                bound.bind(socket_path(folder, 63))
        finally:
            shutil.rmtree(folder)
