"""Network: a hand-worked 2-2-2 example, the flat parameter buffer, penalties, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.network import Network


def hand_network() -> Network:
    """The 2-2-2 ReLU/softmax network worked by hand below."""
    net = Network([2, 2, 2], activation="relu", output="softmax")
    net.W[0][...] = [[0.1, -0.2], [0.3, 0.4]]  # W1: (n_in=2, n_out=2), row i = input i
    net.b[0][...] = [0.1, -0.7]
    net.W[1][...] = [[0.5, -0.5], [1.0, 0.0]]  # W2: row j = hidden unit j
    net.b[1][...] = [0.0, 0.2]
    return net


def test_hand_worked_forward_pass():
    net = hand_network()
    x = np.array([[1.0, 2.0]])
    # eq. 5, hidden layer: z1 = x W1 + b1
    #   z1_0 = 1·0.1 + 2·0.3 + 0.1 = 0.8
    #   z1_1 = 1·(−0.2) + 2·0.4 − 0.7 = −0.1
    # eq. 10: a1 = ReLU(z1) = (0.8, 0)
    np.testing.assert_allclose(net.hidden_activations(x), [[[0.8, 0.0]]], atol=1e-15)
    # output layer: z2 = a1 W2 + b2
    #   z2_0 = 0.8·0.5 + 0·1.0 + 0 = 0.4
    #   z2_1 = 0.8·(−0.5) + 0·0 + 0.2 = −0.2
    # eq. 7: p_0 = e^0.4 / (e^0.4 + e^−0.2) = 1 / (1 + e^−0.6) = 0.6456563062257954
    p = net.predict_proba(x)
    np.testing.assert_allclose(p, [[0.6456563062257954, 0.3543436937742046]], rtol=1e-14)
    assert net.predict(x).tolist() == [0]
    # eq. 8 with label 0: C = −log p_0 = 0.43748795048588573
    assert net.loss(x, np.array([[1.0, 0.0]])) == pytest.approx(0.43748795048588573, rel=1e-14)


def test_hand_worked_gradient():
    net = hand_network()
    x, Y = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]])
    net.forward(x)
    net.backward(Y)
    q = 0.3543436937742046  # 1 − p_0 from the forward pass above
    # BP1′: δ2 = (p − y) / n = (0.64566 − 1, 0.35434 − 0) / 1 = (−q, q)
    np.testing.assert_allclose(net.db[1], [-q, q], rtol=1e-14)  # BP3: ∂C/∂b2 = δ2
    # BP4: ∂C/∂W2 = a1ᵀ δ2 = [[0.8·(−q), 0.8·q], [0·(−q), 0·q]]
    np.testing.assert_allclose(net.dW[1], [[-0.2834749550193637, 0.2834749550193637], [0, 0]])
    # BP2: δ1 = δ2 W2ᵀ ⊙ ReLU′(z1)
    #   δ2 W2ᵀ = (−q·0.5 + q·(−0.5), −q·1.0 + q·0) = (−q, −q)
    #   ReLU′(z1) = ReLU′(0.8, −0.1) = (1, 0)  → δ1 = (−q, 0): the silent unit learns nothing
    np.testing.assert_allclose(net.db[0], [-q, 0.0], rtol=1e-14)
    # BP4: ∂C/∂W1 = xᵀ δ1 = [[1·(−q), 0], [2·(−q), 0]]
    np.testing.assert_allclose(net.dW[0], [[-q, 0.0], [-0.7086873875484092, 0.0]], rtol=1e-14)


def test_hand_worked_regression_gradient():
    # 1-1-1 with identity hidden and output: ŷ = w2 (w1 x + b1) + b2, C = ½ (ŷ − y)²
    net = Network([1, 1, 1], activation="identity", output="identity")
    net.W[0][...], net.b[0][...], net.W[1][...], net.b[1][...] = 2.0, 1.0, 3.0, -1.0
    x, y = np.array([[0.5]]), np.array([[4.0]])
    # h = 2·0.5 + 1 = 2; ŷ = 3·2 − 1 = 5; C = ½ (5 − 4)² = 0.5
    assert net.predict(x)[0, 0] == 5.0
    assert net.loss(x, y) == 0.5
    net.forward(x)
    net.backward(y)
    # δ2 = ŷ − y = 1 (the ½ cancels the 2); ∂C/∂w2 = h δ2 = 2; ∂C/∂b2 = 1
    # δ1 = δ2 w2 · 1 = 3; ∂C/∂w1 = x δ1 = 1.5; ∂C/∂b1 = 3
    np.testing.assert_array_equal(net.grads, [1.5, 3.0, 2.0, 1.0])  # W1, b1, W2, b2


def test_parameters_live_in_one_flat_buffer():
    net = Network([3, 4, 5, 2], seed=1)
    assert net.n_params == 3 * 4 + 4 + 4 * 5 + 5 + 5 * 2 + 2
    assert net.params.shape == net.grads.shape == (net.n_params,)
    assert [W.shape for W in net.W] == [(3, 4), (4, 5), (5, 2)]
    assert [b.shape for b in net.b] == [(4,), (5,), (2,)]
    assert [dW.shape for dW in net.dW] == [(3, 4), (4, 5), (5, 2)]
    # the per-layer arrays are views: writing through one shows in the flat buffer
    for arrays, flat in ((net.W + net.b, net.params), (net.dW + net.db, net.grads)):
        for arr in arrays:
            assert np.shares_memory(arr, flat)
    net.W[1][2, 3] = 42.0
    assert (net.params == 42.0).sum() == 1
    net.params[-1] = -7.0
    assert net.b[2][-1] == -7.0
    assert net.layer_sizes == [3, 4, 5, 2] and net.n_layers == 3


def test_batch_loss_and_gradient_are_means_over_samples(rng):
    net = Network([3, 5, 4], activation="tanh", seed=2)
    X = rng.normal(size=(6, 3))
    Y = np.eye(4)[rng.integers(0, 4, size=6)]
    assert net.loss(X, Y) == pytest.approx(
        np.mean([net.loss(X[i : i + 1], Y[i : i + 1]) for i in range(6)]), rel=1e-13
    )
    net.forward(X)
    net.backward(Y)
    batch_grads = net.grads.copy()
    per_sample = []
    for i in range(6):
        net.forward(X[i : i + 1])
        net.backward(Y[i : i + 1])
        per_sample.append(net.grads.copy())
    np.testing.assert_allclose(batch_grads, np.mean(per_sample, axis=0), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("layout", ["fortran", "column view", "integers", "float32"])
def test_any_layout_of_x_gives_the_same_gradient(rng, layout):
    """Layer 0 reads X as it is given (no copy): its layout or dtype must not matter."""
    net = Network([3, 4, 2], activation="relu", seed=1)
    X = rng.integers(-3, 4, size=(7, 3)).astype(float)
    Y = np.eye(2)[rng.integers(0, 2, size=7)]
    net.forward(X)
    net.backward(Y)
    expected = net.grads.copy()
    given = {
        "fortran": np.asfortranarray(X),
        "column view": np.hstack([X, X])[:, :3],  # rows 6 apart in memory
        "integers": X.astype(np.int64),
        "float32": X.astype(np.float32),
    }[layout]
    net.grads[...] = np.nan
    net.forward(given)
    net.backward(Y)
    np.testing.assert_allclose(net.grads, expected, rtol=1e-12)


def test_backward_uses_the_batch_of_the_last_forward(rng):
    """A later forward with another batch size is the one backward differentiates."""
    net = Network([3, 4, 2], activation="tanh", seed=1)
    X1, X2 = rng.normal(size=(5, 3)), rng.normal(size=(8, 3))
    Y2 = np.eye(2)[rng.integers(0, 2, size=8)]
    net.forward(X2)
    net.backward(Y2)
    expected = net.grads.copy()
    net.forward(X1)
    net.forward(X2)
    net.backward(Y2)
    np.testing.assert_array_equal(net.grads, expected)


def test_penalties_apply_to_weights_not_biases(rng):
    net = Network([2, 3, 2], seed=0)
    for b in net.b:
        b[...] = 5.0  # large biases: a penalty that touched them would show
    X, Y = rng.normal(size=(4, 2)), np.eye(2)[[0, 1, 1, 0]]
    data = net.loss(X, Y)
    sum_sq = sum((W**2).sum() for W in net.W)
    sum_abs = sum(np.abs(W).sum() for W in net.W)
    # C = data loss + (l2/2) ΣW² + l1 Σ|W|
    assert net.loss(X, Y, l2=0.3) == pytest.approx(data + 0.15 * sum_sq, rel=1e-14)
    assert net.loss(X, Y, l1=0.2) == pytest.approx(data + 0.2 * sum_abs, rel=1e-14)
    net.forward(X)
    net.backward(Y)
    plain = [g.copy() for g in net.dW + net.db]
    net.forward(X)
    net.backward(Y, l2=0.3, l1=0.2)
    for l in range(2):
        expected = plain[l] + 0.3 * net.W[l] + 0.2 * np.sign(net.W[l])
        np.testing.assert_allclose(net.dW[l], expected, rtol=1e-14)
        np.testing.assert_array_equal(net.db[l], plain[2 + l])


def test_predictions_have_the_documented_shapes(rng):
    X = rng.normal(size=(7, 3))
    clf = Network([3, 5, 6, 4], activation="gelu", seed=0)
    proba = clf.predict_proba(X)
    assert proba.shape == (7, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(clf.predict(X), proba.argmax(axis=1))
    hidden = clf.hidden_activations(X)
    assert [h.shape for h in hidden] == [(7, 5), (7, 6)]
    # predict_proba returns a fresh array, not the forward buffer the next call overwrites
    kept = proba.copy()
    clf.forward(rng.normal(size=(7, 3)))
    np.testing.assert_array_equal(proba, kept)
    assert not np.shares_memory(proba, clf.forward(X))

    reg = Network([3, 4, 2], activation="tanh", output="identity", seed=0)
    assert reg.predict(X).shape == (7, 2)
    with pytest.raises(ValueError, match="predict_proba needs a softmax"):
        reg.predict_proba(X)


def test_copy_is_independent():
    net = Network([2, 3, 2], activation="sigmoid", seed=4)
    twin = net.copy()
    np.testing.assert_array_equal(twin.params, net.params)
    assert twin.activation == "sigmoid" and twin.layer_sizes == net.layer_sizes
    twin.W[0][0, 0] += 1.0
    assert twin.params[0] != net.params[0]
    assert not np.shares_memory(twin.params, net.params)


def test_float32_network_computes_in_float32(rng):
    net = Network([2, 8, 3], dtype=np.float32, seed=0)
    assert net.params.dtype == np.float32 and net.grads.dtype == np.float32
    X = rng.normal(size=(5, 2))
    out = net.forward(X).copy()  # float64 input is cast
    assert out.dtype == np.float32
    ref = Network([2, 8, 3], dtype=np.float64, seed=0)
    ref.params[...] = net.params
    np.testing.assert_allclose(out, ref.forward(X), rtol=1e-5)


def test_backward_needs_a_forward_and_matching_targets(rng):
    net = Network([2, 3, 2], seed=0)
    with pytest.raises(RuntimeError, match="forward"):
        net.backward(np.zeros((1, 2)))
    net.forward(rng.normal(size=(4, 2)))
    with pytest.raises(ValueError, match="Y must have shape"):
        net.backward(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="Y must have shape"):
        net.loss(rng.normal(size=(4, 2)), np.zeros((4, 3)))


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"layer_sizes": [2, 0, 2]}, ValueError, "layer_sizes"),
        ({"layer_sizes": [2, -3, 2]}, ValueError, "layer_sizes"),
        ({"layer_sizes": [0, 3, 2]}, ValueError, "layer_sizes"),
        ({"layer_sizes": [2, 2.5, 2]}, ValueError, "layer_sizes"),
        ({"layer_sizes": [2]}, ValueError, "layer_sizes"),
        ({"layer_sizes": [2, "many", 2]}, TypeError, "layer_sizes"),
        ({"layer_sizes": 5}, TypeError, "layer_sizes"),
        ({"activation": "swish"}, ValueError, "activation must be one of"),
        ({"output": "sigmoid"}, ValueError, "output must be one of"),
        ({"layer_sizes": [2, 3, 1]}, ValueError, "softmax output needs at least 2"),
        ({"dtype": np.int32}, ValueError, "dtype must be float32 or float64"),
        ({"dtype": "foo"}, ValueError, "dtype must be float32 or float64"),
        ({"layer_sizes": "23"}, TypeError, "layer_sizes"),  # not [2, 3]
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": "abc"}, ValueError, "seed"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, words):
    args = {"layer_sizes": [2, 3, 2], **kwargs}
    with pytest.raises(error, match=words):
        Network(**args)


def test_x_with_the_wrong_number_of_columns_is_rejected(rng):
    net = Network([3, 4, 2])
    for X in (rng.normal(size=(5, 2)), rng.normal(size=(5, 4)), rng.normal(size=3)):
        with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 3\)"):
            net.predict(X)


def test_repr_and_config():
    net = Network([2, 16, 16, 2], activation="tanh")
    assert repr(net) == "Network(2-16-16-2, activation='tanh', output='softmax')"
    assert net.config() == {
        "layer_sizes": [2, 16, 16, 2],
        "activation": "tanh",
        "output": "softmax",
        "dtype": "float64",
    }


def test_trace_hands_out_the_cached_z_and_a_of_every_layer():
    net = Network([2, 3, 2], activation="tanh", seed=4)
    X = np.array([[0.5, -0.8], [1.0, 0.2]])
    (z1, a1), (z2, a2) = net.trace(X)
    np.testing.assert_allclose(z1, X @ net.W[0] + net.b[0], rtol=1e-12)  # eq. 5
    np.testing.assert_allclose(a1, np.tanh(z1), rtol=1e-12)
    np.testing.assert_allclose(z2, a1 @ net.W[1] + net.b[1], rtol=1e-12)
    np.testing.assert_allclose(a2, net.predict_proba(X), rtol=1e-12)
    net.forward(X[:1] * 0)  # fresh copies: a later pass does not change them
    np.testing.assert_allclose(a1, np.tanh(z1), rtol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_predictions_refuse_nan_and_infinity(bad):
    net = Network([2, 4, 2], seed=0)
    X = np.array([[0.1, 0.2], [bad, 0.3]])
    for method in (net.predict, net.predict_proba):
        with pytest.raises(ValueError, match="X contains NaN or infinite"):
            method(X)


def test_an_overflow_is_told_and_inputs_too_large_for_the_dtype_refused():
    net = Network([2, 16, 16, 2], seed=0)
    with np.errstate(over="ignore", invalid="ignore"):
        net.predict_proba(np.full((3, 2), 1e308))  # finite, but the sums of 16 terms overflow
    assert net.overflowed()
    net.predict_proba(np.full((3, 2), 1.0))
    assert not net.overflowed()
    net32 = Network([2, 4, 2], seed=0, dtype=np.float32)
    with pytest.raises(ValueError, match="too large for float32"):
        net32.predict(np.full((3, 2), 1e39))  # finite in float64, inf in float32


def test_predictions_refuse_inputs_that_are_not_numbers():
    net = Network([2, 4, 2], seed=0)
    with pytest.raises(ValueError, match="X contains NaN"):
        net.predict(np.array([[1.0, None]], dtype=object))
    with pytest.raises(ValueError, match="X must hold numbers"):
        net.predict_proba([["a", "1"]])


def test_backward_and_loss_take_lists_of_targets():
    net = Network([2, 3, 2], seed=0)
    X = np.array([[0.1, 0.2], [0.3, -0.4]])
    Y = [[1.0, 0.0], [0.0, 1.0]]
    assert net.loss(X, Y) == net.loss(X, np.array(Y))
    net.forward(X)
    net.backward(Y)
    listed = net.grads.copy()
    net.forward(X)
    net.backward(np.array(Y))
    np.testing.assert_array_equal(listed, net.grads)


def test_forward_rows_checks_the_rows_whatever_the_dtype_of_x():
    net = Network([2, 3, 2], seed=0)
    for X in (np.ones((3, 2)), np.ones((3, 2), dtype=int)):
        for rows in (np.array([-1]), np.array([7])):
            with pytest.raises(ValueError, match="rows must be row indices of X"):
                net.forward_rows(X, rows)
