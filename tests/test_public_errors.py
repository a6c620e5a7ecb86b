"""Bad arguments at every public entry point raise an error naming the argument at fault."""

from __future__ import annotations

import re

import numpy as np
import pytest

from neuronlab import MLPClassifier, MLPRegressor
from neuronlab.engine import Network, Trainer, gradient_check, make_optimizer, save
from neuronlab.engine.datasets import make_dataset
from neuronlab.engine.optimisers import Optimizer
from neuronlab.engine.surfaces import descend

X, y = make_dataset("xor", n=40, noise=0.1, seed=0)
X_NAN = X.copy()
X_NAN[3, 0] = np.nan


def network() -> Network:
    return Network([2, 4, 2], seed=0)


def adam() -> Optimizer:
    return make_optimizer("adam", learning_rate=0.01)


BAD = {
    "Network: zero units": (lambda: Network([2, 0, 2]), "layer_sizes"),
    "Network: unknown activation": (lambda: Network([2, 3, 2], activation="relux"), "activation"),
    "make_optimizer: negative learning rate": (
        lambda: make_optimizer("sgd", learning_rate=-0.1),
        "learning_rate",
    ),
    "Trainer: mismatched X/y": (lambda: Trainer(network(), adam(), X, y[:-1]), "y_train"),
    "Trainer: NaN in X": (lambda: Trainer(network(), adam(), X_NAN, y), "X_train"),
    "Trainer: wrong label count": (lambda: Trainer(network(), adam(), X, y * 2), "y_train"),
    "make_dataset: unknown name": (lambda: make_dataset("spiral"), "name"),
    "make_dataset: zero points": (lambda: make_dataset("spirals", n=0), "n"),
    "descend: start of three numbers": (lambda: descend("bowl", (0, 0, 0), adam()), "start"),
    "descend: unknown optimiser": (lambda: descend("bowl", (1, 1), "adamw"), "optimizer"),
    "gradient_check: NaN in X": (lambda: gradient_check(network(), X_NAN, y), "X"),
    "gradient_check: mismatched X/y": (lambda: gradient_check(network(), X, y[:-1]), "y"),
    "gradient_check: wrong label count": (lambda: gradient_check(network(), X, y * 5), "y"),
    "gradient_check: not a network": (lambda: gradient_check("net", X, y), "network"),
    "save: not a network": (lambda: save("net", "model.npz"), "network"),
    "MLPClassifier: negative learning rate": (
        lambda: MLPClassifier(learning_rate_init=-0.1).fit(X, y),
        "learning_rate_init",
    ),
    "MLPClassifier: zero units": (
        lambda: MLPClassifier(hidden_layer_sizes=(0,)).fit(X, y),
        "hidden_layer_sizes",
    ),
    "MLPClassifier: unknown activation": (
        lambda: MLPClassifier(activation="relux").fit(X, y),
        "activation",
    ),
    "MLPClassifier: mismatched X/y": (lambda: MLPClassifier().fit(X, y[:-1]), "y"),
    "MLPClassifier: NaN in X": (lambda: MLPClassifier().fit(X_NAN, y), "X"),
    "MLPRegressor: zero units": (
        lambda: MLPRegressor(hidden_layer_sizes=(4, 0)).fit(X, y * 1.0),
        "hidden_layer_sizes",
    ),
    "MLPRegressor: NaN in X": (lambda: MLPRegressor().fit(X_NAN, y * 1.0), "X"),
}


@pytest.mark.parametrize("call, name", BAD.values(), ids=BAD.keys())
def test_bad_argument_raises_naming_the_argument(call, name):
    with pytest.raises((ValueError, TypeError)) as caught:
        call()
    assert re.search(rf"\b{re.escape(name)}\b", str(caught.value)), str(caught.value)
