"""Regression in the live trainer: a value set trains one linear output on mean squared error,
and its frames shade the plane by the predicted value on the set's range."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.grid import plane_grid
from neuronlab.engine.losses import r_squared
from neuronlab.engine.network import Network
from neuronlab.engine.serialise import save
from neuronlab.lab import render
from neuronlab.lab.trainer import protocol as p
from tests.lab.trainer.test_trainer_ws import SMALL, Talk, session_of

pytestmark = pytest.mark.timeout(60)

SURFACE = {**SMALL, "dataset": "surface", "points": 200, "noise": 0.0, "speed": 0}


@pytest.fixture
def talk(lab_client):
    with lab_client.websocket_connect("/ws/train") as ws:
        yield Talk(ws)


def saved(network: Network, tmp_path) -> bytes:
    return save(network, tmp_path / "model.npz").read_bytes()


def configure(talk, **config):
    talk.send(type="configure", config={**SURFACE, **config})
    data = talk.until(lambda m: m["type"] == "data")
    return data, talk.frame()


@pytest.mark.parametrize("dataset", p.regression_datasets())
def test_a_regression_set_sends_values_and_a_value_frame(talk, dataset):
    data, frame = configure(talk, dataset=dataset, validation=0.25)
    assert data["task"] == "regression" and data["classes"] == 1
    low, high = data["values"]["low"], data["values"]["high"]
    assert low == -high and 0.9 <= high <= 1.1  # both sets span about [-1, 1]
    train = data["train"]
    assert len(train["value"]) == len(train["index"]) == len(train["x"]) == 150
    assert set(train["label"]) == {0}
    # the points' colours are their targets on the same range as the shading (the values
    # are sent to 4 decimals, the indices from the full ones: the same to within a shade)
    expected = np.frombuffer(render.value_indices(np.array(train["value"]), low, high), np.uint8)
    assert np.abs(np.array(train["index"]) - expected).max() <= 1
    assert frame["boundary"] == {"width": 20, "height": 20, "format": "value8", "palette": 0}
    assert len(frame["parts_bytes"]["boundary"]) == 20 * 20
    assert frame["values"]["low"] == low and frame["values"]["high"] == high
    assert frame["values"]["min"] <= frame["values"]["max"]
    assert frame["edges"]["layer_sizes"] == [2, 8, 8, 1]  # one linear output
    # epoch 0 is measured at once: R² of the untrained network (no accuracy for values)
    assert frame["accuracy"] is None and frame["r2"] < 0.5


def test_the_shading_is_the_networks_prediction(lab_client, talk):
    configure(talk)
    talk.send(type="step", epochs=3)
    frame = talk.frame(lambda f: f["epoch"] == 3)
    session = session_of(lab_client, talk)
    network = session.network
    assert network.output == "identity" and network.loss_name == "mse"
    predicted = network.predict(plane_grid(session.bounds, SURFACE["grid"]))[:, 0]
    low, high = frame["values"]["low"], frame["values"]["high"]
    expected = np.frombuffer(render.value_indices(predicted, low, high), np.uint8)
    sent = np.frombuffer(frame["parts_bytes"]["boundary"], np.uint8)
    assert np.abs(sent.astype(int) - expected).max() <= 1  # drawn in float32
    assert frame["values"]["min"] == pytest.approx(predicted.min(), abs=1e-4)
    assert frame["values"]["max"] == pytest.approx(predicted.max(), abs=1e-4)


def test_a_regression_session_trains_and_the_mse_falls(lab_client, talk):
    configure(talk, validation=0.2, units=16, learning_rate=0.01)
    talk.send(type="step", epochs=1)
    first = talk.frame(lambda f: f["epoch"] == 1)
    talk.send(type="step", epochs=150)
    last = talk.frame(lambda f: f["epoch"] == 151)
    assert last["loss"] < first["loss"] / 4  # eq. 6's MSE on the training set
    assert last["val_loss"] < first["val_loss"] / 4
    # R² in place of accuracy, from the same loss and the targets' variance
    y = session_of(lab_client, talk).trainer.y
    assert last["r2"] == pytest.approx(r_squared(last["loss"], float(y.var())), rel=1e-9)
    assert last["r2"] > 0.8 and last["val_r2"] > 0.7
    assert last["accuracy"] is None and last["val_accuracy"] is None
    assert last["chart"]["loss"][-1] < last["chart"]["loss"][0]


def test_switching_between_classification_and_regression_rebuilds(talk):
    talk.send(type="configure", config={**SMALL, "speed": 0})
    classes = talk.until(lambda m: m["type"] == "data")
    assert classes["task"] == "classification" and "values" not in classes
    talk.send(type="start")
    talk.frame(lambda f: f["epoch"] >= 2)
    # a dataset change while training: a fresh one-output network trains on, and says so
    talk.send(type="configure", config={**SURFACE, "dataset": "saddle"})
    data = talk.until(lambda m: m["type"] == "data")
    assert data["task"] == "regression"
    status = talk.until(lambda m: m["type"] == "status" and m["message"])
    assert status["running"] is True
    assert status["message"] == "Dataset changed: training restarted from epoch 0."
    trained = talk.frame(
        lambda f: f["boundary"]["format"] == "value8" and f["epoch"] >= 3 and "edges" in f
    )
    assert trained["edges"]["layer_sizes"] == [2, 8, 8, 1] and trained["r2"] is not None
    talk.send(type="configure", config={**SMALL, "speed": 0})
    back = talk.until(lambda m: m["type"] == "data")
    assert back["task"] == "classification" and back["classes"] == 2
    status = talk.until(lambda m: m["type"] == "status" and m["message"])
    assert status["message"] == "Dataset changed: training restarted from epoch 0."
    frame = talk.frame(lambda f: f["boundary"]["format"] == "palette8" and "edges" in f)
    assert frame["edges"]["layer_sizes"] == [2, 8, 8, 2] and "values" not in frame
    assert frame["accuracy"] is not None and "r2" not in frame


def test_a_regression_set_refuses_clicked_points_in_a_sentence(talk):
    configure(talk)
    talk.send(type="add_point", x=0.1, y=0.2, label=1)
    error = talk.error()
    assert "classification sets" in error["detail"]
    talk.send(type="step", epochs=2)  # the session carries on
    assert talk.frame(lambda f: f["epoch"] == 2)["boundary"]["format"] == "value8"


def test_a_regression_model_loads_on_a_regression_set_only(lab_client, talk, tmp_path):
    configure(talk)
    url = talk.hello["model_url"]
    model = Network([2, 8, 8, 1], output="identity", seed=3)
    response = lab_client.post(f"{url}?name=fit.npz", content=saved(model, tmp_path))
    assert response.status_code == 200, response.text
    session = session_of(lab_client, talk)
    np.testing.assert_array_equal(session.network.params, model.params)
    talk.send(type="step", epochs=2)
    assert talk.frame(lambda f: f["epoch"] == 2)["boundary"]["format"] == "value8"
    # a classifier has no place on a regression set: refused in a sentence, nothing changed
    classifier = Network([2, 8, 8, 2], seed=3)
    response = lab_client.post(url, content=saved(classifier, tmp_path))
    assert response.status_code == 422
    assert "choose a classification set first" in response.json()["detail"]
    # and a regression model on a classification set names the sets that take it
    talk.send(type="configure", config={**SMALL, "speed": 0})
    talk.until(lambda m: m["type"] == "data" and m["task"] == "classification")
    response = lab_client.post(url, content=saved(model, tmp_path))
    assert response.status_code == 422
    assert "(surface or saddle)" in response.json()["detail"]


def test_a_diverged_regression_draws_grey_and_says_so(talk):
    configure(talk, optimizer="sgd", learning_rate=10, activation="identity", validation=0)
    talk.send(type="start")
    status = talk.until(lambda m: m["type"] == "status" and m["diverged"])
    assert "diverged" in status["message"]
    frame = talk.frame(lambda f: f["diverged_at"] is not None and not f["running"])
    assert frame["values"]["min"] is None and frame["loss"] is None and frame["r2"] is None
    assert set(frame["parts_bytes"]["boundary"]) == {255}  # every cell grey: not a number


def test_input_features_turn_the_saddle_into_a_straight_fit(lab_client, talk):
    # y = x1² − x2²: a linear network cannot fit it from x1, x2 (the best plane is flat), and
    # fits it exactly once x1² and x2² are inputs too
    plain = {"dataset": "saddle", "activation": "identity", "validation": 0, "units": 4}
    configure(talk, **plain)
    talk.send(type="step", epochs=150)
    flat = talk.frame(lambda f: f["epoch"] == 150)
    assert flat["r2"] < 0.1
    features = ["x1_squared", "x2_squared"]  # the same data: no new data message
    talk.send(type="configure", config={**SURFACE, **plain, "features": features})
    talk.until(lambda m: m["type"] == "config" and m["config"]["features"] == features)
    talk.send(type="step", epochs=150)
    fitted = talk.frame(lambda f: f["epoch"] == 150)
    network = session_of(lab_client, talk).network
    assert network.layer_sizes == [4, 4, 4, 1]  # x1, x2, x1², x2² in; one value out
    assert fitted["r2"] > 0.99 and fitted["boundary"]["format"] == "value8"
