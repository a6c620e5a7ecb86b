"""Shared base of the estimators: parameter validation and the training driver."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data

from ..engine.network import Network
from ..engine.optimisers import make_optimizer
from ..engine.training import Trainer
from ..engine.util import check_fraction, check_int, check_positive

# scikit-learn's activation names -> the engine's ACTIVATIONS keys
ACTIVATION_NAMES = {
    "identity": "identity",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "gelu": "gelu",
}
SOLVERS = ("sgd", "adam", "rmsprop")
RMSPROP_RHO = 0.9  # decay of RMSProp's running mean of g² (scikit-learn has no such solver)
AUTO_BATCH_SIZE = 200  # batch_size="auto" means min(200, n_samples), as in scikit-learn
PREDICT_CHUNK = 4096  # rows per forward pass at predict time: bounds the network's buffers
BOOLEAN_PARAMS = ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping")


# The parameters both estimators document: written once, put into each class's docstring
# in place of "{parameters}" (see with_parameter_docs).
_PARAMETER_DOCS = """\
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Units in each hidden layer.
    activation : {"relu", "identity", "logistic", "tanh", "leaky_relu", "gelu"}, default="relu"
        Hidden activation; "logistic" is the sigmoid.
    solver : {"adam", "sgd", "rmsprop"}, default="adam"
        "sgd" uses ``momentum`` (0 gives plain SGD) and ``nesterovs_momentum``; "rmsprop" uses
        ``epsilon`` and a decay rho of 0.9.
    alpha : float, default=0.0001
        L2 strength as in scikit-learn: ``(alpha/2)·ΣW²`` per minibatch *sum* of losses, so the
        engine, which minimises the batch mean, receives ``l2 = alpha / batch_size``.
    l1 : float, default=0.0
        L1 strength, scaled the same way (the engine receives ``l1 / batch_size``).
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    learning_rate_init : float, default=0.001
        Step size of the solver.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the training set at every epoch.
    random_state : int, RandomState or None, default=None
        Seeds the initial weights, the shuffling and the early-stopping split.
    tol : float, default=1e-4
        Training stops when the training loss (validation {score} with ``early_stopping``)
        has not improved by ``tol`` for more than ``n_iter_no_change`` consecutive epochs.
    verbose : bool, default=False
        Print the loss of every epoch.
    warm_start : bool, default=False
        Continue from the previous fit's weights instead of starting afresh.
    momentum : float, default=0.9
        Momentum of the "sgd" solver, in [0, 1).
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with the "sgd" solver.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data{split}, stop when its {score} stops
        improving, and restore the weights of the best epoch.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping, in (0, 1).
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates for the first and second moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Adam's and RMSProp's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without improvement tolerated before stopping.
"""


def with_parameter_docs(score: str, split: str = ""):
    """Class decorator: fill the docstring's {parameters} with the shared parameter docs."""

    def decorate(cls):
        docs = _PARAMETER_DOCS.replace("{score}", score).replace("{split}", split)
        if cls.__doc__:  # None under python -OO
            cls.__doc__ = cls.__doc__.replace("    {parameters}\n", docs)
        return cls

    return decorate


class _BaseMLP(BaseEstimator):
    """Parameters, validation and the training loop shared by both estimators."""

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

    # --------------------------------------------------------------------------- validation
    def _check_params(self) -> list[int]:
        """Check every hyper-parameter; return the hidden widths as a list of ints."""
        hidden = self.hidden_layer_sizes
        if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
            hidden = [hidden]
        try:
            widths = list(hidden)
        except TypeError:
            raise TypeError(
                "hidden_layer_sizes must be a tuple of positive integers such as (100,), "
                f"got {self.hidden_layer_sizes!r}"
            ) from None
        if any(isinstance(w, bool) or not isinstance(w, numbers.Integral) for w in widths):
            raise TypeError(
                "hidden_layer_sizes must hold integers (units per hidden layer), "
                f"got {self.hidden_layer_sizes!r}"
            )
        if any(w < 1 for w in widths):
            raise ValueError(
                "hidden_layer_sizes must hold positive integers (units per hidden layer), "
                f"got {self.hidden_layer_sizes!r}"
            )
        if self.activation not in ACTIVATION_NAMES:
            raise ValueError(
                f"activation must be one of {list(ACTIVATION_NAMES)}, got {self.activation!r}"
            )
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {list(SOLVERS)}, got {self.solver!r}")
        check_positive("alpha", self.alpha, allow_zero=True)
        check_positive("l1", self.l1, allow_zero=True)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            if isinstance(self.batch_size, str):
                raise ValueError(
                    f'batch_size must be "auto" or a positive integer, got {self.batch_size!r}'
                )
            check_int("batch_size", self.batch_size, low=1)
        check_positive("learning_rate_init", self.learning_rate_init)
        check_int("max_iter", self.max_iter, low=1)
        check_positive("tol", self.tol, allow_zero=True)
        check_fraction("momentum", self.momentum)
        check_fraction("beta_1", self.beta_1)
        check_fraction("beta_2", self.beta_2)
        check_positive("epsilon", self.epsilon)
        check_int("n_iter_no_change", self.n_iter_no_change, low=1)
        fraction = check_positive("validation_fraction", self.validation_fraction)
        if fraction >= 1:
            raise ValueError(
                f"validation_fraction must be in (0, 1), got {self.validation_fraction!r}"
            )
        for name in BOOLEAN_PARAMS:
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if not isinstance(self.verbose, bool | np.bool_ | numbers.Integral):
            raise TypeError(f"verbose must be True, False or an integer, got {self.verbose!r}")
        return [int(w) for w in widths]

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
        widths = self._check_params()
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
            self._optimizer = self._make_optimizer()
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

    def _make_rng(self) -> np.random.Generator:
        """The engine draws from a numpy Generator; random_state may be None, int or RandomState."""
        seed = self.random_state
        if seed is None:
            return np.random.default_rng()
        if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
            return np.random.default_rng(int(seed))
        if isinstance(seed, np.random.RandomState):
            return np.random.default_rng(seed.randint(2**31 - 1))  # draws from it, as sklearn
        raise ValueError(
            "random_state must be None, a non-negative integer or a numpy RandomState, "
            f"got {seed!r}"
        )

    def _initialise(self, widths: list[int], n_features: int, n_outputs: int, dtype) -> None:
        self._rng = self._make_rng()
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

    def _make_optimizer(self):
        if self.solver == "adam":
            return make_optimizer(
                "adam",
                self.learning_rate_init,
                beta_1=self.beta_1,
                beta_2=self.beta_2,
                epsilon=self.epsilon,
            )
        if self.solver == "rmsprop":
            return make_optimizer(
                "rmsprop", self.learning_rate_init, rho=RMSPROP_RHO, epsilon=self.epsilon
            )
        if self.momentum == 0:
            return make_optimizer("sgd", self.learning_rate_init)
        return make_optimizer(
            "momentum",
            self.learning_rate_init,
            momentum=self.momentum,
            nesterov=self.nesterovs_momentum,
        )

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
        out = np.empty((X.shape[0], network.layer_sizes[-1]), network.dtype)
        for start in range(0, X.shape[0], PREDICT_CHUNK):
            stop = start + PREDICT_CHUNK
            out[start:stop] = network.forward(X[start:stop])
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
