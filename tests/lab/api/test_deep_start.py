"""The deep-start widget's API: statistics against the engine computed here, and training."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.datasets import make_dataset
from neuronlab.engine.deep_start import initialise
from neuronlab.engine.network import Network


def direct(depth, activation, init, seed=1):
    X, y = make_dataset("moons", n=200, noise=0.1, seed=0)
    Y = np.eye(2)[y]
    net = Network([2] + [8] * depth + [2], activation=activation, seed=0)
    initialise(net, init, seed=seed)
    layers = net.trace(X)
    net.forward(X)
    net.backward(Y)
    return net, layers, X, Y


@pytest.mark.parametrize(
    ("depth", "activation", "init"),
    [(10, "sigmoid", "xavier"), (6, "relu", "he"), (4, "tanh", "large")],
)
def test_inspect_matches_the_engine(lab_client, depth, activation, init):
    body = {"depth": depth, "activation": activation, "init": init}
    view = lab_client.post("/api/deep-start/inspect", json=body).json()
    net, layers, X, Y = direct(depth, activation, init)
    assert view["layer_sizes"] == [2] + [8] * depth + [2]
    for l, stats in enumerate(view["layers"]):
        grad = np.sqrt(np.mean(net.dW[l] ** 2))
        assert stats["gradient_rms"] == pytest.approx(grad, rel=1e-9)
        assert stats["activation_std"] == pytest.approx(layers[l][1].std(), rel=1e-9)
    assert view["loss"] == pytest.approx(net.loss(X, Y), rel=1e-9)


def test_zeros_are_identical_and_relu_zeros_all_dead(lab_client):
    view = lab_client.post(
        "/api/deep-start/inspect", json={"depth": 5, "activation": "relu", "init": "zeros"}
    ).json()
    assert all(layer["identical"] for layer in view["layers"][:-1])
    assert view["dead_units"] == 5 * 8


def test_train_tells_which_starts_learn(lab_client):
    good = lab_client.post(
        "/api/deep-start/train",
        json={"depth": 6, "activation": "relu", "init": "he", "epochs": 100},
    ).json()
    bad = lab_client.post(
        "/api/deep-start/train",
        json={"depth": 10, "activation": "sigmoid", "init": "xavier", "epochs": 50},
    ).json()
    assert good["learned"] and good["accuracy"] > 0.95 and len(good["losses"]) == 100
    assert good["losses"][-1] < 0.5 * good["losses"][0]
    assert not bad["learned"] and bad["losses"][-1] > 0.6  # chance level, ln 2 ≈ 0.69
    assert not good["diverged"] and not bad["diverged"]


def test_a_start_whose_loss_overflows_says_so(lab_client):
    # weights drawn too large for a deep leaky ReLU net: the outputs overflow in epoch 1
    body = {"depth": 10, "activation": "leaky_relu", "init": "large", "epochs": 50}
    answer = lab_client.post("/api/deep-start/train", json=body)
    assert answer.status_code == 200
    view = answer.json()
    assert view["diverged"] and not view["learned"]
    assert len(view["losses"]) < 50  # it stopped there
    assert all(np.isfinite(loss) and loss < 1e6 for loss in view["losses"])  # no stand-in


@pytest.mark.parametrize(
    ("body", "field"),
    [({"depth": 21}, "depth"), ({"init": "ones"}, "init"), ({"activation": "swish"}, "activation")],
)
def test_bad_settings_get_one_sentence(lab_client, body, field):
    response = lab_client.post("/api/deep-start/inspect", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"].lower()
