"""neuronlab: neural networks from scratch in NumPy, and a browser lab to learn them."""

from __future__ import annotations

import os

from .engine import Network, Trainer, gradient_check, make_optimizer

__version__ = "0.1.0"

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "Network",
    "Trainer",
    "gradient_check",
    "load",
    "make_optimizer",
    "save",
]


def save(model, path: str | os.PathLike, metadata: dict | None = None):
    """Save a Network, a fitted MLPClassifier / MLPRegressor, or a Pipeline of StandardScalers
    ending in one, as ``.npz`` with JSON (never pickle). Returns the path written.

    ``metadata`` (JSON-serialisable) is kept with a Network; an estimator writes its own.
    """
    from .engine.serialise import save as save_network

    if isinstance(model, Network):
        return save_network(model, path, metadata)
    if metadata is not None:
        raise ValueError("metadata is only for a Network: an estimator saves its own")
    from .estimator.persist import save_model

    return save_model(model, path)


def load(path: str | os.PathLike):
    """Load a saved model, ready to predict on the raw inputs it was trained on.

    Returns a fitted MLPClassifier or MLPRegressor, or a Pipeline whose StandardScaler
    applies the input scaling saved with the model (a real dataset or a CSV trained by
    ``neuronlab train``). For the bare network and its metadata use
    ``neuronlab.engine.load``.
    """
    from .estimator.persist import load_model

    return load_model(path)


def __getattr__(name: str):
    # The estimators import scikit-learn; load them only when asked for.
    if name in ("MLPClassifier", "MLPRegressor"):
        from . import estimator

        return getattr(estimator, name)
    raise AttributeError(f"module 'neuronlab' has no attribute {name!r}")
