"""The perceptron (Rosenblatt 1958): one unit, a step output, and its learning rule.

eq. 1  z = w·x + b
eq. 2  ŷ = 1 if z >= 0 else 0      (a point exactly on the line counts as class 1)
rule   w ← w + η (y − ŷ) x,  b ← b + η (y − ŷ)

The rule changes nothing when the prediction is right (y − ŷ = 0). Otherwise it turns the
line (w sets its direction) and shifts it (b its offset) so that the point's z moves by
η (|x|² + 1) towards the right sign; one update need not be enough to classify the point,
and it may undo an earlier point's. If a line separates the two classes, it finds one in
a finite number of updates (the perceptron convergence theorem); if none does, as for XOR
(Minsky & Papert 1969), it never stops making mistakes.

Notation
--------
x : (d,) one point, X : (n, d) many; w : (d,) weights; b : bias; y, ŷ : labels in {0, 1}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .util import as_rng, check_int, check_positive

Array = np.ndarray

MAX_EPOCHS = 100_000


def _check_labels(X: Array, y: Array) -> tuple[Array, Array]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must have shape (n_samples, n_features), got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},) to match X, got {y.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must hold finite numbers")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"y must hold only the labels 0 and 1, got {np.unique(y)[:5]}")
    return X, y.astype(np.int64)


class Perceptron:
    """A single unit with a step output.

    Parameters
    ----------
    w : sequence of float
        Weights, one per input (two for the plane).
    b : float
        Bias: the line w·x + b = 0 moves by -b/|w| along w.
    """

    def __init__(self, w: tuple[float, ...] = (0.0, 0.0), b: float = 0.0):
        self.w = np.array(w, dtype=np.float64)
        if self.w.ndim != 1 or len(self.w) == 0 or not np.all(np.isfinite(self.w)):
            raise ValueError(f"w must be a sequence of finite numbers, got {w!r}")
        self.b = float(b)
        if not np.isfinite(self.b):
            raise ValueError(f"b must be a finite number, got {b!r}")

    def z(self, X: Array) -> Array:
        """eq. 1: z = w·x + b, for one point x (d,) or a batch X (n, d)."""
        return np.asarray(X, dtype=np.float64) @ self.w + self.b  # () or (n,)

    def output(self, X: Array) -> Array:
        """eq. 2: ŷ = 1 if z >= 0 else 0 (int), for one point or a batch."""
        return (self.z(X) >= 0).astype(np.int64)

    def learn_step(self, x: Array, y: int, learning_rate: float = 1.0) -> bool:
        """Rosenblatt's rule on one point: w += η (y − ŷ) x, b += η (y − ŷ).

        Returns True when the point was misclassified and the weights changed.
        """
        learning_rate = check_positive("learning_rate", learning_rate)
        x = np.asarray(x, dtype=np.float64)
        if x.shape != self.w.shape:
            raise ValueError(f"x must have shape {self.w.shape}, got {x.shape}")
        if y not in (0, 1):
            raise ValueError(f"y must be 0 or 1, got {y!r}")
        error = int(y) - int(self.output(x))  # y − ŷ: −1, 0 or +1
        if error == 0:
            return False
        self.w += learning_rate * error * x
        self.b += learning_rate * error
        return True

    def fit(
        self,
        X: Array,
        y: Array,
        max_epochs: int = 100,
        learning_rate: float = 1.0,
        seed: int | np.random.Generator | None = None,
    ) -> PerceptronFit:
        """Apply the rule point by point, epoch after epoch, until an epoch makes no mistake.

        Parameters
        ----------
        X : (n, d) points; y : (n,) labels 0 or 1
        max_epochs : int
            Give up after this many passes (1 to 100000).
        learning_rate : float
            η > 0. From zero weights it only scales w and b, so the line found is the same.
        seed : int, Generator or None
            None visits the points in order; otherwise a fresh shuffle every epoch.
        """
        X, y = _check_labels(X, y)
        max_epochs = check_int("max_epochs", max_epochs, low=1, high=MAX_EPOCHS)
        learning_rate = check_positive("learning_rate", learning_rate)
        rng = None if seed is None else as_rng(seed)
        errors: list[int] = []
        for epoch in range(1, max_epochs + 1):
            order = range(len(X)) if rng is None else rng.permutation(len(X))
            errors.append(sum(self.learn_step(X[i], y[i], learning_rate) for i in order))
            if errors[-1] == 0:
                return PerceptronFit(True, epoch, errors, _converged_message(epoch))
        return PerceptronFit(False, max_epochs, errors, _failed_message(errors[-1], max_epochs))

    def __repr__(self) -> str:
        return f"Perceptron(w={self.w.tolist()}, b={self.b})"


@dataclass
class PerceptronFit:
    """How training went: converged, epochs run, mistakes in each epoch, an English message."""

    converged: bool
    epochs: int
    errors_per_epoch: list[int] = field(default_factory=list)
    message: str = ""


def _converged_message(epochs: int) -> str:
    unit = "epoch" if epochs == 1 else "epochs"
    return f"converged after {epochs} {unit}: every point is on its side of the line"


def _failed_message(mistakes: int, epochs: int) -> str:
    return (
        f"still {mistakes} mistakes after {epochs} epochs: either no line separates these "
        "points (as for XOR, which is not linearly separable) or it needs more epochs"
    )


class PerceptronTrainer:
    """The learning rule one point at a time, for the lab to animate.

    Visits the points in order (or in a fresh shuffle each epoch when ``seed`` is given),
    epoch after epoch, applying ``learn_step`` to one point per ``step()`` call.
    """

    def __init__(
        self,
        X: Array,
        y: Array,
        learning_rate: float = 1.0,
        seed: int | np.random.Generator | None = None,
        perceptron: Perceptron | None = None,
    ):
        self.X, self.y = _check_labels(X, y)
        self.learning_rate = check_positive("learning_rate", learning_rate)
        self.perceptron = perceptron if perceptron is not None else Perceptron()
        if self.perceptron.w.shape != (self.X.shape[1],):
            raise ValueError(f"perceptron must take {self.X.shape[1]} inputs, as X has")
        self._rng = None if seed is None else as_rng(seed)
        self.epoch = 1  # the epoch in progress, counted from 1
        self.mistakes = 0  # updates made so far in this epoch
        self.converged = False  # a whole epoch passed without a mistake
        self._order = self._new_order()
        self._position = 0

    def _new_order(self) -> Array:
        n = len(self.X)
        return np.arange(n) if self._rng is None else self._rng.permutation(n)

    def step(self) -> dict:
        """Show the rule one point; return what happened, as plain Python values.

        Keys: index (of the point), x, y, prediction (ŷ before the update), updated, w, b
        (after), mistakes (so far this epoch), epoch, converged (the last full epoch, now
        ended or not, made no mistake).
        """
        i = int(self._order[self._position])
        x, y = self.X[i], int(self.y[i])
        prediction = int(self.perceptron.output(x))
        updated = self.perceptron.learn_step(x, y, self.learning_rate)
        self.mistakes += updated
        report = {
            "index": i,
            "x": x.tolist(),
            "y": y,
            "prediction": prediction,
            "updated": updated,
            "w": self.perceptron.w.tolist(),
            "b": self.perceptron.b,
            "mistakes": self.mistakes,
            "epoch": self.epoch,
        }
        self._position += 1
        if self._position == len(self.X):  # end of the epoch
            self.converged = self.mistakes == 0
            self.epoch += 1
            self.mistakes = 0
            self._position = 0
            self._order = self._new_order()
        report["converged"] = self.converged
        return report
