"""The training loop: one loop for every front end, driven one epoch at a time.

The CLI turns its reports into a progress bar, the lab into frames, the estimator runs it to
the end. Between two epochs a caller may change the learning rate, the batch size, the
penalties or the data, and carry on: nothing is restarted.

An epoch shuffles the training set once (one seeded permutation, one copy into a buffer;
each minibatch is then a plain slice; a large X is not copied, each minibatch's rows are
gathered when it comes), and for every minibatch runs forward (eq. 5), backward (BP1–BP4)
and one optimiser step (eq. 9, or momentum, RMSProp or Adam). After the epoch the loss and
accuracy are measured on the whole training and validation sets, so the report describes the
weights as they are at the end of the epoch.

Two options serve the estimator, both off by default: ``running_loss=True`` (the report's
``batch_loss`` is the mean of the epoch's minibatch losses, as scikit-learn computes its loss
curve) and ``sample_weight`` (C = Σ wᵢ lᵢ / Σ wᵢ over a minibatch). With either, or with a
batch callback, the epoch runs the recorded loop of ``recorded.py``; without, the plain loop
here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from .network import Network
from .optimisers import Optimizer
from .recorded import run_recorded_epoch
from .util import as_rng, check_int, check_positive

EVAL_CHUNK = 2048  # rows per forward pass when measuring a whole set (see _evaluate)
GATHER_BYTES = 1 << 21  # a training set larger than this is not shuffled as a whole copy


@dataclass
class EpochReport:
    """What one epoch did. Losses are data losses (no penalty), so train and validation compare."""

    epoch: int
    train_loss: float | None  # None when the epoch ran with evaluate=False
    train_accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    samples_per_second: float
    is_best: bool
    diverged: bool = False
    stopped_early: bool = False
    message: str | None = None
    # with running_loss=True: the mean of the epoch's minibatch losses (weights as they were
    # at each minibatch) and the share of rows each minibatch classified right
    batch_loss: float | None = None
    batch_accuracy: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class Trainer:
    """Trains ``network`` with ``optimizer`` on minibatches, one epoch per ``run_epoch``.

    Parameters
    ----------
    network : Network
    optimizer : Optimizer
    X_train : (n, d) array
    y_train : (n,) integer labels for a softmax network; (n,) or (n, k) targets otherwise
    X_val, y_val : optional validation set, same forms
    batch_size : int
        Minibatch size (clipped to the training-set size).
    l2, l1 : float
        Weight penalties (l2/2)·ΣW² and l1·Σ|W| (see Network.backward).
    patience : int or None
        Early stopping: stop after this many epochs without a new best validation loss
        (training loss when there is no validation set), and restore the best weights.
    seed : int, Generator or None
        Seeds the shuffling.
    running_loss : bool
        Also record the mean of every epoch's minibatch losses (``EpochReport.batch_loss``)
        and, for a softmax network, the share of rows classified right as they were trained
        on (``batch_accuracy``).
    sample_weight : (n,) array or None
        Non-negative weight of each training row in the loss.
    """

    def __init__(
        self,
        network: Network,
        optimizer: Optimizer,
        X_train: np.ndarray,
        y_train: np.ndarray,
        X_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None,
        *,
        batch_size: int = 32,
        l2: float = 0.0,
        l1: float = 0.0,
        patience: int | None = None,
        seed: int | np.random.Generator | None = 0,
        shuffle: bool = True,
        min_delta: float = 0.0,
        running_loss: bool = False,
        sample_weight: np.ndarray | None = None,
    ):
        if not isinstance(network, Network):
            raise TypeError(f"network must be a Network, got {type(network).__name__}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
        self.network = network
        self.optimizer = optimizer
        self.classification = network.output == "softmax"
        self.batch_size = batch_size
        self.l2 = l2
        self.l1 = l1
        self.patience = None if patience is None else check_int("patience", patience, low=1)
        self.min_delta = check_positive("min_delta", min_delta, allow_zero=True)
        if not isinstance(shuffle, bool | np.bool_):
            raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
        self.shuffle = bool(shuffle)
        self._rng = as_rng(seed)
        self.history: list[EpochReport] = []
        self.best_epoch: int | None = None
        self.best_loss = math.inf
        self._best_params = network.params.copy()
        self._since_best = 0
        self.finished = False
        self.running_loss = bool(running_loss)
        # called as batch_callback(rows_done, n_rows) after every minibatch when set (the
        # CLI's progress within a long epoch); the plain loop stays free of it otherwise
        self.batch_callback = None
        self.set_data(X_train, y_train, X_val, y_val)
        self.set_sample_weight(sample_weight)

    # ------------------------------------------------------------ settable between epochs
    @property
    def learning_rate(self) -> float:
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.optimizer.learning_rate = value

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        self._batch_size = check_int("batch_size", value, low=1)

    @property
    def l2(self) -> float:
        return self._l2

    @l2.setter
    def l2(self, value: float) -> None:
        self._l2 = check_positive("l2", value, allow_zero=True)

    @property
    def l1(self) -> float:
        return self._l1

    @l1.setter
    def l1(self, value: float) -> None:
        self._l1 = check_positive("l1", value, allow_zero=True)

    @property
    def epoch(self) -> int:
        return len(self.history)

    # ------------------------------------------------------------------------------ data
    def set_data(self, X_train, y_train, X_val=None, y_val=None) -> None:
        """Replace the training (and validation) data; the weights are kept, any sample
        weights dropped (give new ones with ``set_sample_weight``)."""
        self.sample_weight = None
        self.X, self.Y, self.y = self._prepare(X_train, y_train, "X_train", "y_train")
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        if X_val is not None and len(X_val) > 0:
            self.X_val, self.Y_val, self.y_val = self._prepare(X_val, y_val, "X_val", "y_val")
        else:
            self.X_val = self.Y_val = self.y_val = None
        # Each epoch's shuffled copy of the training set, or, for a large X, minibatches
        # gathered straight into the network's buffer (Network.forward_rows). The benchmark
        # showed where each pays: the shuffled copy of 20,000 x 784 float32 rows, out of the
        # cache, cost 12 ms an epoch, the gathers about 6 ms less; a small X is copied in
        # microseconds, and then each step is a plain slice, one NumPy call less than a gather.
        self._gather = self.X.nbytes > GATHER_BYTES
        if self._gather:
            self._X_ones = self._X_shuffled = None
        else:
            # [X, 1], made once: layer 0's bias then rides in its product as every later
            # layer's does (see Network._forward; two NumPy calls less a step)
            self._X_ones = np.ones((self.X.shape[0], self.X.shape[1] + 1), self.X.dtype)
            self._X_ones[:, :-1] = self.X
            self._X_shuffled = np.empty_like(self._X_ones)
        self._Y_shuffled = np.empty_like(self.Y)

    def set_sample_weight(self, sample_weight) -> None:
        """Weigh each training row's loss (None: every row counts once)."""
        if sample_weight is None:
            self.sample_weight = None
            return
        w = np.asarray(sample_weight, dtype=self.network.dtype)
        if w.shape != (self.X.shape[0],):
            raise ValueError(
                f"sample_weight must have one entry per training row, shape ({self.X.shape[0]},), "
                f"got {w.shape}"
            )
        if not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
            raise ValueError("sample_weight must be finite, non-negative and not all zero")
        self.sample_weight = w

    def add_point(self, x, label) -> None:
        """Append one training example (the lab's click-to-add)."""
        try:
            x = np.asarray(x, dtype=float).reshape(1, -1)
        except (TypeError, ValueError):
            raise ValueError(f"x must be numbers, one per feature, got {x!r}") from None
        if self.classification:
            y = np.asarray([label])
        else:  # one target row shaped like the stored ones: (1,) for y (n,), (1, k) for (n, k)
            y = np.asarray(label, dtype=float).reshape((1, *self.y.shape[1:]))
        if x.shape[1] != self.X.shape[1]:
            raise ValueError(f"x must have {self.X.shape[1]} features, got {x.shape[1]}")
        X = np.concatenate([self.X, x.astype(self.X.dtype)])
        y_all = np.concatenate([self.y, y])  # no cast: _prepare checks the label (1.5 is not 1)
        X_val, y_val = self.X_val, self.y_val
        try:
            self.set_data(X, y_all, X_val, y_val)
        except ValueError as error:  # name what the caller passed, not the whole set
            raise ValueError(
                f"cannot add the point x={x.ravel().tolist()}, label={label!r}: {error}"
            ) from None

    def _prepare(self, X, y, x_name: str, y_name: str):
        net = self.network
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != net.layer_sizes[0]:
            raise ValueError(
                f"{x_name} must have shape (n_samples, {net.layer_sizes[0]}), got {X.shape}"
            )
        if X.shape[0] == 0:
            raise ValueError(f"{x_name} must contain at least one sample")
        X = np.ascontiguousarray(X, dtype=net.dtype)
        # A finite sum means every value is finite (a NaN or an infinity makes the sum NaN or
        # infinite); only when it is not, maybe by overflow, are the values checked one by
        # one. The benchmark showed it pays: 20,000 x 784 float32, 3 ms instead of 7.
        with np.errstate(over="ignore", invalid="ignore"):
            finite = np.isfinite(X.sum()) or np.isfinite(X).all()
        if not finite:
            raise ValueError(f"{x_name} contains NaN or infinite values; clean or impute them")
        y = np.asarray(y)
        if y.ndim == 0:
            raise ValueError(f"{y_name} must have one entry per row of {x_name}, got a scalar")
        if len(y) != len(X):
            raise ValueError(f"{y_name} has {len(y)} entries but {x_name} has {len(X)} rows")
        k = net.layer_sizes[-1]
        if self.classification:
            if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
                if y.ndim == 1 and y.dtype.kind in "bf" and np.all(np.mod(y, 1) == 0):
                    y = y.astype(np.int64)
                else:
                    raise ValueError(f"{y_name} must be integer class labels, shape (n,)")
            if y.min() < 0 or y.max() >= k:
                raise ValueError(
                    f"{y_name} must hold class labels 0..{k - 1} for a {k}-output network, "
                    f"got labels {int(y.min())}..{int(y.max())}"
                )
            Y = np.zeros((len(y), k), net.dtype)
            Y[np.arange(len(y)), y] = 1.0  # one-hot targets
        else:
            Y = y.reshape(len(y), -1).astype(net.dtype)
            if Y.shape[1] != k:
                raise ValueError(f"{y_name} must have {k} target column(s), got {Y.shape[1]}")
            if not np.isfinite(Y).all():
                raise ValueError(f"{y_name} contains NaN or infinite values")
        return X, np.ascontiguousarray(Y), y

    # ----------------------------------------------------------------------------- epochs
    def run_epoch(self, evaluate: bool = True) -> EpochReport:
        """One pass over the shuffled training set, then a report on the whole sets.

        With ``evaluate=False`` the losses and accuracies are not measured (they are None in
        the report, and best-epoch tracking waits for the next measured epoch); divergence is
        still caught from the weights. The benchmark uses this to time training alone.
        """
        # overflow on the way to a diverged loss is expected and reported: no warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._run_epoch(evaluate)

    def _run_epoch(self, evaluate: bool) -> EpochReport:
        net, opt = self.network, self.optimizer
        n = self.X.shape[0]
        bs = min(self.batch_size, n)
        l2, l1 = self._l2, self._l1
        params, grads = [net.params], [net.grads]

        start = time.perf_counter()
        gather = self._gather and self.shuffle
        if self.shuffle:
            order = self._rng.permutation(n)
            # mode="clip" lets take write straight into the buffer (the default copies twice)
            np.take(self.Y, order, axis=0, out=self._Y_shuffled, mode="clip")
            if not gather:
                np.take(self._X_ones, order, axis=0, out=self._X_shuffled, mode="clip")
            Xs, Ys = self._X_shuffled, self._Y_shuffled
        else:
            Xs, Ys = (self.X if self._gather else self._X_ones), self.Y
        if self.running_loss or self.sample_weight is not None or self.batch_callback:
            running = run_recorded_epoch(self, Xs, Ys, order if self.shuffle else None, gather)
        else:
            running = None
            # set_data checked the whole set once: the steps use the unchecked passes
            for i in range(0, n, bs):
                if gather:
                    net.forward_rows(self.X, order[i : i + bs])  # forward(X[order[i : i + bs]])
                else:
                    net._forward(Xs[i : i + bs])
                net._backward(Ys[i : i + bs], l2, l1)
                opt.step(params, grads)
        elapsed = time.perf_counter() - start

        if not evaluate:
            report = self._unmeasured_report(n / max(elapsed, 1e-9))
        else:
            report = self._report(n / max(elapsed, 1e-9))
        if running is not None:
            report.batch_loss, report.batch_accuracy = running
            if not math.isfinite(report.batch_loss) and not report.diverged:
                self._diverged(report)
        return report

    def _evaluate(self, X, Y, y) -> tuple[float, float | None]:
        """Mean data loss (and accuracy) over a whole set, EVAL_CHUNK rows at a time.

        The benchmark showed chunks pay on large sets: one pass over 20,000 rows at once
        allocates and touches buffers of hundreds of MB; chunks reuse small cached ones.
        """
        n = X.shape[0]
        total_loss = 0.0
        correct = 0
        for i in range(0, n, EVAL_CHUNK):
            rows = slice(i, i + EVAL_CHUNK)
            m = min(EVAL_CHUNK, n - i)
            total_loss += m * self.network.loss(X[rows], Y[rows])  # loss() is a mean over m
            if self.classification:
                P = self.network._last.a[-1]  # the probabilities loss() just computed
                correct += int(np.count_nonzero(P.argmax(axis=1) == y[rows]))
        return total_loss / n, (correct / n if self.classification else None)

    def _unmeasured_report(self, samples_per_second: float) -> EpochReport:
        epoch = len(self.history) + 1
        report = EpochReport(epoch, None, None, None, None, samples_per_second, False)
        if not np.isfinite(self.network.params).all():
            self._diverged(report)
        self.history.append(report)
        return report

    def _diverged(self, report: EpochReport) -> None:
        report.diverged = True
        report.message = (
            f"loss diverged at epoch {report.epoch}: lower the learning rate "
            f"(now {self.learning_rate:g}) and reset"
        )
        self.finished = True

    def _report(self, samples_per_second: float) -> EpochReport:
        epoch = len(self.history) + 1
        train_loss, train_acc = self._evaluate(self.X, self.Y, self.y)
        val_loss = val_acc = None
        if self.X_val is not None:
            val_loss, val_acc = self._evaluate(self.X_val, self.Y_val, self.y_val)
        watched = val_loss if val_loss is not None else train_loss

        report = EpochReport(
            epoch, train_loss, train_acc, val_loss, val_acc, samples_per_second, False
        )
        if (
            not (math.isfinite(train_loss) and math.isfinite(watched))
            or not np.isfinite(self.network.params).all()
        ):
            self._diverged(report)
        elif watched < self.best_loss - self.min_delta:
            self.best_loss = watched
            self.best_epoch = epoch
            self._best_params[...] = self.network.params
            self._since_best = 0
            report.is_best = True
        else:
            self._since_best += 1
            if self.patience is not None and self._since_best >= self.patience:
                self.restore_best()
                report.stopped_early = True
                report.message = (
                    f"stopped early at epoch {epoch}: no better loss for {self.patience} "
                    f"epochs; restored the weights of epoch {self.best_epoch}"
                )
                self.finished = True
        self.history.append(report)
        return report

    def train(self, epochs: int) -> Iterator[EpochReport]:
        """Run up to ``epochs`` more epochs, yielding reports; stop on divergence or patience."""
        epochs = check_int("epochs", epochs, low=1)
        for _ in range(epochs):
            if self.finished:
                return
            yield self.run_epoch()

    def restore_best(self) -> None:
        """Put back the weights of the best epoch so far."""
        if self.best_epoch is not None:
            self.network.params[...] = self._best_params
