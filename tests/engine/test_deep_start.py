"""A deep, narrow network at initialisation: vanishing, exploding, identical and dead units."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.datasets import make_dataset
from neuronlab.engine.deep_start import (
    initialise,
    layer_statistics,
    train_from_start,
    weight_std,
)
from neuronlab.engine.network import Network

X, y = make_dataset("moons", n=120, noise=0.1, seed=0)
Y = np.eye(2)[y]


def deep(activation: str, scheme: str, depth: int = 10) -> Network:
    net = Network([2] + [8] * depth + [2], activation=activation, seed=0)
    initialise(net, scheme, seed=1)
    return net


@pytest.mark.parametrize(("scheme", "std"), [("xavier", 1 / 4), ("he", 0.125**0.5), ("large", 1.0)])
def test_the_weights_have_the_std_the_scheme_claims(scheme, std):
    assert weight_std(scheme, 16) == pytest.approx(std)
    net = Network([16, 400, 2], seed=0)
    initialise(net, scheme, seed=2)
    assert net.W[0].std() == pytest.approx(std, rel=0.02)
    assert not net.b[0].any()


def test_zeros_make_every_unit_of_a_layer_identical_and_block_the_error():
    stats = layer_statistics(deep("sigmoid", "zeros"), X, Y)
    assert all(s["identical"] for s in stats[:-1])
    assert all(s["gradient_rms"] == 0.0 for s in stats[:-1])  # BP2 through W = 0 is 0


def test_sigmoid_gradients_vanish_towards_the_input():
    stats = layer_statistics(deep("sigmoid", "xavier"), X, Y)
    sizes = [s["gradient_rms"] for s in stats]
    assert sizes[0] < 1e-4 * sizes[-1]  # at most 0.25 per layer, ten layers down
    assert not any(s["identical"] for s in stats)


def test_he_keeps_relu_gradients_within_one_order_of_magnitude():
    sizes = [s["gradient_rms"] for s in layer_statistics(deep("relu", "he"), X, Y)]
    assert max(sizes) / min(sizes) < 10


def test_large_relu_weights_explode_the_activations():
    spread = [s["activation_std"] for s in layer_statistics(deep("relu", "large"), X, Y)[:-1]]
    assert spread[-1] > 20 * spread[0]


def test_dead_relu_units_are_those_silent_on_every_sample():
    net = deep("relu", "he")
    stats = layer_statistics(net, X, Y)
    for l, (z, _a) in enumerate(net.trace(X)[:-1]):
        assert stats[l]["dead_units"] == int(np.sum((z <= 0).all(axis=0)))
    assert sum(s["dead_units"] for s in stats) > 0  # this seed has some to find
    tanh = layer_statistics(deep("tanh", "zeros"), X, Y)
    assert sum(s["dead_units"] for s in tanh) == 0  # a = 0 but f′ = 1: not dead


def test_which_starts_learn():
    _, good, _ = train_from_start(deep("relu", "he", depth=6), X, y, epochs=100)
    _, zeros, after = train_from_start(deep("tanh", "zeros", depth=6), X, y, epochs=100)
    assert good > 0.95
    assert zeros == 0.5  # never leaves the start: nothing to tell the units apart
    assert all(s["identical"] for s in after[:-1])


def test_a_bad_scheme_names_itself():
    with pytest.raises(ValueError, match="^scheme must"):
        weight_std("ones", 3)
