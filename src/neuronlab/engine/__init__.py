"""The engine: neural networks from scratch, NumPy only. See docs/architecture.md."""

from .activations import ACTIVATIONS, get_activation
from .gradcheck import gradient_check
from .network import Network
from .optimisers import OPTIMIZERS, make_optimizer
from .serialise import load, save
from .training import EpochReport, Trainer

__all__ = [
    "ACTIVATIONS",
    "OPTIMIZERS",
    "EpochReport",
    "Network",
    "Trainer",
    "get_activation",
    "gradient_check",
    "load",
    "make_optimizer",
    "save",
]
