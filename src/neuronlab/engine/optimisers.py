"""Optimisers: the gradient-descent update (eq. 9) and its refinements (momentum, RMSProp, Adam).

Each optimiser has one method that matters, ``step(params, grads)``, which updates a list of
arrays in place. The network hands it ``[params]`` (one flat array holding every W and b);
a loss surface hands it ``[point]`` with ``point`` of shape (2,). Same classes, same code.

Notation
--------
θ : parameters, g = ∂C/∂θ : gradient, η : learning rate, t : step count (from 1)

The plain version of each update, one parameter at a time, is in ``reference.py`` (tested
equal). Here every line is a whole-array operation written into a buffer kept between
steps (``out=``, in-place operators), so a step allocates nothing. What else differs, each
kept because the benchmark (docs/benchmark.md) showed it pays:

- ``np.square(g)`` rather than ``g * g``: half the time.
- Adam multiplies m by η / (1 − β₁ᵗ) in one pass, giving η m̂ without storing m̂ alone.
- Adam's fixed numbers (β₁, β₂, 1 − β₁, 1 − β₂, ε) enter its products as 0-d arrays of θ's
  dtype, made once, and its two bias corrections as 0-d arrays rewritten each step: NumPy
  resolves a Python float's type afresh at every call, which costs about 0.25 µs a call, as
  much as the arithmetic on a small network's parameters (rewriting a 0-d array costs 0.1).
- A flat θ longer than ``CHUNK`` is updated one chunk at a time: a dozen passes over a
  chunk that stays in the L2 cache beat a dozen passes over the whole array, and scratch
  arrays one chunk long, reused chunk after chunk, leave only θ, g and the moments to stream
  from memory (Adam on 270k float32 parameters: 0.45 ms a step, 0.51 with scratch as long
  as θ, 0.65 unchunked). The chunks are of equal length, so no short last chunk pays a
  dozen calls for little work, and their views are made once (building them every step
  cost 50 µs of a 600 µs Adam step).
"""

from __future__ import annotations

import numpy as np

from .util import check_fraction, check_positive

Arrays = list[np.ndarray]

CHUNK = 65_536  # parameters of a large flat array updated at a time (see Optimizer.step)


class Optimizer:
    """Base class: keeps per-array state, counts steps, calls ``_update`` for each array.

    A subclass names its state: ``moments``, carried from one step to the next (one array
    like θ each), and ``scratch``, working arrays rewritten within a step.
    """

    name = "optimizer"
    moments: tuple[str, ...] = ()
    scratch: tuple[str, ...] = ("tmp",)

    def __init__(self, learning_rate: float = 0.01):
        self.learning_rate = learning_rate
        self.t = 0
        self._state: list[dict] | None = None

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = check_positive("learning_rate", value)

    def reset(self) -> None:
        """Forget the step count and every moment estimate."""
        self.t = 0
        self._state = None

    def step(self, params: Arrays, grads: Arrays) -> None:
        """Apply one update to every array of ``params`` from the matching ``grads``."""
        states = self._state
        if states is None or len(states) != len(params):
            states = self._state = [self._new_state(p) for p in params]
        self.t += 1
        for theta, g, state in zip(params, grads, states, strict=True):
            # the state fits θ: the same shape and dtype as when it was made (the dtype is
            # nearly always the very same object, so "is" answers first; an unpickled one is
            # an equal copy)
            dtype = theta.dtype
            if theta.shape != state["shape"] or (
                dtype is not state["dtype"] and dtype != state["dtype"]
            ):
                state.clear()
                state.update(self._new_state(theta))
            chunks = state["chunks"]
            if chunks is None:
                self._update(theta, g, state)
            else:  # a flat θ longer than CHUNK, a chunk at a time
                for part, chunk in chunks:
                    self._update(theta[part], g[part], chunk)

    def _new_state(self, theta: np.ndarray) -> dict:
        """Zeroed moments like θ; scratch like θ, or one chunk long when θ goes in chunks.

        A chunked state also lists, for each chunk, its slice of θ and the state it updates
        there (views on the moments and the scratch), made once.
        """
        state = {name: np.zeros_like(theta) for name in self.moments}
        shape = theta.shape
        chunked = theta.ndim == 1 and theta.size > CHUNK
        if chunked:
            pieces = -(-theta.size // CHUNK)  # ⌈size / CHUNK⌉ chunks ...
            shape = -(-theta.size // pieces)  # ... of equal length
        for name in self.scratch:
            state[name] = np.zeros(shape, theta.dtype)
        state["chunks"] = None
        if chunked:
            state["chunks"] = []
            for start in range(0, theta.size, shape):
                part = slice(start, start + shape)
                k = min(shape, theta.size - start)
                chunk = {name: state[name][part] for name in self.moments}
                chunk.update((name, state[name][:k]) for name in self.scratch)
                chunk.update(self._fixed_state(theta.dtype))
                state["chunks"].append((part, chunk))
        state.update(self._fixed_state(theta.dtype))
        state["shape"], state["dtype"] = theta.shape, theta.dtype  # the θ it was made for
        return state

    def _fixed_state(self, dtype: np.dtype) -> dict:
        """Entries a subclass keeps in every state besides its moments and scratch."""
        return {}

    def __setstate__(self, saved: dict) -> None:
        """Unpickle, bringing a state saved by an older version up to date (it named its θ
        by one ``like`` entry and had no ``chunks`` entry when unchunked): the moments stay."""
        self.__dict__.update(saved)
        for state in self._state or ():
            if "like" in state:
                state["shape"], state["dtype"] = state.pop("like")
                state.setdefault("chunks", None)
                for part in [state] + [chunk for _, chunk in state["chunks"] or ()]:
                    for name, value in self._fixed_state(state["dtype"]).items():
                        part.setdefault(name, value)

    def _update(self, theta: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate})"


class SGD(Optimizer):
    """eq. 9: θ ← θ − η g."""

    name = "sgd"

    def _update(self, theta, g, state):
        step = np.multiply(g, self.learning_rate, out=state["tmp"])  # η g
        theta -= step


class Momentum(Optimizer):
    """Momentum (Polyak 1964): v ← μ v − η g; θ ← θ + v.

    With ``nesterov=True`` the step looks ahead along the velocity (Nesterov 1983, brought to
    deep learning by Sutskever et al. 2013), in the rewritten form of Bengio,
    Boulanger-Lewandowski & Pascanu (2013) that most libraries use: θ ← θ + μ v − η g, with v
    already updated (the gradient stays the one at θ, not at the look-ahead point).
    """

    name = "momentum"
    moments = ("v",)
    scratch = ("tmp", "g")

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9, nesterov=False):
        super().__init__(learning_rate)
        self.momentum = check_fraction("momentum", momentum)
        self.nesterov = bool(nesterov)

    def _update(self, theta, g, state):
        v, tmp = state["v"], state["tmp"]
        np.multiply(g, self.learning_rate, out=tmp)  # η g
        v *= self.momentum
        v -= tmp  # v ← μ v − η g
        if self.nesterov:
            np.multiply(v, self.momentum, out=tmp)
            tmp -= np.multiply(g, self.learning_rate, out=state["g"])  # μ v − η g
            theta += tmp
        else:
            theta += v


class RMSProp(Optimizer):
    """RMSProp (Hinton 2012): s ← ρ s + (1 − ρ) g²; θ ← θ − η g / (√s + ε)."""

    name = "rmsprop"
    moments = ("s",)

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-8):
        super().__init__(learning_rate)
        self.rho = check_fraction("rho", rho)
        self.epsilon = check_positive("epsilon", epsilon)

    def _update(self, theta, g, state):
        s, tmp = state["s"], state["tmp"]
        np.square(g, out=tmp)  # g²
        tmp *= 1.0 - self.rho
        s *= self.rho
        s += tmp  # s ← ρ s + (1 − ρ) g²
        np.sqrt(s, out=tmp)
        tmp += self.epsilon  # √s + ε
        np.divide(g, tmp, out=tmp)
        tmp *= self.learning_rate
        theta -= tmp  # θ ← θ − η g / (√s + ε)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2014, Algorithm 1).

    m ← β₁ m + (1 − β₁) g            first moment
    v ← β₂ v + (1 − β₂) g²           second moment
    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   bias corrections
    θ ← θ − η m̂ / (√v̂ + ε)

    These are the numbers computed, with ε added to √v̂ as in Algorithm 1 (not the variant
    of the paper's section 2 that folds the corrections into the step size and so moves ε).
    The arrangement differs in two places: m̂ is never stored alone, the step being
    η m̂ = (η / (1 − β₁ᵗ)) m from one product; and v̂ lives only in the denominator
    buffer holding v̂, then √v̂, then √v̂ + ε. ``reference.Adam`` is the same update one
    parameter at a time, each quantity on its own line.
    """

    name = "adam"
    moments = ("m", "v")
    scratch = ("tmp", "denominator")  # tmp: (1 − β₁) g, then (1 − β₂) g², then the step

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ):
        super().__init__(learning_rate)
        self._constants: dict[np.dtype, tuple[np.ndarray, ...]] = {}
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    @property
    def beta_1(self) -> float:
        return self._beta_1

    @beta_1.setter
    def beta_1(self, value: float) -> None:
        self._beta_1 = check_fraction("beta_1", value)
        self._constants.clear()

    @property
    def beta_2(self) -> float:
        return self._beta_2

    @beta_2.setter
    def beta_2(self, value: float) -> None:
        self._beta_2 = check_fraction("beta_2", value)
        self._constants.clear()

    @property
    def epsilon(self) -> float:
        return self._epsilon

    @epsilon.setter
    def epsilon(self, value: float) -> None:
        self._epsilon = check_positive("epsilon", value)
        self._constants.clear()

    def _fixed_state(self, dtype: np.dtype) -> dict:
        # this step's η / (1 − β₁ᵗ) and 1 / (1 − β₂ᵗ), written into 0-d arrays of θ's dtype
        # every step: cheaper than a Python float in the product (see the module docstring)
        return {"scale_m": np.zeros((), dtype), "scale_v": np.zeros((), dtype)}

    def _constants_for(self, dtype: np.dtype) -> tuple[np.ndarray, ...]:
        """β₁, β₂, 1 − β₁, 1 − β₂ and ε as 0-d arrays of ``dtype`` (see the module docstring)."""
        constants = self._constants.get(dtype)
        if constants is None:
            b1, b2 = self._beta_1, self._beta_2
            values = (b1, b2, 1.0 - b1, 1.0 - b2, self._epsilon)
            constants = self._constants[dtype] = tuple(np.array(x, dtype) for x in values)
        return constants

    def _update(self, theta, g, state):
        t, eta = self.t, self.learning_rate
        b1, b2, one_minus_b1, one_minus_b2, eps = self._constants_for(theta.dtype)
        m, v, tmp = state["m"], state["v"], state["tmp"]
        m *= b1
        m += np.multiply(g, one_minus_b1, out=tmp)  # m ← β₁ m + (1 − β₁) g
        v *= b2
        np.square(g, out=tmp)  # g²
        tmp *= one_minus_b2
        v += tmp  # v ← β₂ v + (1 − β₂) g²
        correction_1, correction_2 = 1.0 - self._beta_1**t, 1.0 - self._beta_2**t
        scale_m, scale_v = state["scale_m"], state["scale_v"]
        scale_m[()], scale_v[()] = eta / correction_1, 1.0 / correction_2
        step = np.multiply(m, scale_m, out=tmp)  # η m̂ = η m / (1 − β₁ᵗ)
        denominator = np.multiply(v, scale_v, out=state["denominator"])  # v̂ = v / (1 − β₂ᵗ)
        np.sqrt(denominator, out=denominator)  # √v̂
        denominator += eps  # √v̂ + ε
        step /= denominator  # η m̂ / (√v̂ + ε)
        theta -= step  # θ ← θ − η m̂ / (√v̂ + ε)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "rmsprop": RMSProp,
    "adam": Adam,
}


def make_optimizer(name: str, learning_rate: float = 0.01, **kwargs) -> Optimizer:
    """Build an optimiser by the name a user types: sgd, momentum, rmsprop, adam."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {name!r}")
    cls = OPTIMIZERS[name]
    try:
        return cls(learning_rate, **kwargs)
    except TypeError as error:
        import inspect

        allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        raise TypeError(f"optimizer {name!r} takes {allowed}; {error}") from None
