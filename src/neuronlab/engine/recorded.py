"""The recorded epoch: the Trainer's loop with sample weights, a running loss or a callback.

The plain loop in ``training.py`` runs forward (eq. 5), backward (BP1–BP4) and one optimiser
step per minibatch and nothing else. The estimator wants more from the same epoch:

- ``running_loss``: the mean of the minibatch losses, as scikit-learn computes its loss
  curve, without a pass over the whole training set. Each minibatch's output P, which the
  forward pass computed anyway, is copied into an epoch-long array (one NumPy call a step:
  0.3 µs for digits' 64 x 10 outputs, where reducing P in the step would take two calls
  more), and the per-row losses are taken once per epoch on the whole array:
  C = −Σ wᵢ log pᵢ[yᵢ] / Σ wᵢ (softmax with cross-entropy, eq. 8) or
  C = (1/2) Σ wᵢ |ŷᵢ − yᵢ|² / Σ wᵢ (identity with squared error, eq. 6), each row's P as it
  was when that row was trained on (wᵢ = 1 without sample weights).
- ``sample_weight``: each minibatch's backward pass weighs its rows (``Network.backward``).
- ``batch_callback(rows_done, n_rows)`` after every minibatch: the CLI's progress bar within
  a long epoch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .losses import row_sum

if TYPE_CHECKING:
    from .training import Trainer

# the smallest positive normal number: a probability of 0 counts as this in log p (np.finfo
# is slow to ask, so it is asked once)
_TINY = {np.dtype(t): np.finfo(t).tiny for t in (np.float32, np.float64)}


def run_recorded_epoch(
    trainer: Trainer, Xs: np.ndarray, Ys: np.ndarray, order: np.ndarray | None, gather: bool
) -> tuple[float, float | None] | None:
    """One epoch of ``trainer``'s minibatches, recording what its options ask for.

    Parameters
    ----------
    trainer : Trainer
    Xs, Ys : (n, d) and (n, k) arrays
        The epoch's rows in the order they are trained on (Xs unused when ``gather``).
    order : (n,) array or None
        The epoch's permutation of the training rows, None when not shuffled.
    gather : bool
        Gather each minibatch's rows of ``trainer.X`` into the network's buffer.

    Returns
    -------
    (mean minibatch loss, share of rows classified right) or None when not recording the
    loss; the share is None for a regression network.
    """
    net, opt = trainer.network, trainer.optimizer
    n = Ys.shape[0]
    bs = min(trainer.batch_size, n)
    l2, l1 = trainer.l2, trainer.l1
    params, grads = [net.params], [net.grads]
    record = trainer.running_loss
    callback = trainer.batch_callback
    w = trainer.sample_weight
    if w is not None and order is not None:
        w = w[order]  # the epoch's row order
    outputs = np.empty_like(Ys) if record else None  # (n, k): every row's P, in epoch order
    for i in range(0, n, bs):
        rows = slice(i, i + bs)
        if gather:
            P = net.forward_rows(trainer.X, order[rows])
        else:
            P = net._forward(Xs[rows])  # the set was checked once, in set_data
        if record:
            outputs[rows] = P
        net._backward(Ys[rows], l2, l1, None if w is None else w[rows])
        opt.step(params, grads)
        if callback is not None:
            callback(min(i + bs, n), n)
    if not record:
        return None
    right = None
    if trainer.classification:
        labels = trainer.y if order is None else trainer.y[order]  # the epoch's row order
        # argmax along the rows, not down the columns of a transposed copy: NumPy's argmax
        # over the first axis moves that axis last and copies (measured 3 to 10 times slower
        # for digits' 1,438 x 10 and spirals' 1,000 x 2)
        right = outputs.argmax(axis=1) == labels
        # pᵢ[yᵢ] = Σ_k y_ik p_ik with the one-hot rows Ys: a product and a row sum cost less
        # than picking one entry per row by index (4 µs against 6 for digits' 1,438 x 10)
        p_true = row_sum(np.multiply(outputs, Ys, out=outputs))[:, 0]
        with np.errstate(divide="ignore"):
            losses = -np.log(np.maximum(p_true, _TINY[net.dtype]))  # eq. 8 per row
    else:
        diff = outputs - Ys
        losses = 0.5 * np.einsum("ij,ij->i", diff, diff)  # eq. 6 per row
    if w is None:
        loss = float(losses.sum()) / n  # the mean (np.mean's own checks cost 2 µs more)
        accuracy = None if right is None else np.count_nonzero(right) / n
    else:
        loss = float(np.dot(w, losses) / w.sum())
        accuracy = None if right is None else float(np.dot(w, right.astype(w.dtype)) / w.sum())
    return loss, accuracy
