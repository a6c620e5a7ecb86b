"""The estimators' hyper-parameters: the values each accepts, and what they become in the engine.

``__init__`` stores the arguments as given (scikit-learn's convention); ``fit`` calls
``check_params`` before it touches the data, so a bad value is named with what to fix.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..engine.optimisers import make_optimizer
from ..engine.util import check_fraction, check_int, check_positive

# scikit-learn's activation names -> the engine's ACTIVATIONS keys
ACTIVATION_NAMES = {
    "identity": "identity",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "leaky_relu",  # slope 0.01
    "leaky_relu_0.1": "leaky_relu_0.1",  # the course's slope
    "gelu": "gelu",
}
SOLVERS = ("sgd", "adam", "rmsprop", "lbfgs")
LEARNING_RATES = ("constant", "invscaling", "adaptive")  # schedules of solver="sgd"
# init="glorot" is scikit-learn's scheme: W and b ~ U(−s, s), s = √(6 / (n_in + n_out))
# (√(2 / (n_in + n_out)) before a logistic unit); init="he" is the engine's own: He for the
# ReLU family, Xavier's forward-pass form otherwise, biases at zero (see engine/initialisers.py)
INITS = ("glorot", "he")
RMSPROP_RHO = 0.9  # decay of RMSProp's running mean of g² (scikit-learn has no such solver)
AUTO_BATCH_SIZE = 200  # batch_size="auto" means min(200, n_samples), as in scikit-learn
BOOLEAN_PARAMS = ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping")


def check_params(estimator) -> list[int]:
    """Check every hyper-parameter of ``estimator``; return the hidden widths as a list of ints."""
    widths = check_hidden_layer_sizes(estimator.hidden_layer_sizes)
    if not isinstance(estimator.activation, str) or estimator.activation not in ACTIVATION_NAMES:
        raise ValueError(
            f"activation must be one of {list(ACTIVATION_NAMES)}, got {estimator.activation!r}"
        )
    if not isinstance(estimator.solver, str) or estimator.solver not in SOLVERS:
        raise ValueError(f"solver must be one of {list(SOLVERS)}, got {estimator.solver!r}")
    rate = estimator.learning_rate
    if not isinstance(rate, str) or rate not in LEARNING_RATES:
        raise ValueError(f"learning_rate must be one of {list(LEARNING_RATES)}, got {rate!r}")
    check_positive("power_t", estimator.power_t, allow_zero=True)
    check_int("max_fun", estimator.max_fun, low=1)
    if not isinstance(estimator.init, str) or estimator.init not in INITS:
        raise ValueError(f"init must be one of {list(INITS)}, got {estimator.init!r}")
    check_positive("alpha", estimator.alpha, allow_zero=True)
    check_positive("l1", estimator.l1, allow_zero=True)
    batch_size = estimator.batch_size
    if not (isinstance(batch_size, str) and batch_size == "auto"):
        if isinstance(batch_size, str):
            raise ValueError(f'batch_size must be "auto" or a positive integer, got {batch_size!r}')
        check_int("batch_size", batch_size, low=1)
    check_positive("learning_rate_init", estimator.learning_rate_init)
    check_int("max_iter", estimator.max_iter, low=1)
    check_positive("tol", estimator.tol, allow_zero=True)
    check_fraction("momentum", estimator.momentum)
    check_fraction("beta_1", estimator.beta_1)
    check_fraction("beta_2", estimator.beta_2)
    check_positive("epsilon", estimator.epsilon)
    check_int("n_iter_no_change", estimator.n_iter_no_change, low=1)
    fraction = check_positive("validation_fraction", estimator.validation_fraction)
    if fraction >= 1:
        raise ValueError(
            f"validation_fraction must be in (0, 1), got {estimator.validation_fraction!r}"
        )
    for name in BOOLEAN_PARAMS:
        if not isinstance(getattr(estimator, name), bool | np.bool_):
            raise TypeError(f"{name} must be True or False, got {getattr(estimator, name)!r}")
    if not isinstance(estimator.verbose, bool | np.bool_ | numbers.Integral):
        raise TypeError(f"verbose must be True, False or an integer, got {estimator.verbose!r}")
    return widths


def check_hidden_layer_sizes(hidden_layer_sizes) -> list[int]:
    """The hidden widths as a list of ints; a single integer means one hidden layer."""
    hidden = hidden_layer_sizes
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = [hidden]
    try:
        widths = list(hidden)
    except TypeError:
        raise TypeError(
            "hidden_layer_sizes must be a tuple of positive integers such as (100,), "
            f"got {hidden_layer_sizes!r}"
        ) from None
    if any(isinstance(w, bool) or not isinstance(w, numbers.Integral) for w in widths):
        raise TypeError(
            "hidden_layer_sizes must hold integers (units per hidden layer), "
            f"got {hidden_layer_sizes!r}"
        )
    if any(w < 1 for w in widths):
        raise ValueError(
            "hidden_layer_sizes must hold positive integers (units per hidden layer), "
            f"got {hidden_layer_sizes!r}"
        )
    return [int(w) for w in widths]


def make_rng(random_state) -> np.random.Generator:
    """The engine draws from a numpy Generator; random_state may be None, int or RandomState."""
    seed = random_state
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed.randint(2**31 - 1))  # draws from it, as sklearn
    raise ValueError(
        f"random_state must be None, a non-negative integer or a numpy RandomState, got {seed!r}"
    )


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray | None:
    """Weights as float64 (n_samples,), or None when not given."""
    if sample_weight is None:
        return None
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("sample_weight must hold numbers, one per sample") from None
    if w.ndim == 0:
        w = np.full(n_samples, float(w))
    if w.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per sample, got {w.shape}"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must hold finite, non-negative numbers")
    if not w.sum() > 0:
        raise ValueError("sample_weight must not be all zero: no sample would count")
    return w


def initialise_weights(network, init: str, activation: str, rng: np.random.Generator) -> None:
    """Draw the network's starting weights by ``init`` (see INITS); "he" keeps the engine's."""
    if init == "he":
        return
    factor = 2.0 if activation == "logistic" else 6.0  # Glorot & Bengio (2010), as sklearn
    for W, b in zip(network.W, network.b, strict=True):
        n_in, n_out = W.shape
        bound = np.sqrt(factor / (n_in + n_out))
        W[...] = rng.uniform(-bound, bound, W.shape)
        b[...] = rng.uniform(-bound, bound, b.shape)


def make_solver(estimator):
    """The engine optimiser that ``estimator.solver`` and its settings name (None for lbfgs)."""
    if estimator.solver == "lbfgs":
        return None
    if estimator.solver == "adam":
        return make_optimizer(
            "adam",
            estimator.learning_rate_init,
            beta_1=estimator.beta_1,
            beta_2=estimator.beta_2,
            epsilon=estimator.epsilon,
        )
    if estimator.solver == "rmsprop":
        return make_optimizer(
            "rmsprop", estimator.learning_rate_init, rho=RMSPROP_RHO, epsilon=estimator.epsilon
        )
    if estimator.momentum == 0:
        return make_optimizer("sgd", estimator.learning_rate_init)
    return make_optimizer(
        "momentum",
        estimator.learning_rate_init,
        momentum=estimator.momentum,
        nesterov=estimator.nesterovs_momentum,
    )
