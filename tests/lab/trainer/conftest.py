"""Fixtures shared by the trainer's server tests."""

from __future__ import annotations

import pytest

from .test_trainer_ws import Talk


@pytest.fixture
def talk(lab_client):
    """A real websocket client on /ws/train, with the helpers of ``Talk``."""
    with lab_client.websocket_connect("/ws/train") as ws:
        yield Talk(ws)
