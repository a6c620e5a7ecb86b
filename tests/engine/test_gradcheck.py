"""Backpropagation against central finite differences for every activation × loss × depth.

ReLU and leaky ReLU have a kink at z = 0 and L1 has one at W = 0; a finite difference that
straddles a kink measures neither side's slope. Instead of skipping those cases we draw data
and weights so that no hidden pre-activation lies within MARGIN of 0 and, with L1, no weight
lies within MARGIN of 0, and assert it. With the step EPS = 1e-5 on one parameter, a
pre-activation moves by about EPS · |input| ≪ MARGIN, so no difference crosses a kink.

Why EPS = 1e-5 and not 1e-6: the truncation error of a central difference shrinks like EPS²
but its rounding error grows like ε_mach · C / EPS. With penalties C is a few units while a
bias array deep in a narrow net can have a gradient of norm ~1e-5, and at EPS = 1e-6 rounding
alone gave a relative error of 2e-6 on such an array; at 1e-5 the worst case is ~1e-7.
"""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pytest

from neuronlab.engine.activations import ACTIVATIONS
from neuronlab.engine.datasets import make_dataset
from neuronlab.engine.gradcheck import gradient_check, parameter_names, relative_error
from neuronlab.engine.network import Network

EPS = 1e-5  # finite-difference step: near the float64 optimum (ε_mach^(1/3) · scale)
MARGIN = 1e-3  # distance kept from every kink
TOLERANCE = 1e-6  # relative error backprop vs finite differences (float64)
N_SAMPLES = 5
MAX_DRAWS = 50


def hidden_pre_activations(net: Network, X: np.ndarray) -> list[np.ndarray]:
    """z of every hidden layer, recomputed here from W and b (eq. 5), not read from the cache."""
    f = ACTIVATIONS[net.activation].f
    zs, a = [], X
    for W, b in zip(net.W[:-1], net.b[:-1], strict=True):
        z = a @ W + b  # (n, units)
        zs.append(z)
        a = f(z)
    return zs


def draw_problem(activation: str, output: str, depth: int, l1: float, seed: int):
    """A network with ``depth`` hidden layers of random widths and data away from every kink."""
    rng = np.random.default_rng(seed)
    widths = [int(k) for k in rng.integers(2, 7, size=depth)]  # random widths 2..6
    d_in, d_out = 3, (3 if output == "softmax" else 2)
    for _ in range(MAX_DRAWS):
        net = Network([d_in, *widths, d_out], activation, output, seed=rng)
        for b in net.b:
            b[...] = rng.normal(0.0, 0.3, size=b.shape)  # non-zero biases take part too
        X = rng.normal(size=(N_SAMPLES, d_in))
        if output == "softmax":
            y = rng.integers(0, d_out, size=N_SAMPLES)
            Y = np.eye(d_out)[y]
        else:
            y = Y = rng.normal(size=(N_SAMPLES, d_out))
        if min(np.abs(z).min() for z in hidden_pre_activations(net, X)) <= MARGIN:
            continue  # a pre-activation sits on a kink: draw again
        if l1 and min(np.abs(W).min() for W in net.W) <= MARGIN:
            continue  # a weight sits on the kink of |W|: draw again
        net.forward(X)
        net.backward(Y)
        if min(np.linalg.norm(g) for g in net.dW + net.db) < 1e-8:
            continue  # an array with zero gradient (dead units) would make the check vacuous
        return net, X, y
    raise AssertionError(f"no kink-free draw in {MAX_DRAWS} tries")


CASES = [
    (activation, output, depth)
    for activation in ACTIVATIONS
    for output in ("softmax", "identity")
    for depth in (1, 2, 3, 4)
]
PENALTIES = {"none": (0.0, 0.0), "l2": (0.1, 0.0), "l1": (0.0, 0.05), "l2+l1": (0.1, 0.05)}


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize(
    "activation, output, depth", CASES, ids=[f"{a}-{o}-depth{d}" for a, o, d in CASES]
)
def test_backprop_matches_finite_differences(activation, output, depth, penalty):
    l2, l1 = PENALTIES[penalty]
    seed = zlib.crc32(f"{activation}/{output}/{depth}/{penalty}".encode())
    net, X, y = draw_problem(activation, output, depth, l1, seed)
    before = net.params.copy()

    # the guarantees the check relies on, stated as assertions
    assert net.dtype == np.float64
    assert len(net.layer_sizes) == depth + 2
    assert min(np.abs(z).min() for z in hidden_pre_activations(net, X)) > MARGIN
    if l1:
        assert min(np.abs(W).min() for W in net.W) > MARGIN

    errors = gradient_check(net, X, y, l2=l2, l1=l1, eps=EPS)
    assert list(errors) == parameter_names(net)
    assert max(errors.values()) < TOLERANCE, errors
    np.testing.assert_array_equal(net.params, before)  # the check puts every parameter back


def test_depth_zero_softmax_regression_is_correct_too(rng):
    # no hidden layer: multinomial logistic regression
    net = Network([4, 3], output="softmax", seed=rng)
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    errors = gradient_check(net, X, y, l2=0.1)
    assert list(errors) == ["W1", "b1"] and max(errors.values()) < TOLERANCE


def test_the_check_catches_a_wrong_derivative(rng):
    # the same check must fail loudly when backprop is wrong: sigmoid with tanh's derivative
    net = Network([3, 4, 2], activation="sigmoid", seed=rng)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    assert max(gradient_check(net, X, y).values()) < TOLERANCE
    net.act = dataclasses.replace(net.act, df=ACTIVATIONS["tanh"].df)
    errors = gradient_check(net, X, y)
    assert errors["W1"] > 1e-2 and errors["b1"] > 1e-2
    assert errors["W2"] < TOLERANCE  # the output layer does not use f′


def test_the_check_catches_a_wrong_penalty_gradient(rng):
    # weights-only penalty: a gradient that also penalised biases would differ in b
    net = Network([2, 3, 2], activation="tanh", seed=rng)
    X, y = rng.normal(size=(4, 2)), rng.integers(0, 2, size=4)
    for b in net.b:
        b[...] = 1.0
    backward = net.backward

    def penalising_biases(Y, l2=0.0, l1=0.0):
        backward(Y, l2, l1)
        for b, db in zip(net.b, net.db, strict=True):
            db += l2 * b

    net.backward = penalising_biases
    errors = gradient_check(net, X, y, l2=0.5)
    assert errors["b1"] > 1e-2 and errors["W1"] < TOLERANCE


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    # ‖a − b‖ / (‖a‖ + ‖b‖) = 2 / (1 + 1) = 1 for opposite vectors
    assert relative_error(np.array([1.0, 0.0]), np.array([-1.0, 0.0])) == 1.0
    assert relative_error(np.array([3.0, 4.0]), np.array([0.0, 0.0])) == 1.0


def test_parameter_names_follow_the_course_numbering():
    assert parameter_names(Network([2, 3, 3, 2])) == ["W1", "b1", "W2", "b2", "W3", "b3"]


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"eps": 0.0}, ValueError, "eps must be > 0"),
        ({"eps": float("nan")}, ValueError, "eps must be > 0"),
        ({"l2": -1.0}, ValueError, "l2 must be >= 0"),
        ({"y": np.array(["a", "b", "a"])}, ValueError, "y must hold integer class labels"),
        ({"y": np.int64(1)}, ValueError, "y must have one entry per row"),
    ],
)
def test_bad_arguments_to_the_check_name_the_argument(rng, change, error, words):
    arguments = {"X": rng.normal(size=(3, 2)), "y": np.array([0, 1, 0]), **change}
    network = Network([2, 3, 2], seed=0)
    keywords = {k: v for k, v in arguments.items() if k not in ("X", "y")}
    with pytest.raises(error, match=words):
        gradient_check(network, arguments["X"], arguments["y"], **keywords)


def network() -> Network:
    return Network([2, 4, 2], seed=0)


def test_gradient_check_still_checks_once_its_inputs_are_valid():
    X, y = make_dataset("xor", n=40, noise=0.1, seed=0)
    errors = gradient_check(network(), X[:6], y[:6])
    assert list(errors) == ["W1", "b1", "W2", "b2"]
    assert max(errors.values()) < 1e-6
