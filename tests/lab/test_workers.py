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
