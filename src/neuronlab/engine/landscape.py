"""A trained network's loss landscape: the loss on a plane through its weights.

Pick two random directions δ₁ and δ₂ in weight space and look at the loss along the plane

    C(α, β) = C(θ + α δ₁ + β δ₂),

with θ the network's weights at (0, 0). Raw random directions would mislead: ReLU networks
can scale one layer up and the next down without changing what they compute, so a direction
of fixed size means a big change to small weights and a small change to big ones. Li et al.
(2018) *filter-normalise* each direction: every unit's incoming weights in the direction are
rescaled to the norm of that unit's incoming weights in θ. Biases get no direction (0), as in
their paper.

The slice is a two-parameter problem like the loss surfaces of ``surfaces.py``, so
``as_surface`` wraps it as a ``Surface`` and ``surfaces.descend`` races the same optimiser
classes on it.

References: H. Li, Z. Xu, G. Taylor, C. Studer and T. Goldstein (2018). Visualizing the loss
landscape of neural nets. NeurIPS.
"""

from __future__ import annotations

import numpy as np

from .network import Network
from .surfaces import Surface
from .util import as_rng, check_int, check_positive


def filter_normalised_direction(
    network: Network, seed: int | np.random.Generator | None = 0
) -> np.ndarray:
    """A random direction like ``network.params``, filter-normalised (Li et al. 2018).

    For each layer, column j of W (the weights into unit j) is drawn from N(0, 1) and scaled
    to the norm of column j of the network's W; the biases' part is 0.
    """
    rng = as_rng(seed)
    direction = np.zeros_like(network.params)
    offset = 0
    for W in network.W:
        n_in, n_out = W.shape
        d = rng.standard_normal((n_in, n_out))
        d *= np.linalg.norm(W, axis=0) / np.maximum(np.linalg.norm(d, axis=0), 1e-12)
        direction[offset : offset + W.size] = d.ravel()
        offset += W.size + n_out  # the flat buffer keeps each b right after its W
    return direction


def loss_plane(
    network: Network,
    X: np.ndarray,
    Y: np.ndarray,
    directions: tuple[np.ndarray, np.ndarray],
    span: float = 1.0,
    resolution: int = 31,
) -> tuple[np.ndarray, np.ndarray]:
    """C(θ + α δ₁ + β δ₂) on a resolution × resolution grid of α, β in [−span, span].

    Returns the axis values (resolution,) and the losses (resolution, resolution), row i
    for β = axis[i] and column j for α = axis[j]. The network's weights are put back.
    """
    span = check_positive("span", span)
    resolution = check_int("resolution", resolution, low=3, high=101)
    d1, d2 = directions
    theta = network.params.copy()
    axis = np.linspace(-span, span, resolution)
    losses = np.empty((resolution, resolution))
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for i, beta in enumerate(axis):
                for j, alpha in enumerate(axis):
                    network.params[...] = theta + alpha * d1 + beta * d2
                    losses[i, j] = network.loss(X, Y)
    finally:
        network.params[...] = theta
    return axis, losses


def as_surface(
    network: Network,
    X: np.ndarray,
    Y: np.ndarray,
    directions: tuple[np.ndarray, np.ndarray],
    span: float = 1.0,
    lowest: tuple[float, float] = (0.0, 0.0),
) -> Surface:
    """The slice as a ``Surface``: f(α, β) is the loss there, its gradient (δ₁·∇C, δ₂·∇C).

    The gradient comes from backpropagation at θ + α δ₁ + β δ₂ and the chain rule along the
    two directions. The network's weights are put back after every evaluation. ``lowest``
    is the point a walk's end is judged against (``surfaces.classify_point``): the lowest
    point of a measured ``loss_plane`` when there is one, else the network itself, (0, 0).
    """
    d1, d2 = directions
    theta = network.params.copy()

    def at(alpha: float, beta: float) -> None:
        network.params[...] = theta + alpha * d1 + beta * d2

    def f(alpha, beta):
        alpha, beta = np.broadcast_arrays(np.asarray(alpha, float), np.asarray(beta, float))
        out = np.empty(alpha.shape)
        for k in np.ndindex(alpha.shape):
            at(alpha[k], beta[k])
            out[k] = network.loss(X, Y)
        network.params[...] = theta
        return out

    def grad(p):
        at(p[0], p[1])
        network.forward(X)
        network.backward(Y)
        g = np.array([network.grads @ d1, network.grads @ d2])  # chain rule along δ₁, δ₂
        network.params[...] = theta
        return g

    return Surface(
        name="landscape",
        title="Your network's loss on a plane through its weights",
        description="Filter-normalised random directions (Li et al. 2018); (0, 0) is the network.",
        f=f,
        grad=grad,
        minima=(tuple(map(float, lowest)),),  # the lowest point known, not a proven minimum
        bounds=(-span, span, -span, span),
        start=(0.8 * span, 0.8 * span),
        learning_rate=0.1,
    )
