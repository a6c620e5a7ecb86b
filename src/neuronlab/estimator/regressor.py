"""``MLPRegressor``: linear output, squared-error loss, one or many targets."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from ._base import _BaseMLP, with_parameter_docs


@with_parameter_docs(score="R²")
class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor trained by the neuronlab engine.

    A drop-in for ``sklearn.neural_network.MLPRegressor`` with its parameter names. The
    output layer is linear (identity) with the loss ``(1/2n)·Σ(ŷ − y)²``. ``y`` may be 1-D
    (predictions are 1-D) or 2-D with one column per target (predictions keep that shape).

    {parameters}

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
