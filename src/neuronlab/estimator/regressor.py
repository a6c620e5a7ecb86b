"""``MLPRegressor``: linear output, squared-error loss, one or many targets."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if

from ._base import _BaseMLP, _stochastic, store_params
from ._docs import with_shared_docs


@with_shared_docs(score="R²", loss="half mean squared error")
class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor trained by the neuronlab engine.

    A drop-in for ``sklearn.neural_network.MLPRegressor`` with its parameter names. The
    output layer is linear (identity) with the loss ``(1/2n)·Σ(ŷ − y)²``. ``y`` may be 1-D
    (predictions are 1-D) or 2-D with one column per target (predictions keep that shape).

    {parameters}
    loss : {"squared_error"}, default="squared_error"
        The training loss, ``(1/2n)·Σ(ŷ − y)²``; scikit-learn's "poisson" is not available.
        Keyword-only: the first positional argument stays ``hidden_layer_sizes``.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    {attributes}

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

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        l1=0.0,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
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
        max_fun=15000,
        init="glorot",
        loss="squared_error",
    ):
        store_params(self, locals())

    def fit(self, X, y, sample_weight=None) -> MLPRegressor:
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, k).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; one column per target when there are several.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (rescaled to mean 1); None weighs all alike.

        Returns
        -------
        self : MLPRegressor
            The fitted regressor.

        Examples
        --------
        >>> import numpy as np
        >>> from neuronlab import MLPRegressor
        >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
        >>> y = X.ravel() ** 2
        >>> reg = MLPRegressor((8,), activation="tanh", learning_rate_init=0.05, random_state=0)
        >>> reg = reg.fit(X, y)
        >>> reg.n_iter_ < reg.max_iter  # stopped by tol, so no ConvergenceWarning
        True
        >>> bool(reg.score(X, y) > 0.9)
        True
        """
        self._check_loss()
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    @available_if(_stochastic)
    def partial_fit(self, X, y, sample_weight=None) -> MLPRegressor:
        """Run one epoch on (X, y), continuing from the current weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, with as many columns as on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (rescaled to mean 1); None weighs all alike.

        Returns
        -------
        self : MLPRegressor
            The updated regressor.

        Examples
        --------
        >>> import numpy as np
        >>> from neuronlab import MLPRegressor
        >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
        >>> y = X.ravel() ** 2
        >>> reg = MLPRegressor((8,), activation="tanh", learning_rate_init=0.05, random_state=0)
        >>> for _ in range(3):
        ...     reg = reg.partial_fit(X, y)
        >>> reg.n_iter_, reg.t_  # one epoch per call, 3 x 50 samples seen
        (3, 150)
        """
        self._check_loss()
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def _check_loss(self) -> None:
        # scikit-learn's "poisson" needs an exponential output and its own loss in the engine
        if not (isinstance(self.loss, str) and self.loss == "squared_error"):
            raise ValueError(
                f'loss must be "squared_error" (the only loss neuronlab\'s regressor has; '
                f'scikit-learn\'s "poisson" is not available), got {self.loss!r}'
            )

    def _validate_targets(self, y, *, first, classes=None):
        if y.dtype.kind not in "biuf":  # strings or objects: numbers written as text only
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"y must hold numbers (the regression targets), got {y.dtype} values "
                    f"such as {y.flat[0]!r}"
                ) from None
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
        """Predicted targets: (n_samples,) if fitted on 1-D y, else (n_samples, n_outputs_).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs_)
            Predicted targets, 1-D when the model was fitted on 1-D y.

        Examples
        --------
        >>> import numpy as np
        >>> from neuronlab import MLPRegressor
        >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
        >>> y = X.ravel() ** 2
        >>> reg = MLPRegressor((8,), activation="tanh", learning_rate_init=0.05, random_state=0)
        >>> reg.fit(X, y).predict(X[:3]).shape
        (3,)
        >>> Y = np.column_stack([y, X.ravel()])  # two targets
        >>> reg.fit(X, Y).predict(X[:3]).shape
        (3, 2)
        """
        out = self._forward(X)
        return out.ravel() if self._target_is_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y may be (n_samples, n_targets)
        return tags
