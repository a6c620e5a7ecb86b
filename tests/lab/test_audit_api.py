""" "Show the Python" never shows the wrong function after a source file is edited.

The source endpoint reads the file on disk at the line where the function started when the
server imported it. Once the file is edited (a teacher tweaking the engine while the lab
runs) that line holds other code; the endpoint must say so instead of showing it.
"""

from __future__ import annotations

import importlib
import sys

import pytest

from neuronlab.lab.api import source

ORIGINAL = '''
def step(x):
    """One step."""
    return x + 1
'''

EDITED = '''
def added_later(x):
    return x


def also_new(x):
    return 2 * x


def step(x):
    """One step."""
    return x + 1
'''


@pytest.fixture
def edited_module(tmp_path, monkeypatch):
    """A whitelisted module on disk, imported, whose file the test may then rewrite."""
    path = tmp_path / "audit_engine_stub.py"
    path.write_text(ORIGINAL, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(source.SOURCES, "stub.step", "audit_engine_stub:step")
    source.load_source.cache_clear()
    importlib.import_module("audit_engine_stub")
    yield path
    sys.modules.pop("audit_engine_stub", None)
    source.load_source.cache_clear()


def test_the_source_of_an_unchanged_file_is_served(lab_client, edited_module):
    response = lab_client.get("/api/source/stub.step")
    assert response.status_code == 200
    assert response.json()["text"].startswith("def step(x):")


def test_an_edited_file_gets_a_clear_409_not_other_code(lab_client, edited_module):
    edited_module.write_text(EDITED, encoding="utf-8")  # step() now starts further down
    response = lab_client.get("/api/source/stub.step")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "step" in detail and "restart" in detail
    assert "added_later" not in response.text
