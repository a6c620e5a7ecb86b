"""The pure-Python reference: a hand-worked 2-2-2 network, and agreement with the engine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuronlab.engine import reference
from neuronlab.engine import reference as ref
from neuronlab.engine.network import Network

TOL = 1e-10


# --- a 2-2-2 network worked by hand ----------------------------------------------------------
# W[j][i] = weight from input i to unit j (the course's column form).
HAND = [
    {"W": [[1.0, -1.0], [0.5, 0.5]], "b": [0.0, -1.0]},  # hidden layer, ReLU
    {"W": [[2.0, 2.0], [-1.0, 0.0]], "b": [0.0, 0.0]},  # output layer, softmax
]
X_HAND = [1.0, 2.0]
LABEL = 1  # target one-hot y = (0, 1)
E = math.e
# hidden z = (1·1 − 1·2 + 0,  0.5·1 + 0.5·2 − 1) = (−1, 0.5);  a = ReLU(z) = (0, 0.5)
# logits z = (2·0 + 2·0.5 + 0,  −1·0 + 0·0.5 + 0) = (1, 0)
# softmax p = (e/(e + 1), 1/(e + 1)) = (0.7310585786300049, 0.2689414213699951)
P1 = E / (E + 1)
# loss = −log p_1 = log(e + 1) = 1.3132616875182228
# BP1′: δ_out = p − y = (P1, (1 − P1) − 1) = (P1, −P1) = (0.7311, −0.7311)
# BP4:  dW_out[j][i] = δ_out[j] a[i] = [[0, 0.5 P1], [0, −0.5 P1]];  BP3: db_out = δ_out
# BP2:  δ_hidden[i] = Σ_j W_out[j][i] δ_out[j] · ReLU'(z_i)
#       i = 0: z = −1 so ReLU' = 0 → 0;   i = 1: (2 P1 + 0·(−P1)) · 1 = 2 P1 = 1.4621171572600098
# BP4:  dW_hidden[j][i] = δ_hidden[j] x[i] = [[0, 0], [2 P1 · 1, 2 P1 · 2]]
#                                          = [[0, 0], [1.4621, 2.9242]]


def test_hand_worked_forward():
    zs, activations = ref.forward(HAND, X_HAND, "relu", "softmax")
    assert zs == [[-1.0, 0.5], [1.0, 0.0]]
    assert activations[1] == [0.0, 0.5]
    assert activations[2] == pytest.approx([0.7310585786300049, 0.2689414213699951], abs=1e-15)
    assert P1 == pytest.approx(0.7310585786300049, abs=1e-15)
    loss = ref.cross_entropy(activations[2], ref.one_hot(LABEL, 2))
    assert loss == pytest.approx(math.log(E + 1)) and loss == pytest.approx(1.3132616875182228)
    assert ref.predict(HAND, X_HAND, "relu") == 0  # p_0 = 0.73: the network is wrong here


def test_hand_worked_backprop():
    grads = ref.backprop(HAND, X_HAND, LABEL, "relu", "softmax")
    assert grads[1]["b"] == pytest.approx([P1, -P1])
    assert grads[1]["W"] == [[0.0, pytest.approx(0.5 * P1)], [0.0, pytest.approx(-0.5 * P1)]]
    assert grads[0]["b"] == pytest.approx([0.0, 1.4621171572600098])
    assert grads[0]["W"][0] == [0.0, 0.0]
    assert grads[0]["W"][1] == pytest.approx([2 * P1, 4 * P1])
    # eq. 9 with η = 0.1 moves the hidden bias of unit 1 from −1 to −1 − 0.1 · 2 P1
    network = ref.from_arrays(*ref.to_arrays(HAND))
    ref.apply_gradients(network, grads, 0.1)
    assert network[0]["b"][1] == pytest.approx(-1.0 - 0.2 * P1)
    assert HAND[0]["b"][1] == -1.0  # from_arrays copied; the original is untouched


def test_hand_worked_numbers_on_the_engine():
    W_list, b_list = ref.to_arrays(HAND)
    assert W_list[0].shape == (2, 2) and W_list[0][1, 0] == -1.0  # engine W[i, j] = ref W[j][i]
    net = Network([2, 2, 2], activation="relu", output="softmax")
    for l in range(2):
        net.W[l][...] = W_list[l]
        net.b[l][...] = b_list[l]
    P = net.forward(np.array([X_HAND]))
    np.testing.assert_allclose(P, [[P1, 1 - P1]], atol=1e-15)
    net.backward(np.array([[0.0, 1.0]]))
    np.testing.assert_allclose(net.db[0], [0.0, 2 * P1], atol=1e-15)
    np.testing.assert_allclose(net.dW[0], [[0.0, 2 * P1], [0.0, 4 * P1]], atol=1e-15)


def test_softmax_subtracts_the_max():
    p = ref.softmax([1000.0, 1001.0, 999.0])
    assert sum(p) == pytest.approx(1.0)
    assert p == pytest.approx(ref.softmax([1.0, 2.0, 0.0]))
    assert ref.cross_entropy([1.0, 0.0], [0.0, 1.0]) > 700  # saturated: large, finite


def test_activation_derivatives_match_central_differences():
    h = 1e-6
    for name, (f, f_prime) in ref.ACTIVATIONS.items():
        for z in (-2.3, -0.4, 0.7, 1.9):
            numeric = (f(z + h) - f(z - h)) / (2 * h)
            assert f_prime(z) == pytest.approx(numeric, abs=1e-8), name
    assert ref.sigmoid(-800.0) == 0.0 and ref.sigmoid(800.0) == 1.0  # no overflow


def test_mse_has_the_half():
    assert ref.mse([3.0, 1.0], [1.0, 1.0]) == 2.0  # ½ (2² + 0²)


def test_training_steps_lower_the_loss():
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    Y = [0, 1, 1, 0]
    network = ref.make_network([2, 4, 2], seed=1)
    before = ref.loss(network, X, Y, "tanh")
    for _ in range(300):
        ref.apply_gradients(network, ref.batch_backprop(network, X, Y, "tanh"), 0.5)
    assert ref.loss(network, X, Y, "tanh") < 0.5 * before


def test_make_network_shapes_and_seed():
    network = ref.make_network([3, 5, 2], seed=4)
    assert [len(layer["W"]) for layer in network] == [5, 2]
    assert [len(layer["W"][0]) for layer in network] == [3, 5]
    assert network == ref.make_network([3, 5, 2], seed=4)
    assert network != ref.make_network([3, 5, 2], seed=5)
    assert all(b == 0.0 for layer in network for b in layer["b"])


@pytest.mark.parametrize(("activation", "gain"), [("relu", 2.0), ("tanh", 1.0)])
def test_make_network_has_the_engine_variance(activation, gain):
    # §10: uniform on [−s, s] with s = √(3 gain / n_in), so Var(W) = gain / n_in
    n_in = 50
    network = ref.make_network([n_in, 400], seed=2, activation=activation)
    weights = [w for row in network[0]["W"] for w in row]
    s = math.sqrt(3 * gain / n_in)
    assert max(map(abs, weights)) <= s
    assert np.var(weights) == pytest.approx(gain / n_in, rel=0.05)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "gelu"])
def test_make_network_draws_the_engines_weights_from_the_same_generator(activation):
    sizes = [3, 7, 4, 2]
    net = Network(sizes, activation=activation, seed=np.random.default_rng(21))
    network = ref.make_network(sizes, seed=np.random.default_rng(21), activation=activation)
    W_list, b_list = ref.to_arrays(network)
    for l in range(3):
        np.testing.assert_array_equal(W_list[l], net.W[l])  # equal, not close
        np.testing.assert_array_equal(b_list[l], net.b[l])


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: ref.make_network([3]), "layer_sizes"),
        (lambda: ref.forward(HAND, X_HAND, "swish"), "activation"),
        (lambda: ref.forward(HAND, X_HAND, "relu", "sigmoid"), "output"),
        (lambda: ref.make_network([2, 2], seed="x"), "seed"),
        (lambda: ref.make_network([2, 2], activation="swish"), "activation"),
        (lambda: ref.Adam(learning_rate=0), "learning_rate"),
        (lambda: ref.train(HAND, [X_HAND], [1], ref.SGD(), epochs=0), "epochs"),
        (lambda: ref.train(HAND, [X_HAND], [1], ref.SGD(), batch_size=0), "batch_size"),
    ],
)
def test_bad_arguments_name_themselves(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must"):
        call()


# --- the same weights in the reference and in the engine ------------------------------------


def engine_and_reference(sizes, activation, output, seed=0):
    net = Network(sizes, activation=activation, output=output, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for b in net.b:  # nonzero biases, so that BP3 is exercised with something to find
        b[...] = rng.normal(0.0, 0.3, b.shape)
    return net, ref.from_arrays(net.W, net.b)


def batch(sizes, output, n=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, (n, sizes[0]))
    k = sizes[-1]
    if output == "softmax":
        labels = rng.integers(0, k, n)
        return X, labels, np.eye(k)[labels]
    Y = rng.normal(0.0, 1.0, (n, k))
    return X, Y, Y


CASES = [
    (activation, output, hidden)
    for activation in ("sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu_0.1", "gelu")
    for output in ("softmax", "identity")
    for hidden in (0, 1, 2, 3)
]


@pytest.mark.parametrize(("activation", "output", "hidden"), CASES)
def test_reference_agrees_with_the_engine(activation, output, hidden):
    sizes = [3] + [4, 5, 3][:hidden] + [3 if output == "softmax" else 2]
    net, network = engine_and_reference(sizes, activation, output, seed=hidden)
    X, targets, Y = batch(sizes, output, seed=hidden)
    targets = [int(t) for t in targets] if output == "softmax" else targets.tolist()

    out = net.forward(X).copy()
    expected = [ref.forward(network, x, activation, output)[1][-1] for x in X.tolist()]
    np.testing.assert_allclose(out, expected, rtol=TOL, atol=TOL)

    net.backward(Y)
    W_grads, b_grads = ref.to_arrays(
        ref.batch_backprop(network, X.tolist(), targets, activation, output)
    )
    for l in range(len(sizes) - 1):
        np.testing.assert_allclose(net.dW[l], W_grads[l], rtol=TOL, atol=TOL)
        np.testing.assert_allclose(net.db[l], b_grads[l], rtol=TOL, atol=TOL)

    assert net.loss(X, Y) == pytest.approx(
        ref.loss(network, X.tolist(), targets, activation, output), rel=TOL, abs=TOL
    )


@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_reference_and_engine_agree_on_penalties(output):
    sizes = [3, 4, 3]
    net, network = engine_and_reference(sizes, "tanh", output, seed=7)
    X, targets, Y = batch(sizes, output, seed=7)
    targets = [int(t) for t in targets] if output == "softmax" else targets.tolist()
    l2, l1 = 0.03, 0.02
    net.forward(X)
    net.backward(Y, l2=l2, l1=l1)
    W_grads, b_grads = ref.to_arrays(
        ref.batch_backprop(network, X.tolist(), targets, "tanh", output, l2=l2, l1=l1)
    )
    for l in range(2):
        np.testing.assert_allclose(net.dW[l], W_grads[l], rtol=TOL, atol=TOL)
        np.testing.assert_allclose(net.db[l], b_grads[l], rtol=TOL, atol=TOL)
    assert net.loss(X, Y, l2=l2, l1=l1) == pytest.approx(
        ref.loss(network, X.tolist(), targets, "tanh", output, l2=l2, l1=l1), rel=TOL
    )


def test_a_reference_step_equals_an_engine_sgd_step():
    from neuronlab.engine.optimisers import make_optimizer

    sizes = [2, 6, 3]
    net, network = engine_and_reference(sizes, "relu", "softmax", seed=3)
    X, labels, Y = batch(sizes, "softmax", n=8, seed=3)
    net.forward(X)
    net.backward(Y)
    make_optimizer("sgd", learning_rate=0.3).step([net.params], [net.grads])
    grads = ref.batch_backprop(network, X.tolist(), [int(t) for t in labels], "relu")
    ref.apply_gradients(network, grads, 0.3)
    W_list, b_list = ref.to_arrays(network)
    for l in range(2):
        np.testing.assert_allclose(net.W[l], W_list[l], rtol=TOL, atol=TOL)
        np.testing.assert_allclose(net.b[l], b_list[l], rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(
        net.predict(X), [ref.predict(network, x, "relu") for x in X.tolist()]
    )


# --- a whole training run: the same weights, the same shuffles, each optimiser ------------------

OPTIMISER_CASES = [
    ("sgd", {}, "relu", "softmax", 0.0),
    ("momentum", {"momentum": 0.8}, "tanh", "softmax", 0.01),
    ("momentum", {"nesterov": True}, "sigmoid", "identity", 0.0),
    ("rmsprop", {"rho": 0.85}, "tanh", "softmax", 0.0),
    ("adam", {}, "gelu", "softmax", 0.01),
    ("adam", {"beta_1": 0.8, "beta_2": 0.99}, "tanh", "identity", 0.0),
]


@pytest.mark.parametrize(("name", "options", "activation", "output", "l2"), OPTIMISER_CASES)
def test_reference_train_equals_the_trainer_epoch_by_epoch(name, options, activation, output, l2):
    from neuronlab.engine.optimisers import make_optimizer
    from neuronlab.engine.training import Trainer

    sizes = [2, 5, 4, 3 if output == "softmax" else 2]
    rate = {"sgd": 0.3, "momentum": 0.1}.get(name, 0.02)
    X, targets, _ = batch(sizes, output, n=23, seed=5)  # 23 = 2 full batches of 8 and one of 7
    net = Network(sizes, activation=activation, output=output, seed=np.random.default_rng(8))
    trainer = Trainer(
        net,
        make_optimizer(name, rate, **options),
        X,
        targets,
        batch_size=8,
        l2=l2,
        seed=np.random.default_rng(9),
    )
    network = ref.make_network(sizes, seed=np.random.default_rng(8), activation=activation)
    targets = [int(t) for t in targets] if output == "softmax" else targets.tolist()
    losses = ref.train(
        network,
        X.tolist(),
        targets,
        ref.OPTIMIZERS[name](rate, **options),
        epochs=3,
        batch_size=8,
        activation=activation,
        output=output,
        l2=l2,
        seed=np.random.default_rng(9),
    )
    initial = net.params.copy()
    reports = list(trainer.train(3))
    assert losses == pytest.approx([r.train_loss for r in reports], rel=TOL, abs=TOL)
    assert np.abs(net.params - initial).max() > 1e-2  # the weights moved: not a frozen compare
    W_list, b_list = ref.to_arrays(network)
    for l in range(3):
        np.testing.assert_allclose(net.W[l], W_list[l], rtol=TOL, atol=TOL)
        np.testing.assert_allclose(net.b[l], b_list[l], rtol=TOL, atol=TOL)


def test_reference_adam_first_step_by_hand():
    # one weight, g = 0.5 at t = 1: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25, step η·0.5/0.5
    network = [{"W": [[1.0]], "b": [0.0]}]
    grads = [{"W": [[0.5]], "b": [0.0]}]
    adam = ref.Adam(learning_rate=0.1, epsilon=1e-12)
    adam.step(network, grads)
    assert network[0]["W"][0][0] == pytest.approx(0.9, abs=1e-12)
    assert adam.m[0] == pytest.approx(0.05) and adam.v[0] == pytest.approx(0.00025)


def test_reference_functions_carry_the_course_names():
    # DESIGN.md: the playground uses them as is
    for name in ("make_network", "forward", "softmax", "backprop", "apply_gradients", "predict"):
        assert callable(getattr(reference, name)), name
    net = reference.make_network([2, 3, 2], seed=1)
    grads = reference.backprop(net, [0.5, -0.5], 1, "tanh")
    before = reference.forward(net, [0.5, -0.5], "tanh")[1][-1][1]
    reference.apply_gradients(net, grads, 0.5)
    after = reference.forward(net, [0.5, -0.5], "tanh")[1][-1][1]
    assert after > before  # one step of eq. 9 raises the probability of the true class
    assert reference.predict(net, [0.5, -0.5], "tanh") in (0, 1)
