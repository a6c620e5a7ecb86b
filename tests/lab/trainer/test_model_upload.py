"""A saved model opened in the trainer: ``POST /api/trainer/{id}/model.npz``.

The model of ``neuronlab train --out`` (or one downloaded from the trainer) is loaded into a
live session, which then shows it and trains it from its weights on; a model the trainer
cannot show is refused with a sentence saying why.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from neuronlab.engine.network import Network
from neuronlab.engine.serialise import load_bytes, save
from tests.cli.conftest import NEURONLAB, cli_env

from .test_trainer_ws import Talk, session_of

SMALL = {"dataset": "spirals", "points": 120, "hidden_layers": 2, "units": 8, "grid": 20}


@pytest.fixture
def talk(lab_client):
    with lab_client.websocket_connect("/ws/train") as ws:
        talk = Talk(ws)
        talk.send(type="configure", config=SMALL)
        talk.frame()
        yield talk


def saved(network: Network, tmp_path) -> bytes:
    return save(network, tmp_path / "model.npz").read_bytes()


@pytest.fixture(scope="module")
def cli_model(tmp_path_factory) -> bytes:
    """A model written by the command line: spirals, two tanh layers of 12, a few epochs."""
    out = tmp_path_factory.mktemp("cli-run")
    command = [NEURONLAB, "train", "-e", "5", "-n", "200", "--hidden", "12,12"]
    command += ["--activation", "tanh", "-q", "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True, env=cli_env(), timeout=120)
    return (out / "model.npz").read_bytes()


def test_a_model_from_the_command_line_is_shown_and_trained(lab_client, talk, cli_model):
    url = talk.hello["model_url"]
    response = lab_client.post(f"{url}?name=model.npz", content=cli_model)
    assert response.status_code == 200, response.text
    config = response.json()["config"]
    assert (config["hidden_layers"], config["units"], config["activation"]) == (2, 12, "tanh")
    assert config["dataset"] == "spirals" and config["points"] == 120  # the data stays
    # the page hears it on its socket too
    told = talk.until(lambda m: m["type"] == "config")
    assert told["config"]["units"] == 12
    status = talk.until(lambda m: m["type"] == "status" and m["message"])
    assert status["message"].startswith("Loaded model.npz: a 2-12-12-2 tanh network")
    loaded, _ = load_bytes(cli_model)
    session = session_of(lab_client, talk)
    np.testing.assert_array_equal(session.network.params, loaded.params)
    # it trains on from these weights, and Reset comes back to them
    talk.send(type="step", epochs=2)
    talk.frame(lambda f: f["epoch"] == 2)
    assert not np.array_equal(session.network.params, loaded.params)
    talk.send(type="reset")
    talk.frame(lambda f: f["epoch"] == 0)
    np.testing.assert_array_equal(session.network.params, loaded.params)


def test_another_architecture_forgets_the_loaded_weights(lab_client, talk, tmp_path):
    model = Network([2, 8, 8, 2], seed=7)
    assert lab_client.post(talk.hello["model_url"], content=saved(model, tmp_path)).is_success
    session = session_of(lab_client, talk)
    np.testing.assert_array_equal(session.network.params, model.params)
    talk.send(type="configure", config={**SMALL, "units": 6})
    talk.until(lambda m: m["type"] == "config" and m["config"]["units"] == 6)
    talk.send(type="configure", config=SMALL)  # back to 8 units: the seed's weights again
    talk.until(lambda m: m["type"] == "config" and m["config"]["units"] == 8)
    np.testing.assert_array_equal(session.network.params, Network([2, 8, 8, 2]).params)


@pytest.mark.parametrize(
    "network, words",
    [
        (Network([2, 8, 8, 3]), "3 outputs, one per class, but the data has 2 classes"),
        (Network([4, 8, 2]), "takes 4 inputs"),
        (Network([2, 16, 8, 2]), "all of one width"),
        (Network([2, 2]), "all of one width"),
        (Network([2, 8, 1], output="identity"), "regression model"),
        (Network([2, 500, 2]), "Units"),
    ],
    ids=["outputs", "inputs", "widths", "no hidden layer", "regression", "too wide"],
)
def test_a_model_the_trainer_cannot_show_is_refused_with_the_reason(
    lab_client, talk, tmp_path, network, words
):
    before = session_of(lab_client, talk).network.params.copy()
    response = lab_client.post(talk.hello["model_url"], content=saved(network, tmp_path))
    assert response.status_code == 422
    assert words in response.json()["detail"]
    np.testing.assert_array_equal(session_of(lab_client, talk).network.params, before)
    talk.send(type="step")  # the session carries on as it was
    talk.frame(lambda f: f["epoch"] == 1)


@pytest.mark.parametrize(
    "body, words",
    [
        (b"not a zip file", "not a neuronlab model file"),
        (b"", "Send the model file"),
    ],
)
def test_a_file_that_is_not_a_model_is_refused(lab_client, talk, body, words):
    response = lab_client.post(talk.hello["model_url"], content=body)
    assert response.status_code == 422
    assert words in response.json()["detail"]


def test_an_unknown_session_is_a_404(lab_client, tmp_path):
    body = saved(Network([2, 8, 2]), tmp_path)
    response = lab_client.post("/api/trainer/notasession123/model.npz", content=body)
    assert response.status_code == 404
