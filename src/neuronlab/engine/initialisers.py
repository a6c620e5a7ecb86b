"""Weight initialisers that keep the signal's variance steady from layer to layer.

He (He et al. 2015) for the ReLU family: Var(W) = 2 / n_in, because ReLU zeroes half the
signal. Xavier for the others, in its forward-pass form Var(W) = 1 / n_in: Glorot & Bengio
(2010) show that this keeps the variance of the activations steady through units whose
slope at 0 is 1 (tanh, identity), and settle on 2 / (n_in + n_out) as a compromise with
the backward pass; 1 / n_in is also LeCun et al.'s (1998) rule. For sigmoid, whose slope at
0 is 1/4 and whose outputs are not centred on 0, neither keeps the variance exactly steady.

We draw from a uniform distribution on [−s, s], whose variance is s²/3; so the half-width
that gives variance v is s = √(3v): √(6/n_in) for He and √(3/n_in) for Xavier.
Biases start at zero.
"""

from __future__ import annotations

import math

import numpy as np

INITIALISERS = {"he": 2.0, "xavier": 1.0}  # name -> numerator of the variance gain / n_in


def weight_variance(init: str, n_in: int) -> float:
    """The variance the initialiser claims for a layer with ``n_in`` inputs."""
    if init not in INITIALISERS:
        raise ValueError(f"init must be one of {sorted(INITIALISERS)}, got {init!r}")
    return INITIALISERS[init] / n_in


def init_weights(W: np.ndarray, init: str, rng: np.random.Generator) -> None:
    """Fill W (n_in, n_out) in place with U(−s, s), s = √(3 · Var), so Var(W) is as claimed."""
    n_in = W.shape[0]
    s = math.sqrt(3.0 * weight_variance(init, n_in))
    W[...] = rng.uniform(-s, s, size=W.shape)
