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
from tests.lab.trainer.test_trainer_ws import SMALL, session_of

pytestmark = pytest.mark.timeout(60)

SURFACE = {**SMALL, "dataset": "surface", "points": 200, "noise": 0.0, "speed": 0}


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


def test_a_clicked_point_on_a_regression_set_trains_with_its_value(lab_client, talk):
    data, _ = configure(talk, dataset="saddle")
    low, high = data["values"]["low"], data["values"]["high"]
    before = len(session_of(lab_client, talk).trainer.X)
    talk.send(type="add_point", x=0.5, y=-0.25, value=0.75)
    echo = talk.until(lambda m: m["type"] == "points")
    assert echo["added"] == [[0.5, -0.25, 0.75]] and echo["count"] == 1
    # its colour: the value's index on the plane's range, as the set's own points have
    assert echo["index"] == list(render.value_indices(np.array([0.75]), low, high))
    talk.send(type="add_point", x=-0.9, y=0.9, value=-4)  # beyond the range: the end colour
    echo = talk.until(lambda m: m["type"] == "points")
    assert echo["count"] == 2 and echo["index"] == [0]
    talk.send(type="step", epochs=2)
    frame = talk.frame(lambda f: f["epoch"] == 2)
    trainer = session_of(lab_client, talk).trainer
    assert len(trainer.X) == before + 2
    assert trainer.X[-2].tolist() == [0.5, -0.25] and trainer.y[-2] == 0.75
    assert trainer.y[-1] == -4.0
    # R² counts the new targets in: 1 - MSE / their variance, the added ones included
    assert frame["r2"] == pytest.approx(r_squared(frame["loss"], float(trainer.y.var())))
    # a reset keeps the learner's points, new data drops them
    talk.send(type="reset")
    talk.frame(lambda f: f["epoch"] == 0)
    assert len(session_of(lab_client, talk).trainer.X) == before + 2
    talk.send(type="regenerate", seed=5)
    talk.until(lambda m: m["type"] == "data")
    talk.send(type="add_point", x=0.1, y=0.1, value=0.0)
    assert talk.until(lambda m: m["type"] == "points")["count"] == 1


def test_a_regression_set_offers_the_middle_of_its_targets_for_new_points(talk):
    data, _ = configure(talk, dataset="saddle", noise=0.0)
    targets = data["train"]["value"] + data["validation"]["value"]
    middle = (min(targets) + max(targets)) / 2
    assert data["values"]["middle"] == pytest.approx(middle, abs=0.051)
    assert data["values"]["low"] <= data["values"]["middle"] <= data["values"]["high"]


@pytest.mark.parametrize(
    "point, field, words",
    [
        ({"label": 1}, "value", "needs a value"),  # no value: the page's box was empty
        ({"value": 0.5, "label": 1}, "label", "not a label"),
        ({"value": 10.5}, "value", "less than or equal to 10"),
        ({"value": -11}, "value", "greater than or equal to -10"),
        ({"value": "0.5"}, "value", "valid number"),
        ({"value": True}, "value", "valid number"),
    ],
)
def test_a_regression_point_without_a_fitting_value_is_refused(talk, point, field, words):
    configure(talk)
    talk.send(type="start")
    running = talk.frame(lambda f: f["epoch"] >= 2 and f["running"])
    talk.send(type="add_point", x=0.1, y=0.2, **point)
    error = talk.error()
    assert words in error["detail"] and error["detail"].endswith("."), error["detail"]
    assert error["fields"] == [field]  # the page marks that control
    assert "reply_to" not in error  # not an answer to a configure: the settings stand
    # nothing is lost: training goes on, and a good value is taken
    later = talk.frame(lambda f: f["epoch"] > running["epoch"] + 3)
    assert later["running"] is True
    talk.send(type="add_point", x=0.1, y=0.2, value=0.5)
    assert talk.until(lambda m: m["type"] in ("points", "error"))["type"] == "points"
    talk.send(type="pause")


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "add_point", "x": 0, "y": 0, "value": NaN}',
        '{"type": "add_point", "x": 0, "y": 0, "value": 1e400}',
    ],
)
def test_a_value_that_is_not_finite_is_refused(talk, text):
    configure(talk)
    talk.ws.send_text(text)
    error = talk.error()
    assert (
        error["detail"]
        == f"Value should be a finite number, got {'nan' if 'NaN' in text else 'inf'}."
    )
    assert error["fields"] == ["value"]


def test_a_classification_set_refuses_a_value(lab_client, talk):
    talk.send(type="configure", config={**SMALL, "speed": 0}, seq=1)
    assert talk.until(lambda m: m["type"] == "config")["reply_to"] == 1
    before = len(session_of(lab_client, talk).trainer.X)
    talk.send(type="add_point", x=0.1, y=0.2, label=1, value=0.5)
    error = talk.error()
    assert "takes a class (label), not a value" in error["detail"]
    assert error["fields"] == ["value"]
    assert len(session_of(lab_client, talk).trainer.X) == before  # nothing added
    talk.send(type="add_point", x=0.1, y=0.2)  # as before: class 1 when no label is given
    echo = talk.until(lambda m: m["type"] == "points")
    assert echo["added"] == [[0.1, 0.2, 1]] and "index" not in echo


def test_the_chart_carries_r2_per_epoch_where_a_classifier_has_accuracy(talk):
    configure(talk, validation=0.2)
    talk.send(type="step", epochs=5)
    frame = talk.frame(lambda f: f["epoch"] == 5 and "chart" in f)
    chart = frame["chart"]
    assert set(chart) == {"epoch", "loss", "val_loss", "r2", "val_r2"}
    assert chart["epoch"] == [0, 1, 2, 3, 4, 5]
    assert len(chart["r2"]) == len(chart["val_r2"]) == 6
    assert chart["r2"][-1] == pytest.approx(frame["r2"], rel=1e-3)  # four digits
    assert chart["val_r2"][-1] == pytest.approx(frame["val_r2"], rel=1e-3)
    assert chart["r2"][0] < chart["r2"][-1]  # the fit improves from the untrained network
    # a classification set's chart has its accuracy instead
    talk.send(type="configure", config={**SMALL, "speed": 0}, seq=2)
    talk.until(lambda m: m["type"] == "data" and m["task"] == "classification")
    talk.send(type="step", epochs=2)
    frame = talk.frame(lambda f: f["epoch"] == 2 and "chart" in f)
    assert set(frame["chart"]) == {"epoch", "loss", "val_loss", "accuracy", "val_accuracy"}
    assert frame["chart"]["accuracy"][-1] == pytest.approx(frame["accuracy"], abs=1e-4)


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


def test_the_value_bound_the_page_shows_is_the_one_the_server_takes(lab_client, talk):
    limit = lab_client.get("/api/options").json()["trainer"]["value_limit"]
    assert limit == p.VALUE_LIMIT
    configure(talk)
    for value in (limit, -limit):
        talk.send(type="add_point", x=0.3, y=0.3, value=value)
        assert talk.until(lambda m: m["type"] in ("points", "error"))["type"] == "points"
    talk.send(type="add_point", x=0.3, y=0.3, value=limit + 0.001)
    assert talk.error()["fields"] == ["value"]
