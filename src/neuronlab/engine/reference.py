"""A neural network in pure Python, one example at a time: the version to read.

Lists and loops only, one line per equation, with the names the course uses. It is slow on
purpose (nothing is vectorised) and it is the test oracle: on the same weights it agrees
with the vectorised engine (``network.py``) to ~1e-12.

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


def make_network(layer_sizes: list[int], seed: int = 0) -> list[dict]:
    """Random weights with variance 1/n_in (Xavier's forward-pass form), zero biases.

    ``layer_sizes`` is [inputs, hidden..., outputs]; ``seed`` seeds Python's ``random``.
    """
    if len(layer_sizes) < 2 or any(int(k) != k or k < 1 for k in layer_sizes):
        raise ValueError(f"layer_sizes must be at least two positive integers, got {layer_sizes}")
    rng = random.Random(seed)
    network = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        std = math.sqrt(1.0 / n_in)
        W = [[rng.gauss(0.0, std) for i in range(n_in)] for j in range(n_out)]
        b = [0.0 for j in range(n_out)]
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

    BP1′ (softmax + cross-entropy): δ_k = p_k − y_k, the two derivatives fused.
    BP1  (identity + MSE):          δ_k = (ŷ_k − y_k) · f'(z_k) = ŷ_k − y_k since f' = 1.
    BP2:  δ_i (layer l) = Σ_j W[j][i] (layer l+1) δ_j (layer l+1) · f'(z_i (layer l))
    BP3:  ∂C/∂b_j = δ_j
    BP4:  ∂C/∂W[j][i] = δ_j a_i (a from the layer below)
    """
    _, f_prime = _activation(activation)
    zs, activations = forward(network, x, activation, output)
    y = _target(y, output, len(activations[-1]))
    delta = [a_k - y_k for a_k, y_k in zip(activations[-1], y, strict=True)]  # BP1′ / BP1
    grads: list[dict] = [{} for _ in network]
    for l in range(len(network) - 1, -1, -1):
        a_prev = activations[l]
        n_in, n_out = len(a_prev), len(delta)
        dW = [[delta[j] * a_prev[i] for i in range(n_in)] for j in range(n_out)]  # BP4
        db = list(delta)  # BP3
        grads[l] = {"W": dW, "b": db}
        if l > 0:
            W, z = network[l]["W"], zs[l - 1]
            delta = [
                sum(W[j][i] * delta[j] for j in range(n_out)) * f_prime(z[i]) for i in range(n_in)
            ]  # BP2
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
                    sums["W"][j][i] += g / n
            for j, g in enumerate(grad["b"]):
                sums["b"][j] += g / n
    for sums, layer in zip(total, network, strict=True):
        for j, row in enumerate(layer["W"]):
            for i, w in enumerate(row):
                sign = (w > 0) - (w < 0)
                sums["W"][j][i] += l2 * w + l1 * sign
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
