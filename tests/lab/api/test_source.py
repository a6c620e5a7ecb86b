""" "Show the Python": ``/api/source`` serves whitelisted engine functions and nothing else,
and never shows the wrong function after a source file is edited.

The source endpoint reads the file on disk at the line where the function started when the
server imported it. Once the file is edited (a teacher tweaking the engine while the lab
runs) that line holds other code; the endpoint must say so instead of showing it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import neuronlab
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


# ----------------------------------------------------------------- what it serves


def test_source_of_a_whitelisted_engine_function(lab_client):
    response = lab_client.get("/api/source/training.Trainer.run_epoch")
    assert response.status_code == 200
    body = response.json()
    assert body["qualname"] == "Trainer.run_epoch"
    assert body["file"] == "neuronlab/engine/training.py"
    assert body["text"].startswith("def run_epoch(self")
    assert 'class="source"' in body["html"] and "run_epoch" in body["html"]
    source_file = Path(neuronlab.__file__).resolve().parent / "engine" / "training.py"
    lines = source_file.read_text(encoding="utf-8").splitlines()
    assert lines[body["line"] - 1].strip().startswith("def run_epoch")


def test_source_wildcard_admits_functions_defined_in_the_module(lab_client):
    body = lab_client.get("/api/source/activations.relu").json()
    assert body["text"].startswith("def relu(")


@pytest.mark.parametrize(
    "name",
    [
        "os.system",  # not whitelisted
        "activations.np",  # imported into the module, not defined there
        "activations.__builtins__",
        "activations.ACTIVATIONS",  # data, not code
        "activations.no_such_function",
        "network.forward.__globals__",
    ],
)
def test_source_refuses_anything_else(lab_client, name):
    response = lab_client.get(f"/api/source/{name}")
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("name", ["surfaces.Surface.__init__", "activations.Activation.__eq__"])
def test_source_of_generated_code_is_a_404_not_a_500(lab_client, name):
    # a dataclass writes these methods at run time: they have no lines in any file
    response = lab_client.get(f"/api/source/{name}")
    assert response.status_code == 404
    assert "no source" in response.json()["detail"]


def test_every_exact_source_name_resolves(lab_client):
    names = [n for n in lab_client.get("/api/source").json() if not n.endswith(".*")]
    for name in names:
        assert lab_client.get(f"/api/source/{name}").status_code == 200, name


# ------------------------------------------------------------- an edited file
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
