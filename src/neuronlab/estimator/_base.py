"""Shared base of the estimators: the training driver, prediction and pickling.

The hyper-parameters are checked and turned into engine objects in ``_params``; the
docstring sections both estimators share are in ``_docs``.
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
from ._params import ACTIVATION_NAMES, AUTO_BATCH_SIZE, check_params, make_rng, make_solver

PREDICT_CHUNK = 4096  # rows per forward pass at predict time: bounds the network's buffers


class _BaseMLP(BaseEstimator):
    """Parameters, the training loop and prediction shared by both estimators."""

    _output = "identity"  # the network's output layer: "softmax" or "identity"

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        l1=0.0,
        batch_size="auto",
        learning_rate_init=0.001,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.l1 = l1
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

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
    def _fit(self, X, y, *, incremental: bool, classes=None):
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

        if first:
            self._initialise(widths, X.shape[1], self._n_network_outputs(y_train), X.dtype)
        if not incremental:
            self.n_iter_ = 0
            self._no_improvement_count = 0
        if not incremental or self._optimizer is None:
            self._optimizer = make_solver(self)
        try:
            self._train(X, y_train, incremental=incremental)
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
        self._attach(network)
        self._optimizer = None
        self.n_layers_ = len(widths) + 2
        self.n_outputs_ = n_outputs
        self.out_activation_ = self._output
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
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

    def _train(self, X: np.ndarray, y: np.ndarray, *, incremental: bool) -> None:
        """Run epochs until scikit-learn's stopping rule or max_iter (one epoch if incremental)."""
        network = self._network
        early_stopping = self.early_stopping and not incremental
        X_val = y_val = None
        if early_stopping and self.validation_scores_ is None:  # warm start, newly enabled
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
        if not early_stopping and self.best_loss_ is None:
            self.best_loss_ = np.inf
        if early_stopping:
            stratify = y if self._output == "softmax" and self._can_stratify(y) else None
            X, X_val, y, y_val = train_test_split(
                X,
                y,
                test_size=self.validation_fraction,
                random_state=int(self._rng.integers(2**31 - 1)),
                stratify=stratify,
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    "the early-stopping validation set has fewer than 2 samples: "
                    "increase validation_fraction or give more data"
                )
            self._best_params = network.params.copy()

        n_samples = X.shape[0]
        batch_size = self._batch_size_for(n_samples)
        l2 = self.alpha / batch_size  # scikit-learn's per-batch penalty, see the module doc
        l1 = self.l1 / batch_size
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
        )
        epochs = 1 if incremental else self.max_iter
        converged = False
        for _ in range(epochs):
            report = trainer.run_epoch()
            self.n_iter_ += 1
            if report.diverged:
                raise FloatingPointError(
                    f"training diverged at epoch {self.n_iter_} (the loss became NaN or "
                    f"infinite): lower learning_rate_init (now {self.learning_rate_init:g})"
                )
            self.t_ += n_samples
            loss = report.train_loss + network.penalty(l2, l1)
            self.loss_curve_.append(loss)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
            self._update_no_improvement_count(early_stopping, X_val, y_val)
            if not incremental and self._no_improvement_count > self.n_iter_no_change:
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
