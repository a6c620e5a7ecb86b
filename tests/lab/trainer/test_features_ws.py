"""Input features in the live trainer: the network's input width, the grids, the link."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.features import feature_map
from neuronlab.engine.grid import plane_grid
from neuronlab.lab import render
from neuronlab.lab.trainer import protocol as p
from tests.lab.trainer.test_trainer_ws import SMALL, Talk, session_of

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def talk(lab_client):
    with lab_client.websocket_connect("/ws/train") as ws:
        yield Talk(ws)


def test_features_widen_the_input_layer_and_the_grids_go_through_them(lab_client, talk):
    frame = talk.configure(features=["sin_x2", "x1_squared"])
    assert frame["edges"]["layer_sizes"] == [4, 8, 8, 2]
    assert len(frame["parts_bytes"]["edges"]) == 4 * 8 + 8 * 8 + 8 * 2
    talk.send(type="step", epochs=3)
    frame = talk.frame(lambda f: f["epoch"] == 3)
    session = session_of(lab_client, talk)
    assert session.network.layer_sizes[0] == 4
    assert session.trainer.X.shape[1] == 4
    grid = feature_map(plane_grid(session.bounds, SMALL["grid"]), ["x1_squared", "sin_x2"])
    expected = render.boundary_indices(session.network.predict_proba(grid))
    sent = np.frombuffer(frame["parts_bytes"]["boundary"][768:], np.uint8).astype(int)
    assert np.abs(sent - np.frombuffer(expected, np.uint8)).max() <= 1  # float32: a shade


def test_the_config_keeps_the_features_in_the_registry_order(talk):
    talk.send(type="configure", config={**SMALL, "features": ["x1_times_x2", "x2_squared"]})
    config = talk.until(lambda m: m["type"] == "config")["config"]
    assert config["features"] == ["x2_squared", "x1_times_x2"]
    # the page writes the config into its link and sends it back: the same config again
    again = p.TrainerConfig.model_validate(config)
    assert again.model_dump() == config


def test_changing_features_restarts_and_a_clicked_point_goes_through_them(lab_client, talk):
    talk.configure()
    talk.send(type="step", epochs=2)
    talk.frame(lambda f: f["epoch"] == 2)
    talk.send(type="configure", config={**SMALL, "features": ["x1_times_x2"]})
    frame = talk.frame(lambda f: f["epoch"] == 0 and "edges" in f)
    assert frame["edges"]["layer_sizes"][0] == 3
    talk.send(type="add_point", x=0.5, y=-0.4, label=1)
    talk.until(lambda m: m["type"] == "points")
    session = session_of(lab_client, talk)
    np.testing.assert_allclose(session.trainer.X[-1], [0.5, -0.4, -0.2])


@pytest.mark.parametrize(
    "features, said",
    [
        (["cos_x1"], "'cos_x1' is not an input feature; choose among x1_squared"),
        ("x1_squared", "Features should be a valid list"),
        (["x1_squared"] * 6, "Features: list each of the 5 input features at most once"),
    ],
)
def test_a_bad_feature_is_refused_in_one_sentence_naming_it(talk, features, said):
    talk.configure()
    talk.send(type="configure", config={**SMALL, "features": features})
    error = talk.error()
    assert said in error["detail"] and error["detail"].count(".") <= 2
    assert error["fields"] == ["features"]
    talk.send(type="step")  # the session lives on with its previous inputs
    assert talk.frame(lambda f: f["epoch"] == 1)["edges"]["layer_sizes"][0] == 2


def test_the_options_document_lists_the_features(lab_client):
    trainer = lab_client.get("/api/options").json()["trainer"]
    assert trainer["defaults"]["features"] == []
    assert [f["name"] for f in trainer["features"]] == [
        "x1_squared",
        "x2_squared",
        "x1_times_x2",
        "sin_x1",
        "sin_x2",
    ]
    assert trainer["features"][3]["label"] == "sin x₁" and trainer["input_labels"] == ["x₁", "x₂"]


def test_a_model_with_features_loads_where_the_inputs_match_and_is_refused_elsewhere(
    lab_client, talk, tmp_path
):
    from neuronlab.engine.network import Network
    from neuronlab.engine.serialise import save

    talk.configure(features=["x1_squared", "x2_squared"])
    body = save(Network([4, 8, 8, 2], seed=3), tmp_path / "model.npz").read_bytes()
    response = lab_client.post(talk.hello["model_url"], content=body)
    assert response.status_code == 200, response.text
    talk.send(type="configure", config=SMALL)  # back to x1 and x2 alone
    talk.frame(lambda f: f.get("edges", {}).get("layer_sizes", [0])[0] == 2)
    response = lab_client.post(talk.hello["model_url"], content=body)
    assert response.status_code == 422
    assert (
        "takes 4 inputs, but the trainer's network now has 2 (x₁, x₂)"
        in (response.json()["detail"])
    )


def test_the_landscape_of_a_model_trained_with_features(lab_client, tmp_path):
    from neuronlab.engine.network import Network
    from neuronlab.engine.serialise import save
    from neuronlab.lab.trainer.setup import build_trainer, make_data
    from neuronlab.lab.trainer.view import download_metadata

    config = p.TrainerConfig(points=120, hidden_layers=1, units=6, features=["x1_times_x2"])
    data, _ = make_data(config)
    trainer = build_trainer(config, data, [])
    for _ in range(5):
        trainer.run_epoch()
    network: Network = trainer.network
    path = save(network, tmp_path / "model.npz", download_metadata(config, 5))
    answer = lab_client.post(
        "/api/landscape/plane", params={"resolution": 11}, content=path.read_bytes()
    )
    assert answer.status_code == 200, answer.text
    X = feature_map(data[0], config.features)
    Y = np.eye(2)[data[1]]
    assert answer.json()["centre_loss"] == pytest.approx(network.loss(X, Y), rel=1e-6)


def test_a_downloaded_model_brings_its_own_input_features_not_only_their_count(lab_client, talk):
    # trained on x1², downloaded, then loaded into a session set to sin x1: as many inputs,
    # but other ones. The session takes the model's features, so it predicts as it did.
    talk.configure(features=["x1_squared"])
    talk.send(type="step", epochs=20)
    talk.frame(lambda f: f["epoch"] == 20 and not f["running"])
    trained = session_of(lab_client, talk).network.copy()
    body = lab_client.get(talk.hello["model_url"]).content
    talk.send(type="configure", config={**SMALL, "features": ["sin_x1"]})
    talk.frame(lambda f: f["epoch"] == 0)
    assert session_of(lab_client, talk).config.features == ["sin_x1"]
    response = lab_client.post(f"{talk.hello['model_url']}?name=squared.npz", content=body)
    assert response.status_code == 200, response.text
    assert response.json()["config"]["features"] == ["x1_squared"]
    # the page hears it too: its checkboxes follow the config message, its status says why
    config = talk.until(lambda m: m["type"] == "config")["config"]
    assert config["features"] == ["x1_squared"]
    told = talk.until(lambda m: m["type"] == "status" and m["message"])
    assert "on its own inputs, x₁, x₂, x₁²" in told["message"]
    session = session_of(lab_client, talk)
    assert session.config.features == ["x1_squared"]
    X = session.trainer.X
    np.testing.assert_allclose(X[:, 2], X[:, 0] ** 2)  # the data goes through x1², not sin
    np.testing.assert_array_equal(session.network.predict(X), trained.predict(X))
    # and the plane's grids through x1² as well
    frame = talk.frame(lambda f: f["epoch"] == 0)
    grid = feature_map(plane_grid(session.bounds, SMALL["grid"]), ["x1_squared"])
    expected = render.boundary_indices(session.network.predict_proba(grid))
    sent = np.frombuffer(frame["parts_bytes"]["boundary"][768:], np.uint8).astype(int)
    assert np.abs(sent - np.frombuffer(expected, np.uint8)).max() <= 1


def test_a_model_file_naming_inputs_it_does_not_have_is_refused(lab_client, talk, tmp_path):
    from neuronlab.engine.network import Network
    from neuronlab.engine.serialise import save

    talk.configure()
    config = {**SMALL, "features": ["x1_squared", "x2_squared"]}
    path = save(Network([3, 8, 8, 2], seed=3), tmp_path / "m.npz", {"config": config})
    response = lab_client.post(talk.hello["model_url"], content=path.read_bytes())
    assert response.status_code == 422
    assert "takes 3 inputs, but its file names 4 (x₁, x₂, x₁², x₂²)" in response.json()["detail"]
    config["features"] = ["cos_x1"]
    path = save(Network([3, 8, 8, 2], seed=3), tmp_path / "m.npz", {"config": config})
    response = lab_client.post(talk.hello["model_url"], content=path.read_bytes())
    assert response.status_code == 422
    assert "names input features the trainer does not know (cos_x1)" in response.json()["detail"]
