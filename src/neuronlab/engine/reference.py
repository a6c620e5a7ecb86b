"""A neural network in pure Python, one example at a time: the version to read.

This file is the book. Lists and loops only, one line per equation, with the names the
course uses, from the first random weight to the training loop and every optimiser:

    initialise   make_network        §10 He / Xavier, the engine's rule and draws
    forward      forward             eq. 5, then eq. 7 (softmax) or ŷ = z
    loss         loss                eq. 6 (MSE) or eq. 8 (cross-entropy), mean over examples
    backward     backprop            BP1′ / BP1, BP2, BP3, BP4 for one example
                 batch_backprop      the mean over a minibatch, plus the weight penalties
    update       SGD, Momentum,      eq. 9 and §8, one parameter at a time
                 RMSProp, Adam
    train        train               shuffle, minibatch, backprop, step; once per epoch

It is slow on purpose (nothing is vectorised) and it is the test oracle: on the same
weights and the same shuffles it agrees with the vectorised engine (``network.py``,
``optimisers.py``, ``training.py``) to ~1e-12. The engine computes the same numbers
arranged for speed: a whole minibatch per matrix product, every W and b in one flat array,
buffers allocated once.

Conventions
-----------
network : list of layers, each ``{"W": W, "b": b}``
W[j][i] : weight from input i to unit j, the course's column form of eq. 5:
          z_j = Σ_i W[j][i] a_i + b_j. (The engine stores the transpose, W[l][i, j], because
          its rows are samples; ``from_arrays`` and ``to_arrays`` convert.)
b[j]    : bias of unit j
x, y    : one example: a list of inputs, and a one-hot list (or a class index) or targets
Loss    : per example, cross-entropy −Σ_k y_k log p_k or ½ Σ_k (ŷ_k − y_k)²; over a batch,
          the mean over examples, and the batch gradient is the mean of the per-example ones.
Penalty : (l2/2) Σ W² + l1 Σ |W| over weights, never biases.
rng     : anything with ``uniform(a, b)`` and ``shuffle(list)``: Python's ``random.Random``,
          or a ``numpy.random.Generator``, which draws exactly the numbers the engine draws.
"""

from __future__ import annotations

import math
import numbers
import random

# --- activations (eq. 3, 4, 10) and their derivatives ---------------------------------------


def sigmoid(z: float) -> float:
    """eq. 3: σ(z) = 1 / (1 + e^(−z)), written so that e^(...) never overflows."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def sigmoid_prime(z: float) -> float:
    """eq. 4: σ'(z) = σ(z)(1 − σ(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: float) -> float:
    """tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))."""
    return math.tanh(z)


def tanh_prime(z: float) -> float:
    """tanh'(z) = 1 − tanh²(z)."""
    return 1.0 - math.tanh(z) ** 2


def relu(z: float) -> float:
    """eq. 10: ReLU(z) = max(0, z)."""
    return max(0.0, z)


def relu_prime(z: float) -> float:
    """ReLU'(z) = 1 if z > 0 else 0 (0 at the kink, as in the engine)."""
    return 1.0 if z > 0 else 0.0


def leaky_relu(z: float) -> float:
    """Leaky ReLU(z) = z if z > 0 else 0.01 z."""
    return z if z > 0 else 0.01 * z


def leaky_relu_prime(z: float) -> float:
    """Leaky ReLU'(z) = 1 if z > 0 else 0.01."""
    return 1.0 if z > 0 else 0.01


def leaky_relu_01(z: float) -> float:
    """The course's leaky ReLU(z) = z if z > 0 else 0.1 z."""
    return z if z > 0 else 0.1 * z


def leaky_relu_01_prime(z: float) -> float:
    """The course's leaky ReLU'(z) = 1 if z > 0 else 0.1."""
    return 1.0 if z > 0 else 0.1


def gelu(z: float) -> float:
    """GELU(z) ≈ ½ z (1 + tanh(√(2/π) (z + 0.044715 z³))), the tanh approximation."""
    return 0.5 * z * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z**3)))


def gelu_prime(z: float) -> float:
    """The derivative of that approximation, by the product and chain rules."""
    t = math.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z**3))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * math.sqrt(2.0 / math.pi) * (
        1.0 + 3 * 0.044715 * z**2
    )


def identity(z: float) -> float:
    """identity(z) = z."""
    return z


def identity_prime(z: float) -> float:
    """identity'(z) = 1."""
    return 1.0


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "leaky_relu": (leaky_relu, leaky_relu_prime),
    "leaky_relu_0.1": (leaky_relu_01, leaky_relu_01_prime),
    "gelu": (gelu, gelu_prime),
    "identity": (identity, identity_prime),
}
OUTPUTS = ("softmax", "identity")


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]


# --- output layer and losses (eq. 6, 7, 8) --------------------------------------------------


def softmax(z: list[float]) -> list[float]:
    """eq. 7: p_k = e^(z_k) / Σ_i e^(z_i), after subtracting max(z) so e^(...) cannot overflow."""
    m = max(z)
    e = [math.exp(z_k - m) for z_k in z]
    total = sum(e)
    return [e_k / total for e_k in e]


def cross_entropy(p: list[float], y: list[float]) -> float:
    """eq. 8: C = −Σ_k y_k log p_k for one example (terms with y_k = 0 contribute nothing).

    A p_k that underflowed to 0 is floored at the smallest positive float, so the loss is
    large and finite (the engine computes log p from the logits instead, by log-softmax).
    """
    return -sum(y_k * math.log(max(p_k, 5e-324)) for p_k, y_k in zip(p, y, strict=True) if y_k)


def mse(y_hat: list[float], y: list[float]) -> float:
    """eq. 6 for one example: C = ½ Σ_k (ŷ_k − y_k)²."""
    return 0.5 * sum((y_hat_k - y_k) ** 2 for y_hat_k, y_k in zip(y_hat, y, strict=True))


def one_hot(label: int, k: int) -> list[float]:
    """The target list for class ``label`` out of k: 1 at position label, 0 elsewhere."""
    return [1.0 if j == label else 0.0 for j in range(k)]


def _target(y, output: str, k: int) -> list[float]:
    if output == "softmax" and isinstance(y, numbers.Integral):
        return one_hot(y, k)
    return [float(y_k) for y_k in y]


# --- the network ------------------------------------------------------------------------------

INIT = {  # §10: the variance that keeps the signal steady, Var(W) = gain / n_in
    "sigmoid": 1.0,  # Xavier (forward-pass form)
    "tanh": 1.0,  # Xavier
    "identity": 1.0,  # Xavier
    "relu": 2.0,  # He: ReLU zeroes half the signal, so twice the variance
    "leaky_relu": 2.0,  # He
    "leaky_relu_0.1": 2.0,  # He (its gain is really 2 / (1 + 0.1²), close enough)
    "gelu": 2.0,  # He
}


def as_rng(seed):
    """A random generator: ``random.Random(seed)`` for an int, or the generator given."""
    if isinstance(seed, numbers.Integral):
        return random.Random(seed)
    if not (hasattr(seed, "uniform") and hasattr(seed, "shuffle")):
        raise ValueError(f"seed must be an int or a random generator, got {seed!r}")
    return seed


def make_network(layer_sizes: list[int], seed=0, activation: str = "sigmoid") -> list[dict]:
    """Random weights, zero biases: the engine's initialisation (§10).

    Each weight is drawn from the uniform distribution on [−s, s]. Its variance is s²/3,
    so s = √(3 · gain / n_in) gives Var(W) = gain / n_in: He (gain 2) for the ReLU family,
    Xavier (gain 1) for the others. ``seed`` is an int (Python's ``random``) or a generator;
    ``numpy.random.default_rng(k)`` gives exactly the weights of ``Network(..., seed=k)``.
    """
    if len(layer_sizes) < 2 or any(int(k) != k or k < 1 for k in layer_sizes):
        raise ValueError(f"layer_sizes must be at least two positive integers, got {layer_sizes}")
    _activation(activation)
    rng = as_rng(seed)
    network = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        s = math.sqrt(3.0 * INIT[activation] / n_in)  # §10: Var(W) = s²/3 = gain / n_in
        W = [[0.0] * n_in for j in range(n_out)]
        for i in range(n_in):  # the engine's drawing order: input by input
            for j in range(n_out):
                W[j][i] = float(rng.uniform(-s, s))
        b = [0.0] * n_out  # biases start at zero
        network.append({"W": W, "b": b})
    return network


def forward(
    network: list[dict], x: list[float], activation: str = "sigmoid", output: str = "softmax"
) -> tuple[list[list[float]], list[list[float]]]:
    """Run one example through the network.

    Returns ``zs`` (one list per layer) and ``activations`` (the input x first, then one list
    per layer; the last is the output: softmax probabilities or identity values).
    """
    f, _ = _activation(activation)
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, got {output!r}")
    a = [float(x_i) for x_i in x]
    zs, activations = [], [a]
    for l, layer in enumerate(network):
        W, b = layer["W"], layer["b"]
        z = [sum(W[j][i] * a[i] for i in range(len(a))) + b[j] for j in range(len(b))]  # eq. 5
        if l < len(network) - 1:
            a = [f(z_j) for z_j in z]  # a = f(z)
        elif output == "softmax":
            a = softmax(z)  # eq. 7
        else:
            a = list(z)  # identity output: ŷ = z
        zs.append(z)
        activations.append(a)
    return zs, activations


def backprop(
    network: list[dict],
    x: list[float],
    y: list[float] | int,
    activation: str = "sigmoid",
    output: str = "softmax",
) -> list[dict]:
    """Gradients of one example's loss: a list of ``{"W": dW, "b": db}``, one per layer.

    BP1′ (softmax + cross-entropy): δ_k = p_k − y_k. Softmax is not element-wise (each p_k
         depends on every z), so BP1's ∇ₐC ⊙ f′(z) does not apply to it; the chain rule
         through the whole softmax, with cross-entropy, collapses to p − y.
    BP1  (identity + MSE):          δ_k = (ŷ_k − y_k) · f′(z_k), and f′ = 1 for the identity.
    BP2:  δ_i (layer l) = Σ_j W[j][i] (layer l+1) δ_j (layer l+1) · f′(z_i (layer l))
    BP3:  ∂C/∂b_j = δ_j
    BP4:  ∂C/∂W[j][i] = δ_j a_i (a from the layer below)
    """
    _, f_prime = _activation(activation)
    zs, activations = forward(network, x, activation, output)
    y = _target(y, output, len(activations[-1]))
    y_hat, z_out = activations[-1], zs[-1]
    if output == "softmax":
        delta = [p_k - y_k for p_k, y_k in zip(y_hat, y, strict=True)]  # BP1′: δ = p − y
    else:
        delta = [(y_hat[k] - y[k]) * identity_prime(z_out[k]) for k in range(len(y))]  # BP1
    grads: list[dict] = [{} for _ in network]
    for l in range(len(network) - 1, -1, -1):
        a_prev = activations[l]  # the input of layer l: x, or the layer below's a
        n_in, n_out = len(a_prev), len(delta)
        dW = [[delta[j] * a_prev[i] for i in range(n_in)] for j in range(n_out)]  # BP4
        db = list(delta)  # BP3
        grads[l] = {"W": dW, "b": db}
        if l > 0:
            W, z = network[l]["W"], zs[l - 1]
            back = [sum(W[j][i] * delta[j] for j in range(n_out)) for i in range(n_in)]  # Wᵀ δ
            f_prime_z = [f_prime(z_i) for z_i in z]  # f′(z) of the layer below
            delta = [back[i] * f_prime_z[i] for i in range(n_in)]  # BP2: δ = (Wᵀ δ) ⊙ f′(z)
    return grads


def loss(
    network: list[dict],
    X: list[list[float]],
    Y: list,
    activation: str = "sigmoid",
    output: str = "softmax",
    *,
    l2: float = 0.0,
    l1: float = 0.0,
) -> float:
    """C = (1/n) Σ_examples loss(x, y) + (l2/2) Σ W² + l1 Σ |W| (weights only)."""
    total = 0.0
    for x, y in zip(X, Y, strict=True):
        _, activations = forward(network, x, activation, output)
        target = _target(y, output, len(activations[-1]))
        if output == "softmax":
            total += cross_entropy(activations[-1], target)
        else:
            total += mse(activations[-1], target)
    weights = [w for layer in network for row in layer["W"] for w in row]
    return total / len(X) + 0.5 * l2 * sum(w * w for w in weights) + l1 * sum(map(abs, weights))


def batch_backprop(
    network: list[dict],
    X: list[list[float]],
    Y: list,
    activation: str = "sigmoid",
    output: str = "softmax",
    *,
    l2: float = 0.0,
    l1: float = 0.0,
) -> list[dict]:
    """Gradients of ``loss``: the mean of the per-example gradients, plus l2 W + l1 sign(W)."""
    n = len(X)
    total = [
        {"W": [[0.0] * len(row) for row in layer["W"]], "b": [0.0] * len(layer["b"])}
        for layer in network
    ]
    for x, y in zip(X, Y, strict=True):
        for sums, grad in zip(total, backprop(network, x, y, activation, output), strict=True):
            for j, row in enumerate(grad["W"]):
                for i, g in enumerate(row):
                    sums["W"][j][i] += g / n  # BP4, averaged over the minibatch
            for j, g in enumerate(grad["b"]):
                sums["b"][j] += g / n  # BP3, averaged over the minibatch
    for sums, layer in zip(total, network, strict=True):
        for j, row in enumerate(layer["W"]):
            for i, w in enumerate(row):
                sign = (w > 0) - (w < 0)
                sums["W"][j][i] += l2 * w + l1 * sign  # §14: the penalties' slopes, weights only
    return total


def apply_gradients(network: list[dict], grads: list[dict], learning_rate: float) -> list[dict]:
    """eq. 9, in place: W ← W − η ∂C/∂W, b ← b − η ∂C/∂b. Returns the network."""
    for layer, grad in zip(network, grads, strict=True):
        for j, row in enumerate(grad["W"]):
            for i, g in enumerate(row):
                layer["W"][j][i] -= learning_rate * g
        for j, g in enumerate(grad["b"]):
            layer["b"][j] -= learning_rate * g
    return network


def predict(
    network: list[dict], x: list[float], activation: str = "sigmoid", output: str = "softmax"
) -> int | list[float]:
    """The class with the highest probability (softmax), or the output values (identity)."""
    _, activations = forward(network, x, activation, output)
    a = activations[-1]
    if output == "softmax":
        return max(range(len(a)), key=lambda k: a[k])
    return a


# --- optimisers: eq. 9 and its refinements (§8), one parameter at a time ---------------------


def parameters(network: list[dict], grads: list[dict]):
    """Every weight and bias with its gradient, as (list holding it, index, gradient).

    Layer by layer, W then b. An optimiser walks this list and keeps its running averages
    in dictionaries keyed by the position k in it.
    """
    for layer, grad in zip(network, grads, strict=True):
        for row, grad_row in zip(layer["W"], grad["W"], strict=True):
            for i in range(len(row)):
                yield row, i, grad_row[i]
        for j in range(len(layer["b"])):
            yield layer["b"], j, grad["b"][j]


class SGD:
    """eq. 9: θ ← θ − η g."""

    def __init__(self, learning_rate: float = 0.01):
        self.learning_rate = _positive("learning_rate", learning_rate)

    def step(self, network: list[dict], grads: list[dict]) -> None:
        for theta, i, g in parameters(network, grads):
            theta[i] -= self.learning_rate * g  # eq. 9


class Momentum:
    """Momentum (Polyak 1964): v ← μ v − η g; θ ← θ + v.

    With ``nesterov=True``: θ ← θ + μ v − η g, v already updated (the look-ahead step in
    the form most libraries use; the gradient is still the one at θ).
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9, nesterov=False):
        self.learning_rate = _positive("learning_rate", learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov
        self.v: dict[int, float] = {}  # the velocity of every parameter, 0 at the start

    def step(self, network: list[dict], grads: list[dict]) -> None:
        mu, eta = self.momentum, self.learning_rate
        for k, (theta, i, g) in enumerate(parameters(network, grads)):
            v = mu * self.v.get(k, 0.0) - eta * g  # v ← μ v − η g
            if self.nesterov:
                theta[i] += mu * v - eta * g  # θ ← θ + μ v − η g
            else:
                theta[i] += v  # θ ← θ + v
            self.v[k] = v


class RMSProp:
    """RMSProp (Hinton 2012): s ← ρ s + (1 − ρ) g²; θ ← θ − η g / (√s + ε)."""

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-8):
        self.learning_rate = _positive("learning_rate", learning_rate)
        self.rho = rho
        self.epsilon = epsilon
        self.s: dict[int, float] = {}  # the running mean of g², 0 at the start

    def step(self, network: list[dict], grads: list[dict]) -> None:
        rho, eta, eps = self.rho, self.learning_rate, self.epsilon
        for k, (theta, i, g) in enumerate(parameters(network, grads)):
            s = rho * self.s.get(k, 0.0) + (1.0 - rho) * g * g  # s ← ρ s + (1 − ρ) g²
            theta[i] -= eta * g / (math.sqrt(s) + eps)  # θ ← θ − η g / (√s + ε)
            self.s[k] = s


class Adam:
    """Adam (Kingma & Ba 2014, Algorithm 1), line for line.

    m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;  m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);
    θ ← θ − η m̂ / (√v̂ + ε), with t the step count from 1.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ):
        self.learning_rate = _positive("learning_rate", learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0  # steps taken
        self.m: dict[int, float] = {}  # first moment (mean of g), 0 at the start
        self.v: dict[int, float] = {}  # second moment (mean of g²), 0 at the start

    def step(self, network: list[dict], grads: list[dict]) -> None:
        b1, b2, eta, eps = self.beta_1, self.beta_2, self.learning_rate, self.epsilon
        self.t += 1
        t = self.t
        for k, (theta, i, g) in enumerate(parameters(network, grads)):
            m = b1 * self.m.get(k, 0.0) + (1.0 - b1) * g  # m ← β₁ m + (1 − β₁) g
            v = b2 * self.v.get(k, 0.0) + (1.0 - b2) * g * g  # v ← β₂ v + (1 − β₂) g²
            m_hat = m / (1.0 - b1**t)  # m̂ = m / (1 − β₁ᵗ)
            v_hat = v / (1.0 - b2**t)  # v̂ = v / (1 − β₂ᵗ)
            theta[i] -= eta * m_hat / (math.sqrt(v_hat) + eps)  # θ ← θ − η m̂ / (√v̂ + ε)
            self.m[k], self.v[k] = m, v


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam}


def _positive(name: str, value: float) -> float:
    if not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return float(value)


# --- the training loop -----------------------------------------------------------------------


def train(
    network: list[dict],
    X: list[list[float]],
    Y: list,
    optimizer,
    epochs: int = 1,
    batch_size: int = 32,
    activation: str = "sigmoid",
    output: str = "softmax",
    *,
    l2: float = 0.0,
    l1: float = 0.0,
    seed=0,
) -> list[float]:
    """Train in place with minibatches; return the training loss after each epoch.

    Every epoch shuffles the examples (one new order from ``seed``), cuts the order into
    minibatches of ``batch_size`` (the last may be shorter), and for each one computes the
    mean gradient (backprop on every example) and lets the optimiser take one step. The
    loss reported is the data loss on the whole training set (no penalty), as the engine's
    Trainer reports it; the same generator shuffles exactly as the Trainer does.
    """
    if not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    rng = as_rng(seed)
    n = len(X)
    losses = []
    for _epoch in range(epochs):
        order = list(range(n))
        rng.shuffle(order)  # a new order of the examples every epoch
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]  # one minibatch
            X_batch, Y_batch = [X[r] for r in rows], [Y[r] for r in rows]
            grads = batch_backprop(network, X_batch, Y_batch, activation, output, l2=l2, l1=l1)
            optimizer.step(network, grads)  # eq. 9, or momentum, RMSProp, Adam
        losses.append(loss(network, X, Y, activation, output))
    return losses


# --- conversion to and from the engine's arrays: the only functions that use numpy -----------


def from_arrays(W_list, b_list) -> list[dict]:
    """A reference network from the engine's arrays: W[l] (n_in, n_out) becomes W[j][i]."""
    import numpy as np

    return [
        {"W": np.asarray(W, dtype=float).T.tolist(), "b": np.asarray(b, dtype=float).tolist()}
        for W, b in zip(W_list, b_list, strict=True)
    ]


def to_arrays(network_or_grads: list[dict]):
    """The engine's layout from a reference network (or gradients): lists of W (n_in, n_out), b."""
    import numpy as np

    W_list = [np.array(layer["W"], dtype=np.float64).T for layer in network_or_grads]
    b_list = [np.array(layer["b"], dtype=np.float64) for layer in network_or_grads]
    return W_list, b_list
