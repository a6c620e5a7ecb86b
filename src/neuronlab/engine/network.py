"""A fully connected network: forward pass (eq. 5) and backpropagation (BP1–BP4).

Notation (rows are samples, so every equation of the course appears transposed)
--------
n        : number of samples in the batch
l        : layer index, 0 .. L−1 (the course counts from 1: our W[0] is its W¹)
X        : (n, d) inputs, a⁽⁰⁾ = X
W[l]     : (n_in, n_out) weights; the course's eq. 5 z = W a + b for a column a
           is, for a batch of row vectors, z = a W + b with our W its transpose
b[l]     : (n_out,) biases
Wb[l]    : (n_in + 1, n_out) W[l] with b[l] as one more row, [W; b] (a view, see below)
z[l]     : (n, n_out) pre-activations
a[l]     : (n, n_out) activations, a = f(z); softmax or identity on the last layer
delta[l] : (n, n_out) error δ = ∂C/∂z, with the batch mean's 1/n already inside it
C        : the mean loss over the batch (see losses.py), plus weight penalties

The plain version of every function here, one example at a time in lists and loops, is
``reference.py``: read it first. This file computes the same numbers (tested equal) arranged
for speed, and the arrangement is what differs:

- Every W and b is a view into one flat array ``params`` (and every dW, db into ``grads``),
  so an optimiser step is a dozen NumPy calls over one array instead of several dozen over
  one array per layer; at these sizes a call costs more than its arithmetic.
- The buffers of the forward and backward passes are allocated once per batch size and
  reused (``out=``), and so are the transposes BP2 and BP3–BP4 read (even making a view
  per step counted).
- The bias rides along in the matrix product. With a column of ones appended to a layer's
  input, eq. 5 is one product, z = a W + b = [a, 1] @ [W; b], and BP3 and BP4 are one
  product too, [a, 1]ᵀ δ = [aᵀ δ; Σ_samples δ]. The flat buffer stores each b right after
  its W, so [W; b] is a view like the others (8% off a small network's epoch).
- The first layer is the exception: giving X a column of ones would copy every batch into
  a wider buffer, so there z = X W + b is a product and a broadcast sum, and
  ∂C/∂b = 1ᵀ δ a product with a row of ones (where X is wide, 784 inputs, an 800 KB copy
  less in every step). That is why layer 0 is handled before the loop in ``forward`` and
  after it in ``backward``. The Trainer's small training sets are the exception to the
  exception: it keeps them as [X, 1] once and for all (its epoch copy is then no wider
  copy than before), and ``_forward`` given d + 1 columns treats layer 0 like the others
  (two NumPy calls less a step: 5% of a small network's step).
- f′(z) is written over z in ``backward``: backward is the last to read a hidden z, and a
  buffer less per layer stays out of the cache (256 KB for a 256-unit layer of 256 rows).
- ``X.dot(W, out=...)`` rather than ``np.matmul``: the same product for 2-D arrays, 0.1 to
  0.4 µs less a call.
- ``forward_rows`` gathers a minibatch's rows of a large training set straight into a kept
  buffer, instead of allocating X[rows] or shuffling a copy of X every epoch (20,000 x 784
  float32: about 6 ms less an epoch, and no 63 MB copy).

Each was kept because the benchmark (``neuronlab bench``, docs/benchmark.md) showed it pays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import ACTIVATIONS, Activation, get_activation
from .initialisers import init_weights
from .losses import LOSSES, OUTPUT_LOSS, softmax
from .util import as_rng

OUTPUTS = ("softmax", "identity")
OVERFLOWED = (
    "X is too large for this network: its outputs overflowed to inf or nan; "
    "scale the inputs as the training data was scaled"
)
MAX_CACHED_BATCH_SIZES = 6


class _Buffers:
    """Preallocated arrays for one batch size n."""

    def __init__(self, n: int, sizes: list[int], dtype: np.dtype):
        ins, outs = sizes[:-1], sizes[1:]
        self.batch = np.empty((n, sizes[0]), dtype)  # where forward_rows gathers X[rows]
        self.ones = np.ones((1, n), dtype)  # 1ᵀ, for layer 0's ∂C/∂b = 1ᵀ δ
        # the input of every later layer with a column of ones appended: [a⁽¹⁾, 1], ...
        self.a_in = [None] + [np.ones((n, k + 1), dtype) for k in ins[1:]]  # (n, n_in + 1)
        # [a, 1]ᵀ for BP3–BP4
        self.a_in_T = [None] + [a_in.T for a_in in self.a_in[1:]]
        self.z = [np.empty((n, k), dtype) for k in outs]  # pre-activations
        # activations: a hidden layer's a is a view on the next layer's [a, 1]; then the output
        self.a = [a_in[:, :-1] for a_in in self.a_in[1:]] + [np.empty((n, outs[-1]), dtype)]
        self.delta = [np.empty((n, k), dtype) for k in outs]  # δ = ∂C/∂z


class Network:
    """A multilayer perceptron with any depth and widths.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[d_in, h1, ..., d_out]``: inputs, hidden widths, outputs.
    activation : str
        Hidden activation, a key of ``ACTIVATIONS``.
    output : {"softmax", "identity"}
        Softmax with cross-entropy for classification, identity with MSE for regression.
    seed : int, Generator or None
        Seeds the initial weights (He for the ReLU family, Xavier otherwise).
    dtype : numpy dtype
        float64 (default) or float32.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        output: str = "softmax",
        seed: int | np.random.Generator | None = 0,
        dtype: type | np.dtype = np.float64,
    ):
        sizes = _check_layer_sizes(layer_sizes)
        self.act = get_activation(activation)
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {list(OUTPUTS)}, got {output!r}")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 units (one per class)")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}") from None
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.layer_sizes = sizes
        self.activation = activation
        self.output = output
        self.loss_name = OUTPUT_LOSS[output]
        self._output_f = softmax if output == "softmax" else ACTIVATIONS["identity"].f
        self._output_delta = LOSSES[self.loss_name][1]  # BP1′ or BP1
        self._f_for: Activation | None = None  # the activation self._f was made for

        shapes = list(zip(sizes[:-1], sizes[1:], strict=True))
        self.n_params = sum(n_in * n_out + n_out for n_in, n_out in shapes)
        self.params = np.zeros(self.n_params, self.dtype)
        self.grads = np.zeros(self.n_params, self.dtype)
        self._is_weight = np.zeros(self.n_params, self.dtype)  # 1 on weights, 0 on biases
        self.W, self.b, self.dW, self.db = [], [], [], []
        self.Wb, self.dWb = [], []  # [W; b] and [dW; db]: (n_in + 1, n_out)
        offset = 0
        for n_in, n_out in shapes:
            size = n_in * n_out
            self.Wb.append(self.params[offset : offset + size + n_out].reshape(n_in + 1, n_out))
            self.dWb.append(self.grads[offset : offset + size + n_out].reshape(n_in + 1, n_out))
            self.W.append(self.params[offset : offset + size].reshape(n_in, n_out))
            self.dW.append(self.grads[offset : offset + size].reshape(n_in, n_out))
            self._is_weight[offset : offset + size] = 1.0
            offset += size
            self.b.append(self.params[offset : offset + n_out])
            self.db.append(self.grads[offset : offset + n_out])
            offset += n_out
        self._penalty = np.empty(self.n_params, self.dtype)
        self._WT = [W.T for W in self.W]  # Wᵀ for BP2, made once (as a_in_T in _Buffers)
        self._db0_row = self.db[0].reshape(1, -1)  # ∂C/∂b of layer 0 as the row 1ᵀ δ fills

        rng = as_rng(seed)
        for W in self.W:
            init_weights(W, self.act.init, rng)

        self._buffers: dict[int, _Buffers] = {}
        self._last: _Buffers | None = None
        self._last_X: np.ndarray | None = None

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.W)

    def _buffers_for(self, n: int) -> _Buffers:
        buf = self._buffers.get(n)
        if buf is None:
            if len(self._buffers) >= MAX_CACHED_BATCH_SIZES:
                self._buffers.clear()
            buf = self._buffers[n] = _Buffers(n, self.layer_sizes, self.dtype)
        return buf

    # ----------------------------------------------------------------------------- forward
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Run the batch through every layer (eq. 5), caching z and a for backward.

        Parameters
        ----------
        X : ndarray of shape (n, d)
            One sample per row. ``backward`` reads X again (BP4 of layer 0), so leave it
            unchanged until backward has run.

        Returns
        -------
        ndarray of shape (n, d_out)
            Softmax probabilities or regression values, in a buffer the network reuses:
            copy it to keep it past the next call.
        """
        return self._forward(self._check_X(X))

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """``forward`` of an X known to be (n, d) in the network's dtype, or (n, d + 1) with
        a last column of ones: the Trainer's minibatches, whose whole set was checked once,
        skip the checks every step."""
        buf = self._buffers_for(X.shape[0])
        self._last_X = X  # layer 0's input, for its BP4 in backward (never changed here)
        if self._f_for is not self.act:  # f per layer: hidden f, then softmax (eq. 7) or ŷ = z
            self._f = [self.act.f] * (self.n_layers - 1) + [self._output_f]
            self._f_for = self.act
        f, z, a = self._f, buf.z, buf.a
        if X.shape[1] == self.layer_sizes[0]:
            X.dot(self.W[0], out=z[0])
            z[0] += self.b[0]  # eq. 5 for layer 0: z = X W + b   (n, n_out)
        else:  # the Trainer's [X, 1]: eq. 5 as for the later layers, z = [X, 1] @ [W; b]
            X.dot(self.Wb[0], out=z[0])
        f[0](z[0], out=a[0])  # a = f(z): into the next layer's input, or the output
        for l in range(1, self.n_layers):
            buf.a_in[l].dot(self.Wb[l], out=z[l])  # eq. 5: z = a W + b = [a, 1] @ [W; b]
            f[l](z[l], out=a[l])
        self._last = buf
        return buf.a[-1]

    def forward_rows(self, X: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``forward(X[rows])``, with the rows gathered into a buffer the network keeps.

        Parameters
        ----------
        X : ndarray of shape (N, d)
            The whole training set.
        rows : ndarray of shape (n,)
            Integer row indices of the minibatch.

        Returns
        -------
        ndarray of shape (n, d_out)
            As ``forward``.

        Notes
        -----
        For the Trainer's minibatches of a large training set (see the module docstring).
        """
        X, rows = np.asarray(X), np.asarray(rows)
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X must have shape (n_samples, {self.layer_sizes[0]}), got {X.shape}")
        if rows.ndim != 1 or rows.dtype.kind not in "iu" or rows.size == 0:
            raise ValueError("rows must be a non-empty 1-D array of integer row indices")
        if rows.min() < 0 or rows.max() >= X.shape[0]:
            raise ValueError(f"rows must be row indices of X, from 0 to {X.shape[0] - 1}")
        if X.dtype != self.dtype:
            return self.forward(X[rows])  # convert only the rows
        batch = self._buffers_for(rows.size).batch
        # mode="clip" (the indices are checked above) lets take write straight into the
        # contiguous buffer; the default mode, or a strided out, makes take copy twice
        np.take(X, rows, axis=0, out=batch, mode="clip")
        return self._forward(batch)

    # ---------------------------------------------------------------------------- backward
    def backward(
        self,
        Y: np.ndarray,
        l2: float = 0.0,
        l1: float = 0.0,
        sample_weight: np.ndarray | None = None,
    ) -> None:
        """Fill ``grads`` with ∂C/∂W and ∂C/∂b for the batch of the last ``forward``.

        Parameters
        ----------
        Y : ndarray of shape (n, d_out)
            One-hot rows for a softmax network, targets for an identity one.
        l2, l1 : float
            Add the gradients of (l2/2)·ΣW² and l1·Σ|W| (weights only, never biases).
        sample_weight : ndarray of shape (n,), optional
            Non-negative weight of each row: C is then the weighted mean Σ wᵢ lᵢ / Σ wᵢ
            instead of the plain mean (a batch whose weights are all 0 gives zero gradients).
        """
        if self._last is None:
            raise RuntimeError("call forward(X) before backward(Y)")
        P = self._last.a[-1]
        Y = np.asarray(Y)
        if Y.shape != P.shape:
            raise ValueError(f"Y must have shape {P.shape} to match the batch, got {Y.shape}")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=self.dtype)
            if sample_weight.shape != (P.shape[0],):
                raise ValueError(
                    f"sample_weight must have shape ({P.shape[0]},), one weight per row of the "
                    f"batch, got {sample_weight.shape}"
                )
            if not np.isfinite(sample_weight).all() or (sample_weight < 0).any():
                raise ValueError("sample_weight must be finite and non-negative")
        self._backward(Y, l2, l1, sample_weight)

    def _backward(self, Y: np.ndarray, l2: float, l1: float, w: np.ndarray | None = None) -> None:
        """``backward`` with Y (and w) known to match the last batch (the Trainer's, checked
        once for the whole set)."""
        buf = self._last
        L = self.n_layers
        P = buf.a[L - 1]
        delta = buf.delta[L - 1]
        # BP1′ (softmax + cross-entropy) or BP1 (identity + MSE): both give δ = (ŷ − y) / n
        self._output_delta(P, Y, out=delta)
        if w is not None:
            # the weighted mean C = Σ wᵢ lᵢ / Σ wᵢ in place of the mean Σ lᵢ / n turns BP1
            # into δᵢ = wᵢ (ŷᵢ − yᵢ) / Σw, that is the δᵢ above times n wᵢ / Σw
            total = w.sum()
            delta *= (w * (len(w) / total))[:, None] if total > 0 else 0.0  # all 0: δ = 0
        df = self.act.df
        for l in range(L - 1, 0, -1):
            # BP4 and BP3 at once: [a, 1]ᵀ δ = [aᵀ δ; Σ_samples δ] = [∂C/∂W; ∂C/∂b]
            buf.a_in_T[l].dot(delta, out=self.dWb[l])  # (n_in + 1, n_out)
            delta_prev = delta.dot(self._WT[l], out=buf.delta[l - 1])  # δ Wᵀ   (n, n_in)
            z_prev, a_prev = buf.z[l - 1], buf.a[l - 1]  # the layer below
            f_prime = df(z_prev, a_prev, out=z_prev)  # f′(z), written over z   (n, n_in)
            delta_prev *= f_prime  # BP2: δ⁽ˡ⁻¹⁾ = (δ⁽ˡ⁾ Wᵀ) ⊙ f′(z⁽ˡ⁻¹⁾)
            delta = delta_prev
        X = self._last_X
        if X.shape[1] == self.layer_sizes[0]:
            X.T.dot(delta, out=self.dW[0])  # BP4 for layer 0: ∂C/∂W = Xᵀ δ   (d, n_out)
            buf.ones.dot(delta, out=self._db0_row)  # BP3 for layer 0: ∂C/∂b = 1ᵀ δ
        else:  # the Trainer's [X, 1]: BP4 and BP3 at once, [X, 1]ᵀ δ = [∂C/∂W; ∂C/∂b]
            X.T.dot(delta, out=self.dWb[0])  # (d + 1, n_out)
        if l2:
            np.multiply(self.params, self._is_weight, out=self._penalty)
            self._penalty *= l2  # ∂/∂W of (l2/2) ΣW² = l2 W
            self.grads += self._penalty
        if l1:
            np.sign(self.params, out=self._penalty)
            self._penalty *= self._is_weight
            self._penalty *= l1  # ∂/∂W of l1 Σ|W| = l1 sign(W)
            self.grads += self._penalty

    # ------------------------------------------------------------------------------ losses
    def penalty(self, l2: float = 0.0, l1: float = 0.0) -> float:
        """(l2/2)·ΣW² + l1·Σ|W| over every weight matrix (biases are not penalised)."""
        total = 0.0
        for W in self.W:
            if l2:
                total += 0.5 * l2 * float(np.vdot(W, W))
            if l1:
                total += l1 * float(np.abs(W).sum())
        return total

    def loss(self, X: np.ndarray, Y: np.ndarray, l2: float = 0.0, l1: float = 0.0) -> float:
        """C = mean data loss over the samples of X + weight penalty.

        Parameters
        ----------
        X : ndarray of shape (n, d)
        Y : ndarray of shape (n, d_out)
            One-hot rows or targets, as for ``backward``.
        l2, l1 : float
            Weight penalties, as for ``backward``.

        Returns
        -------
        float
        """
        P = self.forward(X)
        Y = np.asarray(Y)
        if Y.shape != P.shape:
            raise ValueError(f"Y must have shape {P.shape} to match X, got {Y.shape}")
        Z = self._last.z[self.n_layers - 1]
        return LOSSES[self.loss_name][0](Z, P, Y) + self.penalty(l2, l1)

    # ---------------------------------------------------------------------------- predict
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities of a softmax network.

        Parameters
        ----------
        X : ndarray of shape (n, d)

        Returns
        -------
        ndarray of shape (n, k)
            A fresh array; every row sums to 1.
        """
        if self.output != "softmax":
            raise ValueError("predict_proba needs a softmax (classification) network")
        return self.forward(_finite(X, self.dtype)).copy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        """What the network predicts for each row of X.

        Parameters
        ----------
        X : ndarray of shape (n, d)

        Returns
        -------
        ndarray
            Class indices of shape (n,) for a softmax network, values of shape (n, d_out)
            for an identity one.
        """
        out = self.forward(_finite(X, self.dtype))
        if self.output == "softmax":
            return out.argmax(axis=1)
        return out.copy()

    def overflowed(self) -> bool:
        """Whether the last forward pass overflowed: inf or nan among the output sums.

        Softmax turns infinite logits into tidy 0s and 1s, so the sums are what tell. With
        finite inputs this means the inputs (or the weights) are far too large; callers that
        answer a user (the estimators, ``neuronlab predict``) refuse such a prediction.
        """
        if self._last is None:
            return False
        return not (np.isfinite(self._last.z[-1]).all() and np.isfinite(self._last.a[-1]).all())

    def hidden_activations(self, X: np.ndarray) -> list[np.ndarray]:
        """What every hidden neuron computes on X: one (n, units) array per hidden layer."""
        self.forward(X)
        return [self._last.a[l].copy() for l in range(self.n_layers - 1)]

    def trace(self, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The cached (z, a) of every layer for X, as fresh arrays: what forward computed."""
        self.forward(X)
        return [(z.copy(), a.copy()) for z, a in zip(self._last.z, self._last.a, strict=True)]

    # ------------------------------------------------------------------------------ misc
    def copy(self) -> Network:
        """An independent network with the same architecture and weights."""
        twin = Network(self.layer_sizes, self.activation, self.output, seed=0, dtype=self.dtype)
        twin.params[...] = self.params
        return twin

    def config(self) -> dict:
        """The architecture as plain data (what save() writes next to the arrays)."""
        return {
            "layer_sizes": list(self.layer_sizes),
            "activation": self.activation,
            "output": self.output,
            "dtype": self.dtype.name,
        }

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.layer_sizes))
        return f"Network({sizes}, activation={self.activation!r}, output={self.output!r})"

    def _check_X(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.dtype != self.dtype:
            X = X.astype(self.dtype)
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X must have shape (n_samples, {self.layer_sizes[0]}), got {X.shape}")
        return X


def _check_layer_sizes(layer_sizes: Sequence[int]) -> list[int]:
    if isinstance(layer_sizes, str | bytes):  # "23" would read as [2, 3]
        raise TypeError(f"layer_sizes must be a list of integers, got {layer_sizes!r}")
    try:
        sizes = [int(k) for k in layer_sizes]
    except (TypeError, ValueError):
        raise TypeError(f"layer_sizes must be a list of integers, got {layer_sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least inputs and outputs, got {sizes}")
    if any(k < 1 for k in sizes) or any(
        float(k) != float(orig) for k, orig in zip(sizes, layer_sizes, strict=True)
    ):
        raise ValueError(f"layer_sizes must be positive integers, got {list(layer_sizes)}")
    return sizes


def _finite(X, dtype: np.dtype) -> np.ndarray:
    """X as an array of ``dtype`` for a prediction, refusing what is not finite numbers
    (forward, the training hot path, does not check)."""
    try:
        with np.errstate(over="ignore"):  # a value too large for dtype becomes inf: refused below
            X = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"X must hold numbers, got {np.asarray(X).dtype} values") from None
    if not np.isfinite(X).all():  # after the cast: 1e39 is inf in float32
        raise ValueError(
            f"X contains NaN or infinite values (or values too large for {dtype}); "
            "clean or impute them first"
        )
    return X
