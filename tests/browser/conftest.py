"""The real lab server for browser tests: uvicorn in a subprocess on a free localhost port.

``lab_url`` is session-scoped and shared by every browser test: the server starts once
(``python -m neuronlab.lab --port N --no-browser``, the same code path as ``neuronlab lab``),
is polled until it answers, and is stopped at the end. Its output goes to
``tests/artifacts/lab-server.log``.
"""

from __future__ import annotations

import os

import pytest

from tests.support import lab_process


@pytest.fixture(scope="session")
def lab_url(artifacts_dir) -> str:
    """Base URL (ending in "/") of a real lab server started for this test session."""
    with lab_process(os.path.join(artifacts_dir, "lab-server.log")) as (url, _):
        yield url
