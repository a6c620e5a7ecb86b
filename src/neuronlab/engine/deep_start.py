"""Why deep networks are hard to start: a deep, narrow network at its initialisation.

BP2 multiplies the error by Wᵀ and by f′(z) once per layer, so after many layers it can
shrink towards nothing (vanishing gradients) or grow without bound (exploding ones); the
forward pass does the same to the activations. Which happens depends on the size of the
weights against the slope of the activation, that is on the initialisation (§10):

- "zeros": every weight 0. Every unit of a layer computes the same thing and receives the
  same gradient, so they stay identical however long they train (and with W = 0, BP2
  passes no error at all below the last layer).
- "small" and "large": each weight uniform with a fixed standard deviation, 0.01 or 1,
  whatever the layer's width: the signal shrinks or grows by about the same factor at
  every layer.
- "xavier": Var(W) = 1/n_in, which keeps Var(z) = Var(a_in) for units of slope 1 at 0.
- "he": Var(W) = 2/n_in, which makes up for ReLU zeroing half of its inputs.

Notation as in ``network.py``; statistics are taken over a batch X of shape (n, d).
"""

from __future__ import annotations

import math

import numpy as np

from .network import Network
from .util import as_rng

SCHEMES = ("zeros", "small", "large", "xavier", "he")
FIXED_STD = {"small": 0.01, "large": 1.0}
GAIN = {"xavier": 1.0, "he": 2.0}  # Var(W) = gain / n_in
IDENTICAL = 1e-9  # units whose activations differ by less than this share of their size


def weight_std(scheme: str, n_in: int) -> float:
    """The standard deviation of one weight under ``scheme`` for a layer of ``n_in`` inputs."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}")
    if scheme == "zeros":
        return 0.0
    if scheme in FIXED_STD:
        return FIXED_STD[scheme]
    return math.sqrt(GAIN[scheme] / n_in)


def initialise(network: Network, scheme: str, seed: int | np.random.Generator | None = 0) -> None:
    """Redraw every W of ``network`` under ``scheme`` (uniform, std as ``weight_std``); b = 0.

    §10: Var(z) = n_in Var(w) Var(a), so Var(w) = 1/n_in (Xavier) or 2/n_in (He, for ReLU,
    which zeroes half the signal) keeps the signal's size from layer to layer.
    """
    rng = as_rng(seed)
    for W, b in zip(network.W, network.b, strict=True):
        s = math.sqrt(3.0) * weight_std(scheme, W.shape[0])  # U(−s, s) has std s / √3
        W[...] = rng.uniform(-s, s, size=W.shape) if s > 0 else 0.0
        b[...] = 0.0


def layer_statistics(network: Network, X: np.ndarray, Y: np.ndarray) -> list[dict]:
    """What each layer does on the batch (X, Y), from one forward and one backward pass.

    Returns one dict per weight layer l (the last is the output layer):

    ``activation_std``  spread of a⁽ˡ⁾ over samples and units (the output's probabilities
                        for the last layer)
    ``gradient_rms``    √(mean of (∂C/∂W⁽ˡ⁾)²), the size of the layer's weight gradient
    ``dead_units``      hidden units whose a and f′(z) are 0 on every sample (a ReLU that
                        never fires): no error passes through them, so their weights
                        never change
    ``identical``       whether every unit of the layer computes the same a on every sample
    """
    traced = network.trace(X)  # fresh copies of (z, a) per layer
    network.forward(X)
    network.backward(Y)
    stats = []
    hidden = len(traced) - 1
    for l, (z, a) in enumerate(traced):
        spread_across_units = (a.max(axis=1) - a.min(axis=1)).max()  # 0: all units alike
        dead = 0
        if l < hidden:
            silent = np.all(a == 0.0, axis=0) & np.all(network.act.df(z, a) == 0.0, axis=0)
            dead = int(np.count_nonzero(silent))
        stats.append(
            {
                "layer": l + 1,
                "activation_std": float(a.std()),
                "gradient_rms": float(np.sqrt(np.mean(network.dW[l] ** 2))),
                "dead_units": dead,
                "identical": bool(
                    a.shape[1] > 1 and spread_across_units <= IDENTICAL * np.abs(a).max()
                ),
            }
        )
    return stats


def train_from_start(
    network: Network,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 200,
    learning_rate: float = 0.05,
    seed: int | np.random.Generator | None = 0,
) -> tuple[list[float], float, list[dict]]:
    """Train with momentum SGD (batch 32) and say whether the network learned.

    Plain momentum, not Adam: Adam divides each step by the gradient's own size, which would
    hide the vanishing gradients this module is about.

    Returns
    -------
    losses : list of float
        The training loss after each epoch (stops early if the loss diverges).
    accuracy : float
        Training accuracy at the end.
    stats : list of dict
        ``layer_statistics`` of the trained network (are the zeros' units still identical?).
    """
    from .optimisers import make_optimizer
    from .training import Trainer

    trainer = Trainer(
        network, make_optimizer("momentum", learning_rate), X, y, batch_size=32, seed=seed
    )
    reports = list(trainer.train(epochs))
    losses = [r.train_loss for r in reports if r.train_loss is not None]
    accuracy = reports[-1].train_accuracy or 0.0
    Y = np.eye(network.layer_sizes[-1])[y]
    return losses, float(accuracy), layer_statistics(network, X, Y)
