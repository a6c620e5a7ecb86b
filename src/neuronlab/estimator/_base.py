"""Shared base of the estimators: the training driver, prediction and pickling.

The hyper-parameters are checked and turned into engine objects in ``_params``; the
docstring sections both estimators share are in ``_docs``; L-BFGS is in ``_lbfgs``.
Each public estimator declares its own ``__init__`` (so a misspelt argument names
``MLPClassifier``, not this base) and stores its arguments with ``store_params``.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data

from ..engine.network import OVERFLOWED, Network
from ..engine.training import Trainer
from ._params import (
    ACTIVATION_NAMES,
    AUTO_BATCH_SIZE,
    check_params,
    check_sample_weight,
    initialise_weights,
    make_rng,
    make_solver,
)

PREDICT_CHUNK = 4096  # rows per forward pass at predict time: bounds the network's buffers
ADAPTIVE_DIVISOR = 5.0  # learning_rate="adaptive" divides the rate by this, as scikit-learn
ADAPTIVE_FLOOR = 1e-6  # ...and stops once the rate is this small


def _stochastic(estimator) -> bool:
    """partial_fit exists only for the minibatch solvers, as in scikit-learn."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for the stochastic solvers (adam, sgd, rmsprop), "
            "not solver='lbfgs'"
        )
    return True


def store_params(estimator, arguments: dict) -> None:
    """scikit-learn's convention: ``__init__`` keeps every argument as given, nothing else."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class _BaseMLP(BaseEstimator):
    """Parameters, the training loop and prediction shared by both estimators."""

    _output = "identity"  # the network's output layer: "softmax" or "identity"

    # ------------------------------------------------------------------- hooks per subclass
    def _validate_targets(self, y, *, first: bool, classes=None) -> np.ndarray:
        """Check y; return what the Trainer trains on (class indices or float targets)."""
        raise NotImplementedError

    def _n_network_outputs(self, y_train: np.ndarray) -> int:
        raise NotImplementedError

    def _validation_score(self, X_val: np.ndarray, y_val: np.ndarray) -> float:
        """Accuracy or R² on the early-stopping split (y_val in the Trainer's form)."""
        raise NotImplementedError

    # ----------------------------------------------------------------------------- fitting
    def _fit(self, X, y, *, incremental: bool, classes=None, sample_weight=None):
        widths = check_params(self)
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: "
                "call fit, or set early_stopping=False"
            )
        n_rows, n_targets = _n_samples(X), _n_samples(y)
        if n_rows is not None and n_targets is not None and n_rows != n_targets:
            raise ValueError(
                f"X has {n_rows} samples but y has {n_targets}: give one target per row of X"
            )
        fitted = hasattr(self, "_network")
        first = not fitted or (not incremental and not self.warm_start)
        if first:
            self._forget_fit()  # a fit that fails half-way leaves no stale model behind
        X, y = validate_data(
            self,
            X,
            y,
            dtype=(np.float64, np.float32),  # float32 input trains a float32 network
            multi_output=True,  # 2-D y is checked (and refused or kept) by _validate_targets
            reset=first,
        )
        y_train = self._validate_targets(y, first=first, classes=classes)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])

        if first:
            self._initialise(widths, X.shape[1], self._n_network_outputs(y_train), X.dtype)
        if not incremental:
            self.n_iter_ = 0
            self._no_improvement_count = 0
        if not incremental or self._optimizer is None:
            self._optimizer = make_solver(self)
        try:
            if self.solver == "lbfgs":
                from ._lbfgs import fit_lbfgs

                fit_lbfgs(self, X, y_train, sample_weight)
            else:
                self._train(X, y_train, incremental=incremental, sample_weight=sample_weight)
        except FloatingPointError as error:
            self._forget_fit()  # unfitted rather than holding NaN weights
            raise ValueError(str(error)) from None
        return self

    def _forget_fit(self) -> None:
        """Drop every fitted attribute: the estimator is unfitted again."""
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)
        self.__dict__.pop("_network", None)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "_network")

    def _initialise(self, widths: list[int], n_features: int, n_outputs: int, dtype) -> None:
        self._rng = make_rng(self.random_state)
        network = Network(
            [n_features, *widths, n_outputs],
            activation=ACTIVATION_NAMES[self.activation],
            output=self._output,
            seed=self._rng,
            dtype=dtype,
        )
        initialise_weights(network, self.init, self.activation, self._rng)
        self._attach(network)
        self._optimizer = None
        self.n_layers_ = len(widths) + 2
        self.n_outputs_ = n_outputs
        self.out_activation_ = self._output
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.loss_ = None
        if self._output == "softmax":
            self.accuracy_curve_ = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _attach(self, network: Network) -> None:
        """Make ``network`` the model; coefs_ and intercepts_ are views into its parameters."""
        self._network = network
        self.coefs_ = list(network.W)  # W[l]: (n_in, n_out), as scikit-learn's coefs_
        self.intercepts_ = list(network.b)

    def _batch_size_for(self, n_samples: int) -> int:
        if self.batch_size == "auto":
            return min(AUTO_BATCH_SIZE, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"batch_size={self.batch_size} is larger than the {n_samples} training samples; "
                "using the whole set as one batch",
                stacklevel=5,
            )
        return min(int(self.batch_size), n_samples)

    def _train(self, X: np.ndarray, y: np.ndarray, *, incremental: bool, sample_weight) -> None:
        """Run epochs until scikit-learn's stopping rule or max_iter (one epoch if incremental).

        Each epoch runs without the engine's end-of-epoch pass over the training set: the loss
        curve is the mean of the epoch's minibatch losses, as scikit-learn computes it, so a
        fit costs what the engine's epochs cost.
        """
        network = self._network
        early_stopping = self.early_stopping and not incremental
        X_val = y_val = None
        if early_stopping and self.validation_scores_ is None:  # warm start, newly enabled
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
        if not early_stopping and self.best_loss_ is None:
            self.best_loss_ = np.inf
        if early_stopping:
            stratify = y if self._output == "softmax" and self._can_stratify(y) else None
            parts = [X, y] if sample_weight is None else [X, y, sample_weight]
            parts = train_test_split(
                *parts,
                test_size=self.validation_fraction,
                random_state=int(self._rng.integers(2**31 - 1)),
                stratify=stratify,
            )
            X, X_val, y, y_val = parts[:4]
            sample_weight = None if sample_weight is None else parts[4]
            if X_val.shape[0] < 2:
                raise ValueError(
                    "the early-stopping validation set has fewer than 2 samples: "
                    "increase validation_fraction or give more data"
                )
            self._best_params = network.params.copy()

        n_samples = X.shape[0]
        batch_size = self._batch_size_for(n_samples)
        # scikit-learn's per-batch penalty (see the module doc): alpha over the batch's sum of
        # sample weights, which is batch_size on average times the mean weight
        per_batch = batch_size * (1.0 if sample_weight is None else float(sample_weight.mean()))
        l2 = self.alpha / per_batch
        l1 = self.l1 / per_batch
        trainer = Trainer(
            network,
            self._optimizer,
            X,
            y,
            batch_size=batch_size,
            l2=l2,
            l1=l1,
            seed=self._rng,
            shuffle=self.shuffle,
            running_loss=True,
            sample_weight=sample_weight,
        )
        epochs = 1 if incremental else self.max_iter
        converged = False
        for _ in range(epochs):
            report = trainer.run_epoch(evaluate=False)
            self.n_iter_ += 1
            if report.diverged:
                raise FloatingPointError(
                    f"training diverged at epoch {self.n_iter_} (the loss became NaN or "
                    f"infinite): lower learning_rate_init (now {self.learning_rate_init:g})"
                )
            self.t_ += n_samples
            loss = report.batch_loss + network.penalty(l2, l1)
            self.loss_curve_.append(loss)
            self.loss_ = loss
            if report.batch_accuracy is not None:
                self.accuracy_curve_.append(report.batch_accuracy)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
            self._update_no_improvement_count(early_stopping, X_val, y_val)
            self._next_learning_rate()
            if not incremental and self._no_improvement_count > self.n_iter_no_change:
                if self._lower_adaptive_rate():
                    continue
                converged = True
                if self.verbose:
                    watched = "Validation score" if early_stopping else "Training loss"
                    print(
                        f"{watched} did not improve more than tol={self.tol:f} for "
                        f"{self.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
        if not incremental and not converged:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )
        if early_stopping:
            network.params[...] = self._best_params  # the weights of the best epoch
            del self._best_params
        # A fresh copy drops the buffers sized for the training set (and the last batch the
        # network saw); the optimiser's state is keyed by shape, so it carries over.
        self._attach(network.copy())

    def _next_learning_rate(self) -> None:
        """learning_rate="invscaling" (solver="sgd"): η = learning_rate_init / (t + 1)^power_t,
        t the training samples seen so far, set after every epoch as scikit-learn does."""
        if self.solver == "sgd" and self.learning_rate == "invscaling":
            self._optimizer.learning_rate = self.learning_rate_init / (self.t_ + 1) ** self.power_t

    def _lower_adaptive_rate(self) -> bool:
        """learning_rate="adaptive" (solver="sgd"): when the loss stalls, divide the rate by 5
        and carry on, until it falls below 1e-6. True when training goes on."""
        if self.solver != "sgd" or self.learning_rate != "adaptive":
            return False
        rate = self._optimizer.learning_rate
        if rate <= ADAPTIVE_FLOOR:
            return False
        self._optimizer.learning_rate = rate / ADAPTIVE_DIVISOR
        self._no_improvement_count = 0
        if self.verbose:
            print(f"Setting learning rate to {self._optimizer.learning_rate:f}")
        return True

    def _can_stratify(self, y: np.ndarray) -> bool:
        """A stratified split needs 2 samples per class and room for every class on each side."""
        n_classes = len(self.classes_)
        n_val = int(np.ceil(self.validation_fraction * len(y)))
        counts = np.bincount(y, minlength=n_classes)
        return counts.min() >= 2 and n_classes <= n_val <= len(y) - n_classes

    def _update_no_improvement_count(self, early_stopping: bool, X_val, y_val) -> None:
        """scikit-learn's rule: count epochs that fail to improve by more than tol."""
        if early_stopping:
            score = self._validation_score(X_val, y_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_params[...] = self._network.params
        else:
            loss = self.loss_curve_[-1]
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, loss)

    # ---------------------------------------------------------------------------- predict
    def _forward(self, X) -> np.ndarray:
        """Network outputs (n, n_outputs_) for validated X, in chunks of PREDICT_CHUNK rows."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        network = self._network
        # the network's own predictions, not bare forward passes: they refuse inputs too large
        # for its dtype; and outputs that overflowed are refused here, not handed back as NaN
        predict = network.predict_proba if network.output == "softmax" else network.predict
        out = np.empty((X.shape[0], network.layer_sizes[-1]), network.dtype)
        for start in range(0, X.shape[0], PREDICT_CHUNK):
            stop = start + PREDICT_CHUNK
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
                out[start:stop] = predict(X[start:stop])
            if network.overflowed():
                raise ValueError(OVERFLOWED)
        return out

    # ----------------------------------------------------------------------- pickling
    def __getstate__(self):
        # coefs_ and intercepts_ are views into the network's flat buffer; pickle (and
        # deepcopy) would turn them into separate arrays, so store the network as data and
        # rebuild it, views and all, on the way back.
        state = dict(super().__getstate__())  # object.__getstate__ returns __dict__ itself
        network = state.pop("_network", None)
        if network is not None:
            state.pop("coefs_", None)
            state.pop("intercepts_", None)
            state["_network_state"] = (network.config(), network.params.copy())
        return state

    def __setstate__(self, state):
        saved = state.pop("_network_state", None)
        super().__setstate__(state)
        if saved is not None:
            config, params = saved
            network = Network(
                config["layer_sizes"],
                activation=config["activation"],
                output=config["output"],
                dtype=config["dtype"],
            )
            network.params[...] = params
            self._attach(network)


def _n_samples(data) -> int | None:
    """Rows of an array-like, or None when that is not known (validate_data will complain)."""
    shape = getattr(data, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    try:
        return len(data)
    except TypeError:
        return None
