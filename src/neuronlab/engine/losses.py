"""Loss functions, each with the error signal it sends into backpropagation.

Normalisation, stated once and used everywhere: the loss of a batch is the **mean over
samples** of the per-sample loss. Cross-entropy sums over classes; mean squared error carries
a factor ½ so that its derivative has no stray 2.

Notation
--------
Z : (n, k) output pre-activations (logits)
P : (n, k) network output: softmax(Z) for classification, Z itself for regression
Y : (n, k) targets: one-hot rows for classification, real values for regression
"""

from __future__ import annotations

import functools

import numpy as np

Array = np.ndarray


# NumPy reduces along a short last axis one row at a time: Z.max(axis=1) over 256 rows of 10
# logits takes ~15 µs, over 1000 rows of 2 ~29 µs. Along the first axis it runs down whole
# rows at once, so the row maximum is taken on a transposed copy (~2 µs for 256 x 10), or for
# two classes as one element-wise maximum of the columns (~1.5 µs for 1000 x 2). The benchmark
# showed both pay, and the row sum as a product with ones likewise (~1 µs).
def row_max(Z: Array) -> Array:
    """max_j z_j of every row of Z (n, k), as an (n, 1) column."""
    if Z.shape[1] == 2:
        return np.maximum(Z[:, :1], Z[:, 1:])
    return np.ascontiguousarray(Z.T).max(axis=0)[:, None]


def row_sum(Z: Array) -> Array:
    """Σ_j z_j of every row of Z (n, k), as an (n, 1) column."""
    return Z.dot(_ones_column(Z.shape[1], Z.dtype))


@functools.cache
def _ones_column(k: int, dtype: np.dtype) -> Array:
    return np.ones((k, 1), dtype)  # made once: np.ones costs more than the product itself


def softmax(Z: Array, out: Array | None = None) -> Array:
    """eq. 7: p_j = e^(z_j) / Σ_i e^(z_i), row by row.

    Subtracting the row maximum first changes nothing mathematically and keeps e^z finite.
    """
    out = np.subtract(Z, row_max(Z), out=out)
    np.exp(out, out=out)
    out /= row_sum(out)
    return out


def log_softmax(Z: Array) -> Array:
    """log p_j = z_j − max(z) − log Σ_i e^(z_i − max(z)): finite even when p_j underflows to 0."""
    shifted = Z - row_max(Z)
    return shifted - np.log(row_sum(np.exp(shifted)))


def cross_entropy(Z: Array, Y: Array) -> float:
    """eq. 8: C = −(1/n) Σ_samples Σ_classes y log p, log p taken from log-softmax of Z."""
    n = Z.shape[0]
    return float(-(Y * log_softmax(Z)).sum() / n)


def cross_entropy_delta(P: Array, Y: Array, out: Array | None = None) -> Array:
    """BP1′: softmax with cross-entropy fuse into δ = (p − y) / n (the 1/n is the mean)."""
    out = np.subtract(P, Y, out=out)
    out *= 1.0 / P.shape[0]
    return out


def mse(P: Array, Y: Array) -> float:
    """eq. 6: C = (1/2n) Σ_samples Σ_outputs (ŷ − y)²."""
    diff = P - Y
    return float(0.5 * np.vdot(diff, diff) / P.shape[0])


def mse_delta(P: Array, Y: Array, out: Array | None = None) -> Array:
    """BP1 with an identity output (f′ = 1): δ = ∂C/∂ŷ = (ŷ − y) / n."""
    out = np.subtract(P, Y, out=out)
    out *= 1.0 / P.shape[0]
    return out


def r_squared(C: float | None, variance: float) -> float | None:
    """The coefficient of determination from eq. 6's loss: R² = 1 − 2C / var(y).

    R² = 1 − mean((ŷ − y)²) / var(y), and eq. 6's C is half that mean, hence the 2. It is 1
    for a perfect fit, 0 for always predicting the mean of y, negative for worse. ``variance``
    is the population variance of the targets (over all outputs); None when it is 0 or C is
    unknown (R² is then undefined).
    """
    if C is None or not variance > 0:
        return None
    return 1.0 - 2.0 * C / variance


# output layer name -> (loss name, loss from (Z, P, Y), delta from (P, Y))
LOSSES = {
    "cross_entropy": (lambda Z, P, Y: cross_entropy(Z, Y), cross_entropy_delta),
    "mse": (lambda Z, P, Y: mse(P, Y), mse_delta),
}
OUTPUT_LOSS = {"softmax": "cross_entropy", "identity": "mse"}
