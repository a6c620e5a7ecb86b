"""solver="lbfgs": the network's flat parameter array handed to ``scipy.optimize.minimize``.

Every W and b of a Network is a view into one flat array ``params``, and backpropagation
fills the matching flat ``grads``; so the whole network is one vector θ, and
``minimize(fun, θ₀, jac=True, method="L-BFGS-B")`` can train it as scikit-learn's own MLP
does. Each evaluation is one forward and one backward pass over the whole training set:

    C(θ) = Σ wᵢ lᵢ / Σ wᵢ + (α / 2n)·ΣW²,

the weighted mean loss plus scikit-learn's penalty (``alpha`` per *sum* of losses over the
n samples, so the engine receives ``l2 = alpha / n``; with sample weights ``alpha / Σw``, so
that a weight of 2 and a repeated row give the same model).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from ..engine.optimisers import SGD
from ..engine.training import Trainer


def fit_lbfgs(estimator, X: np.ndarray, y: np.ndarray, sample_weight) -> None:
    """Train ``estimator._network`` on (X, y) to L-BFGS-B's stopping rule or max_iter."""
    network = estimator._network
    # the Trainer's data checks and one-hot targets; it runs no epoch (nor its SGD) here
    data = Trainer(network, SGD(1.0), X, y, batch_size=1, seed=0, shuffle=False)
    X, Y = data.X, data.Y
    n = X.shape[0]
    w = sample_weight
    total = n if w is None else float(w.sum())
    l2, l1 = estimator.alpha / total, estimator.l1 / total
    tiny = np.finfo(network.dtype).tiny

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        network.params[...] = theta
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            P = network.forward(X)  # (n, k)
            if network.output == "softmax":
                per_row = -np.log(np.maximum((P * Y).sum(axis=1), tiny))  # eq. 8, row by row
            else:
                per_row = 0.5 * ((P - Y) ** 2).sum(axis=1)  # eq. 6, row by row
            data_loss = float(per_row.mean() if w is None else np.dot(w, per_row) / w.sum())
            network.backward(Y, l2, l1, sample_weight=w)
        loss = data_loss + network.penalty(l2, l1)
        if not np.isfinite(loss):
            raise FloatingPointError(
                "training diverged (the loss became NaN or infinite): scale the inputs, "
                "or use solver='adam' with a small learning_rate_init"
            )
        return loss, network.grads.astype(np.float64)

    curve: list[float] = []

    def record(intermediate_result) -> None:
        curve.append(float(intermediate_result.fun))
        if estimator.verbose:
            print(f"Iteration {len(curve)}, loss = {curve[-1]:.8f}")

    result = minimize(
        loss_and_gradient,
        network.params.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=record,
        options={"maxfun": estimator.max_fun, "maxiter": estimator.max_iter, "gtol": estimator.tol},
    )
    network.params[...] = result.x
    estimator.n_iter_ = int(result.nit)
    estimator.loss_ = float(result.fun)
    estimator.loss_curve_ = curve or [float(result.fun)]
    estimator.best_loss_ = min(estimator.loss_curve_)
    estimator.t_ += n * estimator.n_iter_
    if result.status != 0:
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iterations "
            f"({_reason(result)}): increase max_iter or max_fun, or scale the data",
            ConvergenceWarning,
            stacklevel=5,
        )
    estimator._attach(network.copy())


def _reason(result) -> str:
    message = result.message
    return message.decode() if isinstance(message, bytes) else str(message)
