"""``MLPRegressor``: linear output, squared-error loss, one or many targets."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from ._base import _BaseMLP


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor trained by the neuronlab engine.

    A drop-in for ``sklearn.neural_network.MLPRegressor`` with its parameter names. The
    output layer is linear (identity) with the loss ``(1/2n)·Σ(ŷ − y)²``. ``y`` may be 1-D
    (predictions are 1-D) or 2-D with one column per target (predictions keep that shape).

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
        Training stops when the training loss (validation R² with ``early_stopping``) has not
        improved by ``tol`` for more than ``n_iter_no_change`` consecutive epochs.
    verbose : bool, default=False
        Print the loss of every epoch.
    warm_start : bool, default=False
        Continue from the previous fit's weights instead of starting afresh.
    momentum : float, default=0.9
        Momentum of the "sgd" solver, in [0, 1).
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with the "sgd" solver.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its R² stops improving, and
        restore the weights of the best epoch.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping, in (0, 1).
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates for the first and second moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Adam's and RMSProp's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without improvement tolerated before stopping.

    Attributes
    ----------
    loss_curve_ : list of float
        Training loss (half mean squared error plus penalty) after each epoch.
    best_loss_ : float or None
        Lowest training loss (None with ``early_stopping``).
    validation_scores_ : list of float or None
        Held-out R² after each epoch (only with ``early_stopping``).
    best_validation_score_ : float or None
        Best held-out R² (only with ``early_stopping``).
    n_iter_ : int
        Epochs run by the last ``fit`` (``partial_fit`` adds one per call).
    t_ : int
        Training samples seen by the solver.
    coefs_ : list of ndarray
        ``coefs_[l]`` of shape (n_in, n_out): views into the network's parameters.
    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape (n_out,).
    n_layers_ : int
        Layers including input and output.
    n_outputs_ : int
        Number of targets.
    out_activation_ : str
        Always "identity".
    n_features_in_ : int
        Features seen during fit.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronlab import MLPRegressor
    >>> X = np.linspace(-1, 1, 200).reshape(-1, 1)
    >>> y = np.sin(3 * X).ravel()
    >>> reg = MLPRegressor((32,), activation="tanh", batch_size=16, learning_rate_init=0.01,
    ...                    random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> bool(reg.score(X, y) > 0.95)
    True
    """

    _output = "identity"

    def fit(self, X, y) -> MLPRegressor:
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, k)."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y) -> MLPRegressor:
        """Run one epoch on (X, y), continuing from the current weights."""
        return self._fit(X, y, incremental=True)

    def _validate_targets(self, y, *, first, classes=None):
        if first:
            self._target_is_1d = y.ndim == 1
        else:
            n_targets = 1 if y.ndim == 1 else y.shape[1]
            if n_targets != self.n_outputs_:
                raise ValueError(
                    f"y has {n_targets} target column(s) but the model was fitted with "
                    f"{self.n_outputs_}"
                )
        return y

    def _n_network_outputs(self, y_train):
        return 1 if y_train.ndim == 1 else y_train.shape[1]

    def _validation_score(self, X_val, y_val):
        return float(r2_score(y_val, self._network.predict(X_val).reshape(y_val.shape)))

    def predict(self, X) -> np.ndarray:
        """Predicted targets: (n_samples,) if fitted on 1-D y, else (n_samples, n_outputs_)."""
        out = self._forward(X)
        return out.ravel() if self._target_is_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y may be (n_samples, n_targets)
        return tags
