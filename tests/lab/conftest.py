"""Fixtures for the lab's API tests: an app and a real in-process client (HTTP and WebSocket)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from neuronlab.lab.app import create_app
from neuronlab.lab.settings import Settings


@pytest.fixture
def make_client():
    """Build a TestClient for an app with the given Settings fields; closed after the test.

    ``TestClient`` sends ``Host: testserver``, so tests that send an ``Origin`` header list
    that name in ``allowed_hosts``.
    """
    clients = []

    def build(**fields) -> TestClient:
        client = TestClient(create_app(Settings(**fields)))
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def lab_client(make_client) -> TestClient:
    """A client for an app with the default settings."""
    return make_client()
