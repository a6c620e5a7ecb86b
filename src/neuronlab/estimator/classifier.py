"""``MLPClassifier``: softmax output, cross-entropy loss, scikit-learn label encoding."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import column_or_1d

from ._base import _BaseMLP, _stochastic, store_params
from ._docs import with_shared_docs


@with_shared_docs(score="accuracy", loss="mean cross-entropy", split=" (stratified)")
class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained by the neuronlab engine.

    A drop-in for ``sklearn.neural_network.MLPClassifier`` with its parameter names. The
    output layer is a softmax with cross-entropy loss, with one unit per class **even for
    binary problems** (2 units where scikit-learn uses one logistic unit), so ``n_outputs_``
    is the number of classes.

    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``predict`` maps the network's class indices through it.
    n_outputs_ : int
        Output units: the number of classes.
    accuracy_curve_ : list of float
        Share of the training rows classified right by each epoch's minibatches as they
        were trained on (the running accuracy, as ``loss_curve_`` is the running loss);
        empty with "lbfgs".
    {attributes}

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from neuronlab import MLPClassifier
    >>> X, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    >>> clf = MLPClassifier((16, 16), learning_rate_init=0.01, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(clf.score(X, y) > 0.95)
    True
    """

    _output = "softmax"

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
    ):
        store_params(self, locals())

    def fit(self, X, y, sample_weight=None) -> MLPClassifier:
        """Train on X (n_samples, n_features) and class labels y (n_samples,).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (rescaled to mean 1); None weighs all alike.

        Returns
        -------
        self : MLPClassifier
            The fitted classifier.

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from neuronlab import MLPClassifier
        >>> X, y = make_moons(n_samples=60, noise=0.1, random_state=0)
        >>> clf = MLPClassifier((8, 8), learning_rate_init=0.1, max_iter=500, random_state=0)
        >>> clf = clf.fit(X, y)
        >>> clf.classes_
        array([0, 1])
        >>> clf.n_iter_ < clf.max_iter  # stopped by tol, so no ConvergenceWarning
        True
        """
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    @available_if(_stochastic)
    def partial_fit(self, X, y, sample_weight=None, classes=None) -> MLPClassifier:
        """Run one epoch on (X, y); ``classes`` (every label) is required on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (rescaled to mean 1); None weighs all alike.
        classes : array-like of shape (n_classes,), default=None
            Every label that can appear in y. Required on the first call; on later calls it
            may be left out, and if given must match ``classes_``.

        Returns
        -------
        self : MLPClassifier
            The updated classifier.

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from neuronlab import MLPClassifier
        >>> X, y = make_moons(n_samples=60, noise=0.1, random_state=0)
        >>> clf = MLPClassifier((8,), random_state=0)
        >>> clf = clf.partial_fit(X[:30], y[:30], classes=[0, 1])
        >>> clf = clf.partial_fit(X[30:], y[30:])
        >>> clf.n_iter_, clf.t_  # one epoch per call, 60 samples seen
        (2, 60)
        """
        if not hasattr(self, "classes_") and classes is None:
            raise ValueError(
                "classes must be given on the first call to partial_fit: "
                "pass every label that will ever appear, e.g. classes=np.unique(y)"
            )
        return self._fit(X, y, incremental=True, classes=classes, sample_weight=sample_weight)

    def _validate_targets(self, y, *, first, classes=None):
        if y.ndim == 2 and y.shape[1] > 1:
            raise ValueError(
                f"y has shape {y.shape}: multilabel and multi-output classification are not "
                "supported; pass a 1-D array of class labels"
            )
        if y.ndim == 2:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if classes is not None:
            given = unique_labels(np.asarray(classes))
            if hasattr(self, "classes_") and not np.array_equal(given, self.classes_):
                raise ValueError(
                    f"classes={list(given)} differs from the classes of the first "
                    f"partial_fit call, {list(self.classes_)}"
                )
        if first:
            labels = unique_labels(y) if classes is None else given
            if len(labels) < 2:
                source = "y" if classes is None else "classes"
                raise ValueError(
                    f"{source} holds only one class ({labels[0]!r}); a classifier needs at "
                    "least 2 classes to learn from"
                )
            if classes is not None and not np.isin(y, labels).all():
                unknown = np.setdiff1d(unique_labels(y), labels)
                raise ValueError(f"y has labels {list(unknown)} that are not in classes")
            self.classes_ = labels
        else:
            unknown = np.setdiff1d(unique_labels(y), self.classes_)
            if len(unknown):
                raise ValueError(
                    f"y has labels {list(unknown)} that are not among the classes the model "
                    f"was first fitted with, {list(self.classes_)}"
                )
            if self.warm_start and not np.array_equal(unique_labels(y), self.classes_):
                raise ValueError(
                    "warm_start needs y with the same classes as the previous fit "
                    f"({list(self.classes_)}); got {list(unique_labels(y))}"
                )
        return np.searchsorted(self.classes_, y)  # class indices 0..k-1

    def _n_network_outputs(self, y_train):
        return len(self.classes_)

    def _validation_score(self, X_val, y_val):
        return float(np.mean(self._network.predict(X_val) == y_val))

    def predict(self, X) -> np.ndarray:
        """Most probable class label for each row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, taken from ``classes_``.

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from neuronlab import MLPClassifier
        >>> X, y = make_moons(n_samples=60, noise=0.1, random_state=0)
        >>> clf = MLPClassifier((8, 8), learning_rate_init=0.1, max_iter=500, random_state=0)
        >>> clf = clf.fit(X, y)
        >>> y_pred = clf.predict(X)
        >>> y_pred.shape
        (60,)
        >>> bool((y_pred == y).mean() > 0.9)
        True
        """
        proba = self._forward(X)  # checks that the model is fitted before classes_ is read
        return self.classes_[proba.argmax(axis=1)]

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n_samples, n_classes), columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class; every row sums to 1.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import make_moons
        >>> from neuronlab import MLPClassifier
        >>> X, y = make_moons(n_samples=60, noise=0.1, random_state=0)
        >>> clf = MLPClassifier((8, 8), learning_rate_init=0.1, max_iter=500, random_state=0)
        >>> clf = clf.fit(X, y)
        >>> proba = clf.predict_proba(X[:3])
        >>> proba.shape
        (3, 2)
        >>> bool(np.allclose(proba.sum(axis=1), 1.0))
        True
        """
        return self._forward(X)

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of ``predict_proba`` (-inf where a probability underflows to 0).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, columns ordered as ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import make_moons
        >>> from neuronlab import MLPClassifier
        >>> X, y = make_moons(n_samples=60, noise=0.1, random_state=0)
        >>> clf = MLPClassifier((8, 8), learning_rate_init=0.1, max_iter=500, random_state=0)
        >>> clf = clf.fit(X, y)
        >>> log_proba = clf.predict_log_proba(X[:3])
        >>> log_proba.shape
        (3, 2)
        >>> bool(np.allclose(np.exp(log_proba), clf.predict_proba(X[:3])))
        True
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))
