"""A network's loss on a plane through its weights (Li et al. 2018), and a race on it."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.datasets import make_dataset
from neuronlab.engine.landscape import as_surface, filter_normalised_direction, loss_plane
from neuronlab.engine.network import Network
from neuronlab.engine.optimisers import make_optimizer
from neuronlab.engine.surfaces import descend
from neuronlab.engine.training import Trainer

X, y = make_dataset("moons", n=100, noise=0.1, seed=0)
Y = np.eye(2)[y]


@pytest.fixture(scope="module")
def trained() -> Network:
    net = Network([2, 8, 8, 2], activation="tanh", seed=0)
    list(Trainer(net, make_optimizer("adam", 0.02), X, y, batch_size=20, seed=0).train(30))
    return net


def test_directions_are_filter_normalised_and_leave_biases_alone(trained):
    d = filter_normalised_direction(trained, seed=3)
    twin = trained.copy()
    twin.params[...] = d
    for W, dW, db in zip(trained.W, twin.W, twin.b, strict=True):
        np.testing.assert_allclose(np.linalg.norm(dW, axis=0), np.linalg.norm(W, axis=0))
        assert not db.any()
    assert not np.allclose(d, filter_normalised_direction(trained, seed=4))


def test_the_plane_passes_through_the_network_and_leaves_it_unchanged(trained):
    before = trained.params.copy()
    dirs = (filter_normalised_direction(trained, 1), filter_normalised_direction(trained, 2))
    axis, losses = loss_plane(trained, X, Y, dirs, span=1.0, resolution=11)
    np.testing.assert_array_equal(trained.params, before)
    assert axis[5] == 0.0 and losses.shape == (11, 11)
    assert losses[5, 5] == pytest.approx(trained.loss(X, Y), rel=1e-12)
    # one corner by hand: α = −1 (column 0), β = 1 (row 10)
    twin = trained.copy()
    twin.params[...] = before - dirs[0] + dirs[1]
    assert losses[10, 0] == pytest.approx(twin.loss(X, Y), rel=1e-12)
    assert losses.min() >= 0 and losses.max() > 2 * losses[5, 5]  # a trained net sits low


def test_the_slice_gradient_is_the_chain_rule_along_the_directions(trained):
    dirs = (filter_normalised_direction(trained, 1), filter_normalised_direction(trained, 2))
    surface = as_surface(trained, X, Y, dirs)
    p, h = np.array([0.3, -0.2]), 1e-6
    numeric = [
        (surface.f(p[0] + h, p[1]) - surface.f(p[0] - h, p[1])) / (2 * h),
        (surface.f(p[0], p[1] + h) - surface.f(p[0], p[1] - h)) / (2 * h),
    ]
    np.testing.assert_allclose(surface.grad(p), np.ravel(numeric), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_the_four_optimisers_race_down_the_slice(trained, name):
    dirs = (filter_normalised_direction(trained, 1), filter_normalised_direction(trained, 2))
    surface = as_surface(trained, X, Y, dirs, span=2.0)  # starts at (1.6, 1.6)
    rate = {"sgd": 0.5, "momentum": 0.1, "rmsprop": 0.05, "adam": 0.1}[name]
    path = descend(surface, optimizer=make_optimizer(name, rate), steps=60)
    assert not path.diverged
    assert path.losses[0] > 10 * trained.loss(X, Y)  # out on the slope ...
    assert path.losses[-1] < 0.1 * path.losses[0]  # ... and down towards the trained weights
    assert np.linalg.norm(path.points[-1]) < 0.5 * np.linalg.norm(path.points[0])
