"""neuronlab: neural networks from scratch in NumPy, and a browser lab to learn them."""

from .engine import Network, Trainer, gradient_check, load, make_optimizer, save

__version__ = "0.1.0"

__all__ = ["Network", "Trainer", "gradient_check", "load", "make_optimizer", "save"]


def __getattr__(name: str):
    # The estimators import scikit-learn; load them only when asked for.
    if name in ("MLPClassifier", "MLPRegressor"):
        from . import estimator

        return getattr(estimator, name)
    raise AttributeError(f"module 'neuronlab' has no attribute {name!r}")
