"""The paths taken for speed on large data give the same numbers as the plain ones.

Network.forward_rows (minibatch rows gathered into the network's buffer), the Trainer's
gathering of a large training set, and optimisers updating a long flat array in chunks with
chunk-long scratch arrays: each must match, bit for bit, what the straightforward path gives.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine import optimisers, training
from neuronlab.engine.network import Network
from neuronlab.engine.optimisers import OPTIMIZERS, make_optimizer
from neuronlab.engine.training import Trainer


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_rows_is_forward_of_the_rows(rng, dtype):
    X = rng.standard_normal((40, 5)).astype(dtype)
    rows = rng.permutation(40)[:13]
    net = Network([5, 7, 3], seed=1, dtype=dtype)
    expected = net.forward(X[rows]).copy()
    z_expected = [z.copy() for z in net._last.z]
    got = net.forward_rows(X, rows)
    np.testing.assert_array_equal(got, expected)
    for z, z_exp in zip(net._last.z, z_expected, strict=True):
        np.testing.assert_array_equal(z, z_exp)


def test_forward_rows_then_backward_gives_the_gradients_of_the_rows(rng):
    X = rng.standard_normal((30, 4))
    Y = np.eye(3)[rng.integers(0, 3, 30)]
    rows = np.array([3, 0, 29, 7, 7])  # repeats are allowed, as in X[rows]
    net = Network([4, 6, 3], seed=2)
    net.forward(X[rows])
    net.backward(Y[rows])
    expected = net.grads.copy()
    net.forward_rows(X, rows)
    net.backward(Y[rows])
    np.testing.assert_array_equal(net.grads, expected)


def test_forward_rows_converts_only_the_rows_of_another_dtype(rng):
    X = rng.standard_normal((20, 3))  # float64 data, float32 network
    net = Network([3, 4, 2], seed=0, dtype=np.float32)
    rows = np.arange(5, 12)
    got = net.forward_rows(X, rows).copy()
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, net.forward(X[rows].astype(np.float32)))


@pytest.mark.parametrize(
    "X_shape, rows, match",
    [
        ((10, 3), np.array([0, 10]), "rows must be row indices of X, from 0 to 9"),
        ((10, 3), np.array([-1, 2]), "rows must be row indices"),
        ((10, 3), np.array([0.0, 1.0]), "rows must be a non-empty 1-D array of integer"),
        ((10, 3), np.array([], dtype=int), "non-empty"),
        ((10, 3), np.array([[0, 1]]), "1-D"),
        ((10, 4), np.array([0, 1]), r"X must have shape \(n_samples, 3\)"),
    ],
)
def test_forward_rows_rejects_bad_input_with_a_message(X_shape, rows, match):
    net = Network([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match=match):
        net.forward_rows(np.zeros(X_shape), rows)


def trained_params(monkeypatch, X, y, gather_bytes: int, shuffle: bool = True) -> np.ndarray:
    monkeypatch.setattr(training, "GATHER_BYTES", gather_bytes)
    net = Network([X.shape[1], 16, 3], seed=5, dtype=X.dtype)
    trainer = Trainer(
        net, make_optimizer("adam", 0.01), X, y, batch_size=24, seed=9, shuffle=shuffle
    )
    assert trainer._gather == (X.nbytes > gather_bytes)
    for _ in range(3):
        trainer.run_epoch(evaluate=False)
    return net.params.copy()


@pytest.mark.parametrize("shuffle", [True, False])
def test_gathering_a_large_training_set_trains_exactly_like_the_shuffled_copy(
    monkeypatch, rng, shuffle
):
    X = rng.standard_normal((100, 6)).astype(np.float32)  # last minibatch: 4 rows
    y = rng.integers(0, 3, 100)
    copied = trained_params(monkeypatch, X, y, gather_bytes=10**9, shuffle=shuffle)
    gathered = trained_params(monkeypatch, X, y, gather_bytes=0, shuffle=shuffle)
    # the copied set is kept as [X, 1], so its layer 0 adds the bias inside the product
    # (z = [X, 1] @ [W; b]) where the gathered rows add it after (z = X W + b): the same sums
    # in another order, equal to float32 rounding; rows out of order would differ far more
    np.testing.assert_allclose(gathered, copied, rtol=1e-5, atol=1e-6)
    assert not np.array_equal(copied, Network([6, 16, 3], seed=5, dtype=np.float32).params)


def test_a_large_training_set_is_gathered_not_copied(rng):
    X = rng.standard_normal((training.GATHER_BYTES // 8 + 1, 1))  # just over the threshold
    trainer = Trainer(Network([1, 2, 2], seed=0), make_optimizer("sgd", 0.1), X, X[:, 0] > 0)
    assert trainer._gather and trainer._X_shuffled is None
    report = trainer.run_epoch()
    assert report.train_accuracy > 0.9  # it learns a threshold at 0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_bad_value_in_the_training_set_is_refused(bad, dtype):
    X = np.ones((50, 2), dtype)
    X[37, 1] = bad
    with pytest.raises(ValueError, match="X_train contains NaN or infinite values"):
        Trainer(Network([2, 3, 2], seed=0, dtype=dtype), make_optimizer("sgd", 0.1), X, [0, 1] * 25)


@pytest.mark.filterwarnings("error")  # and quietly: the overflow is ours, not the user's
def test_finite_values_whose_sum_overflows_are_accepted():
    X = np.full((50, 2), 3e38, np.float32)  # every value finite, their float32 sum is not
    with np.errstate(over="ignore"):
        assert not np.isfinite(X.sum())
    trainer = Trainer(
        Network([2, 3, 2], seed=0, dtype=np.float32), make_optimizer("sgd", 0.1), X, [0, 1] * 25
    )
    assert trainer.X.shape == (50, 2)


def run_steps(name: str, theta: np.ndarray, grads: list[np.ndarray]) -> np.ndarray:
    opt = make_optimizer(name, learning_rate=0.01)
    theta = theta.copy()
    for g in grads:
        opt.step([theta], [g])
    return theta


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_chunked_updates_equal_whole_array_updates(monkeypatch, rng, name, dtype):
    theta = rng.standard_normal(103).astype(dtype)
    grads = [rng.standard_normal(103).astype(dtype) for _ in range(4)]
    whole = run_steps(name, theta, grads)  # 103 <= CHUNK: one update per step
    monkeypatch.setattr(optimisers, "CHUNK", 10)  # 11 chunks, the last of 3
    chunked = run_steps(name, theta, grads)
    np.testing.assert_array_equal(chunked, whole)
    assert not np.array_equal(whole, theta)


def test_scratch_is_one_chunk_long_and_moments_as_long_as_theta(monkeypatch):
    monkeypatch.setattr(optimisers, "CHUNK", 10)
    opt = make_optimizer("adam", 0.01)
    opt.step([np.ones(25)], [np.ones(25)])
    state = opt._state[0]
    assert state["m"].shape == state["v"].shape == (25,)
    # three equal chunks of at most CHUNK: 9, 9, 7
    assert state["tmp"].shape == state["denominator"].shape == (9,)
    # the chunks' views, made once: they tile θ and write into the moments themselves
    assert [part for part, _ in state["chunks"]] == [slice(0, 9), slice(9, 18), slice(18, 27)]
    for part, chunk in state["chunks"]:
        assert np.shares_memory(chunk["m"], state["m"][part])
        assert chunk["m"].shape == state["m"][part].shape
        assert np.shares_memory(chunk["tmp"], state["tmp"])


def test_state_follows_a_change_of_array_shape(monkeypatch):
    monkeypatch.setattr(optimisers, "CHUNK", 10)
    opt = make_optimizer("adam", 0.01)
    opt.step([np.ones(25)], [np.ones(25)])
    theta = np.ones(37)  # another network: fresh moments of the new length, then kept
    fresh = make_optimizer("adam", 0.01)
    fresh.t = 1  # the step count carries on; only the moments start again
    expected = np.ones(37)
    for g in (np.full(37, 2.0), np.linspace(-1.0, 1.0, 37)):
        opt.step([theta], [g])
        fresh.step([expected], [g])
    assert opt._state[0]["m"].shape == (37,)
    np.testing.assert_array_equal(theta, expected)


@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_a_batch_with_a_column_of_ones_gives_the_same_pass_as_the_plain_batch(rng, output):
    """The Trainer keeps a small set as [X, 1] so that layer 0's bias rides in its product;
    the forward pass and every gradient must be those of the plain X."""
    X = rng.standard_normal((20, 3))
    Y = np.eye(4)[rng.integers(0, 4, 20)] if output == "softmax" else rng.standard_normal((20, 4))
    net = Network([3, 5, 6, 4], "tanh", output, seed=2)
    plain = net.forward(X).copy()
    net.backward(Y, l2=0.1)
    plain_grads = net.grads.copy()
    with_ones = net._forward(np.c_[X, np.ones(20)]).copy()
    net._backward(Y, 0.1, 0.0)
    np.testing.assert_allclose(with_ones, plain, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.grads, plain_grads, rtol=1e-12, atol=1e-15)
    assert net.db[0].any()  # layer 0's bias gradient came from the column of ones
