"""Initialisers: He has variance 2/n_in, Xavier 1/n_in, as a uniform draw on [−s, s]."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuronlab.engine.initialisers import init_weights, weight_variance
from neuronlab.engine.network import Network

# A uniform draw on [−s, s] has variance s²/3. With ~10⁶ weights the sample variance of a
# uniform draw has a relative standard error of √(0.8 / 10⁶) ≈ 0.1 %, so 3 % is a wide margin
# that still tells 2/n_in from 1/n_in, 2/n_out or 2/3·(2/n_in) (the s = √(2/n_in) mistake).
TOLERANCE = 0.03


@pytest.mark.parametrize(
    "activation, numerator",
    [("relu", 2.0), ("leaky_relu", 2.0), ("gelu", 2.0), ("tanh", 1.0), ("sigmoid", 1.0)],
)
def test_network_weights_have_the_claimed_variance(activation, numerator):
    # n_in ≠ n_out so that a variance computed from n_out (or the mean of both) would fail
    net = Network([500, 2000, 2], activation=activation, seed=3)
    W = net.W[0]  # (500, 2000): 10⁶ weights
    n_in = 500
    claimed = numerator / n_in
    assert abs(W.var() / claimed - 1) < TOLERANCE
    assert abs(W.mean()) < 0.01 * math.sqrt(claimed)
    # uniform on [−s, s] with s = √(3 · variance): √(6/n_in) for He, √(3/n_in) for Xavier
    s = math.sqrt(3 * numerator / n_in)
    assert np.abs(W).max() <= s
    assert np.abs(W).max() > 0.999 * s
    counts, _ = np.histogram(W, bins=10, range=(-s, s))
    assert counts.min() > 0.95 * counts.mean()  # flat: uniform, not Gaussian
    # biases start at zero
    assert all(not b.any() for b in net.b)


def test_init_weights_fills_in_place_with_the_claimed_variance(rng):
    W = np.zeros((1000, 800))
    init_weights(W, "he", rng)
    assert abs(W.var() / (2 / 1000) - 1) < TOLERANCE
    init_weights(W, "xavier", rng)
    assert abs(W.var() / (1 / 1000) - 1) < TOLERANCE


def test_weight_variance_formula_and_bad_name():
    assert weight_variance("he", 50) == 2 / 50
    assert weight_variance("xavier", 50) == 1 / 50
    with pytest.raises(ValueError, match="init must be one of"):
        weight_variance("lecun", 50)


def test_same_seed_same_weights_other_seed_other_weights():
    a = Network([4, 8, 3], seed=5)
    b = Network([4, 8, 3], seed=5)
    c = Network([4, 8, 3], seed=6)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)
