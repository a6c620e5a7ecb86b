"""Gradient checking: compare backpropagation with central finite differences.

For every parameter θ_i the numerical derivative is

    ∂C/∂θ_i ≈ (C(θ + ε e_i) − C(θ − ε e_i)) / 2ε,

whose error shrinks like ε². For each array (W1, b1, W2, …) we report the relative error
‖g_backprop − g_numeric‖ / (‖g_backprop‖ + ‖g_numeric‖): about 1e-9 in float64 when
backprop is right, about 1 when it is wrong.
"""

from __future__ import annotations

import numpy as np

from .network import Network
from .util import check_positive


def one_hot_or_targets(network: Network, y: np.ndarray) -> np.ndarray:
    """Integer labels become one-hot rows for a softmax network; targets become (n, k)."""
    y = np.asarray(y)
    k = network.layer_sizes[-1]
    if network.output == "softmax" and y.ndim == 1:
        Y = np.zeros((len(y), k), network.dtype)
        Y[np.arange(len(y)), y.astype(int)] = 1.0
        return Y
    return y.reshape(len(y), -1).astype(network.dtype)


def parameter_names(network: Network) -> list[str]:
    """W1, b1, W2, b2, … in the order of the flat parameter buffer (numbered as in the course)."""
    names = []
    for l in range(network.n_layers):
        names += [f"W{l + 1}", f"b{l + 1}"]
    return names


def gradient_check(
    network: Network,
    X: np.ndarray,
    y: np.ndarray,
    *,
    l2: float = 0.0,
    l1: float = 0.0,
    eps: float = 1e-5,
) -> dict[str, float]:
    """Relative error between backprop and central differences, per parameter array.

    Parameters
    ----------
    network : Network (float64 for a meaningful check)
    X : (n, d) inputs
    y : integer labels (n,) or one-hot / targets (n, k)
    l2, l1 : penalties included in the checked loss
    eps : finite-difference step

    Returns
    -------
    dict mapping "W1", "b1", … to the relative error of that array.
    """
    eps = check_positive("eps", eps)
    l2 = check_positive("l2", l2, allow_zero=True)
    l1 = check_positive("l1", l1, allow_zero=True)
    X, Y = _checked_batch(network, X, y)
    network.forward(X)
    network.backward(Y, l2, l1)
    analytic = network.grads.copy()

    numeric = np.zeros_like(analytic)
    theta = network.params  # perturbed in place, restored after each coordinate
    for i in range(theta.size):
        kept = theta[i]
        theta[i] = kept + eps
        loss_plus = network.loss(X, Y, l2, l1)
        theta[i] = kept - eps
        loss_minus = network.loss(X, Y, l2, l1)
        theta[i] = kept
        numeric[i] = (loss_plus - loss_minus) / (2 * eps)

    errors = {}
    offset = 0
    names = iter(parameter_names(network))
    for W, b in zip(network.W, network.b, strict=True):
        for arr in (W, b):
            sl = slice(offset, offset + arr.size)
            errors[next(names)] = relative_error(analytic[sl], numeric[sl])
            offset += arr.size
    return errors


def _checked_batch(network: Network, X, y) -> tuple[np.ndarray, np.ndarray]:
    """X as a float array and the targets Y; ValueError naming X or y when they do not fit."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, got {type(network).__name__}")
    X = np.asarray(X, dtype=network.dtype)
    d, k = network.layer_sizes[0], network.layer_sizes[-1]
    if X.ndim != 2 or X.shape[1] != d or len(X) == 0:
        raise ValueError(f"X must have shape (n_samples, {d}) with n_samples >= 1, got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values: check with finite inputs")
    y = np.asarray(y)
    if y.ndim == 0:
        raise ValueError(f"y must have one entry per row of X, got the scalar {y!r}")
    if len(y) != len(X):
        raise ValueError(f"y has {len(y)} entries but X has {len(X)} rows: give one per row")
    if network.output == "softmax" and y.ndim == 1:
        labels = f"integer class labels 0..{k - 1} for a {k}-output network"
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must hold {labels}, got {y.dtype} values")
        if y.min() < 0 or y.max() >= k:
            raise ValueError(f"y must hold {labels}, got {y.min()}..{y.max()}")
    else:
        try:
            finite = np.isfinite(np.asarray(y, dtype=float)).all()
        except (TypeError, ValueError):
            raise ValueError(f"y must hold numbers, got {y.dtype} values") from None
        if not finite:
            raise ValueError("y contains NaN or infinite values: check with finite targets")
    return X, one_hot_or_targets(network, y)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), and 0 when both are exactly zero."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)
