"""The backpropagation stepper's API against an independent computation: the fast engine
(Network.forward/backward, an SGD step) and finite differences taken here."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.network import Network
from neuronlab.engine.optimisers import make_optimizer


def engine_twin(body: dict) -> Network:
    """The fast engine with the weights the stepper reports (course form W[j][i] → W[i, j])."""
    net = Network([2, 3, 2], activation=body["activation"], output="softmax")
    for l in range(2):
        net.W[l][...] = np.array(body["W"][l]).T
        net.b[l][...] = body["b"][l]
    return net


def engine_loss(net: Network, x, label) -> float:
    return net.loss(np.array([x]), np.eye(2)[[label]])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "gelu"])
def test_every_number_matches_the_fast_engine(lab_client, activation):
    query = {"x1": 0.7, "x2": -1.3, "label": 0, "activation": activation, "learning_rate": 0.4}
    body = lab_client.post("/api/backprop/step", json=query).json()
    fresh = Network([2, 3, 2], activation=activation, output="softmax", seed=3)
    for l in range(2):  # a fresh stepper starts from the engine's own initial weights
        np.testing.assert_array_equal(np.array(body["W"][l]).T, fresh.W[l])
    net = engine_twin(body)
    X, Y = np.array([[0.7, -1.3]]), np.array([[1.0, 0.0]])
    (hidden_z, hidden_a), (logits, p) = net.trace(X)
    np.testing.assert_allclose(body["z"][0], hidden_z[0], atol=1e-12)
    np.testing.assert_allclose(body["a"][0], hidden_a[0], atol=1e-12)
    np.testing.assert_allclose(body["z"][1], logits[0], atol=1e-12)
    np.testing.assert_allclose(body["a"][1], p[0], atol=1e-12)
    assert body["loss"] == pytest.approx(engine_loss(net, [0.7, -1.3], 0), abs=1e-12)
    np.testing.assert_allclose(body["delta_out"], p[0] - Y[0], atol=1e-12)  # BP1′
    net.forward(X)
    net.backward(Y)
    for l in range(2):
        np.testing.assert_allclose(np.array(body["grad_W"][l]).T, net.dW[l], atol=1e-12)
        np.testing.assert_allclose(body["grad_b"][l], net.db[l], atol=1e-12)
    np.testing.assert_allclose(body["delta_hidden"], net.db[0], atol=1e-12)  # BP3: δ = ∂C/∂b
    np.testing.assert_allclose(
        np.array(body["back"]) * np.array(body["f_prime"]), body["delta_hidden"], atol=1e-15
    )
    make_optimizer("sgd", 0.4).step([net.params], [net.grads])  # eq. 9 in the engine
    for l in range(2):
        np.testing.assert_allclose(np.array(body["W_after"][l]).T, net.W[l], atol=1e-12)
        np.testing.assert_allclose(body["b_after"][l], net.b[l], atol=1e-12)
    assert body["loss_after"] == pytest.approx(engine_loss(net, [0.7, -1.3], 0), abs=1e-12)
    assert body["loss_after"] < body["loss"]  # a small step on one point lowers its loss


@pytest.mark.parametrize("pick", [(0, 2, 1), (1, 0, 2), (0, 1, None), (1, 1, None)])
def test_the_check_agrees_with_a_finite_difference_taken_here(lab_client, pick):
    layer, j, i = pick
    query = {"x1": -0.4, "x2": 0.9, "label": 1, "activation": "tanh"}
    ask = {**query, "check": {"layer": layer, "j": j, "i": i}}
    body = lab_client.post("/api/backprop/step", json=ask).json()
    check = body["check"]
    net = engine_twin(body)
    h = 1e-5
    target = net.W[layer][i, j:] if i is not None else net.b[layer][j:]  # engine W[i, j]
    original = float(target[0])
    target[0] = original + h
    up = engine_loss(net, [-0.4, 0.9], 1)
    target[0] = original - h
    down = engine_loss(net, [-0.4, 0.9], 1)
    slope = (up - down) / (2 * h)
    assert check["finite_difference"] == pytest.approx(slope, rel=1e-6, abs=1e-9)
    assert check["backprop"] == pytest.approx(slope, rel=1e-6, abs=1e-9)
    expected = body["grad_W"][layer][j][i] if i is not None else body["grad_b"][layer][j]
    assert check["backprop"] == expected
    assert abs(check["backprop"]) > 1e-4  # a slope worth checking, not a dead zero


def test_sending_the_weights_back_takes_the_next_step(lab_client):
    first = lab_client.post("/api/backprop/step", json={"label": 0}).json()
    weights = {"W": first["W_after"], "b": first["b_after"]}
    second = lab_client.post("/api/backprop/step", json={"label": 0, "weights": weights}).json()
    assert second["W"] == first["W_after"] and second["b"] == first["b_after"]
    assert second["loss"] == pytest.approx(first["loss_after"], abs=1e-15)
    assert second["loss_after"] < second["loss"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"label": 2}, "label"),
        ({"x1": 9}, "x1"),
        ({"learning_rate": 0}, "learning rate"),
        ({"activation": "swish"}, "activation"),
        ({"weights": {"W": [[[1, 2]], [[1, 2, 3]]], "b": [[0, 0, 0], [0, 0]]}}, "weights"),
        ({"check": {"layer": 1, "j": 2, "i": 0}}, "check.j"),
        ({"check": {"layer": 0, "j": 0, "i": 2}}, "check.i"),
        ({"check": {"layer": 3, "j": 0}}, "layer"),
    ],
)
def test_bad_requests_get_one_sentence(lab_client, change, field):
    response = lab_client.post("/api/backprop/step", json=change)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and field.lower() in detail.lower(), detail
