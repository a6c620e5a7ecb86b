"""The benchmark: our engine against scikit-learn, PyTorch and the pure-Python reference.

Every peer trains on the same data, architecture (ReLU hidden layers, softmax with
cross-entropy), optimiser, learning rate, batch size and number of epochs, in one process
run. Repeats are interleaved (ours, scikit-learn, PyTorch, reference, ours, ...) so that
a change in the machine's load touches every peer alike, and the median time counts.

What each peer does, and what its time includes:

- **neuronlab**: ``Network`` + ``Trainer``, the loop every front end uses, with
  ``run_epoch(evaluate=False)``: training alone, no end-of-epoch pass over the training
  set (divergence is still checked from the weights).
- **scikit-learn**: ``MLPClassifier.fit`` with ``max_iter`` = epochs, ``tol=0`` and
  ``n_iter_no_change`` beyond the epochs (so it never stops early), ``alpha=0``, no
  early stopping, shuffling on, plain SGD as ``solver="sgd", momentum=0``. It computes
  the loss of every minibatch as it goes. (With two classes it uses one logistic output
  unit instead of a two-unit softmax: the same model.)
- **PyTorch** (only when ``import torch`` works; never a dependency): the usual eager loop
  (``randperm``, index, ``zero_grad``, forward, ``CrossEntropyLoss``, ``backward``,
  ``step``) in float32, with no end-of-epoch pass either.
- **reference**: ``engine/reference.py``, lists and loops, one example at a time, started
  from our network's initial weights; no end-of-epoch report. Config 2 runs in full; for
  config 1 a slice of the epochs is timed and the time is extrapolated (marked as such),
  with Adam written out in pure Python here because the reference has only eq. 9.

BLAS threads are limited to the same number for every peer (threadpoolctl for NumPy,
SciPy and OpenMP; ``torch.set_num_threads`` for PyTorch). The float32 matrix-product
peak is measured in the same run, and the BLAS-bound config 3 is reported as a fraction
of it, counting the matrix products of every forward and backward pass.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import os
import platform
import random
import statistics
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from .engine.datasets import load_real, make_dataset, train_val_test_split
from .engine.network import Network
from .engine.optimisers import make_optimizer
from .engine.training import Trainer

PEERS = ("neuronlab", "scikit-learn", "pytorch", "reference")


@dataclass(frozen=True)
class Config:
    """One benchmark configuration: data, network, optimiser and the targets to meet."""

    number: int
    title: str
    data: str  # "spirals", "synthetic" or "digits"
    n: int  # samples drawn (spirals, synthetic); digits has its own
    layer_sizes: tuple[int, ...]
    optimizer: str  # "adam" or "sgd"
    learning_rate: float
    batch_size: int
    epochs: int
    dtype: str = "float64"
    held_out: float = 0.0  # fraction kept aside for a held-out accuracy
    # peer -> how many times faster than that peer we must be (peer time / our time)
    targets: dict[str, float] = field(default_factory=dict)
    peak_target: float | None = None  # fraction of the float32 matmul peak to reach
    accuracy_gap: float | None = None  # held-out accuracy within this of every peer
    reference_epochs: int | None = None  # time the reference on this many epochs only
    smoke_accuracy: float = 0.0  # every peer must reach this in the smoke run

    @property
    def network(self) -> str:
        return "-".join(map(str, self.layer_sizes))


CONFIGS: dict[int, Config] = {
    1: Config(
        1,
        "spirals, Adam, batch 32",
        "spirals",
        1000,
        (2, 16, 16, 2),
        "adam",
        0.01,
        32,
        200,
        targets={"scikit-learn": 5.0, "pytorch": 12.0},
        reference_epochs=4,
    ),
    2: Config(
        2,
        "spirals, plain SGD, batch 1",
        "spirals",
        1000,
        (2, 16, 16, 2),
        "sgd",
        0.01,
        1,
        20,
        targets={"reference": 3.0, "scikit-learn": 6.0},
    ),
    3: Config(
        3,
        "synthetic 784-D, 10 classes, float32",
        "synthetic",
        20000,
        (784, 256, 256, 10),
        "adam",
        1e-3,
        256,
        3,
        dtype="float32",
        targets={"pytorch": 1.0},
        peak_target=0.55,
    ),
    4: Config(
        4,
        "digits 8x8, held-out 20%, float32",
        "digits",
        0,
        (64, 128, 10),
        "adam",
        1e-3,
        64,
        50,
        dtype="float32",  # the same float32 arrays go to every peer
        held_out=0.2,
        targets={"scikit-learn": 3.5, "pytorch": 5.0},
        accuracy_gap=0.01,
    ),
}

# Config 4 as scikit-learn loads digits (float64), for comparison: no targets. In float64
# the matrix products of this small net cost about the same in every peer, so the ratios
# are smaller; the targets are stated for the float32 run above.
CONFIGS[5] = replace(
    CONFIGS[4],
    number=5,
    title="digits 8x8, held-out 20%, float64 (comparison, no targets)",
    dtype="float64",
    targets={},
)

# The smoke run: the same four configs, small enough for the test suite (seconds). It
# checks that every peer trains and reaches smoke_accuracy; the times mean nothing.
SMOKE: dict[int, Config] = {
    1: replace(CONFIGS[1], n=300, epochs=100, reference_epochs=1, smoke_accuracy=0.7),
    2: replace(CONFIGS[2], n=300, epochs=10, smoke_accuracy=0.55),
    3: replace(CONFIGS[3], n=2048, epochs=2, smoke_accuracy=0.6),
    4: replace(CONFIGS[4], epochs=8, smoke_accuracy=0.85),
}


# --------------------------------------------------------------------------------- data
@dataclass
class Data:
    X: np.ndarray  # (n, d) training inputs, in the config's dtype
    y: np.ndarray  # (n,) integer labels
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


def make_data(config: Config, seed: int = 0) -> Data:
    """The data of a config: the same arrays go to every peer."""
    dtype = np.dtype(config.dtype)
    if config.data == "spirals":
        X, y = make_dataset("spirals", n=config.n, noise=0.1, seed=seed)
    elif config.data == "synthetic":
        # 10 Gaussian clouds in 784 dimensions, centres 0.1 N(0, I), noise N(0, I)
        rng = np.random.default_rng(seed)
        d, k = config.layer_sizes[0], config.layer_sizes[-1]
        centres = 0.1 * rng.standard_normal((k, d))
        y = rng.permutation(np.arange(config.n) % k)
        X = centres[y] + rng.standard_normal((config.n, d))
    elif config.data == "digits":
        X, y = load_real("digits")
    else:
        raise ValueError(f"unknown benchmark data {config.data!r}")
    if config.held_out:
        X, y, X_test, y_test, _, _ = train_val_test_split(X, y, val=config.held_out, seed=seed)
        return Data(X.astype(dtype), y, X_test.astype(dtype), y_test)
    return Data(X.astype(dtype), y)


# -------------------------------------------------------------------------------- peers
@dataclass
class Run:
    """One timed training run of one peer."""

    seconds: float
    accuracy: float  # held-out when the config keeps a test set, else training
    extrapolated_from: int | None = None  # epochs actually timed, when extrapolated


def run_neuronlab(config: Config, data: Data, seed: int = 0) -> Run:
    start = time.perf_counter()
    network = Network(config.layer_sizes, "relu", "softmax", seed=seed, dtype=data.X.dtype)
    optimizer = make_optimizer(config.optimizer, learning_rate=config.learning_rate)
    trainer = Trainer(network, optimizer, data.X, data.y, batch_size=config.batch_size, seed=seed)
    for _ in range(config.epochs):
        if trainer.run_epoch(evaluate=False).diverged:
            break
    seconds = time.perf_counter() - start
    return Run(seconds, _accuracy(network.predict, data))


def run_sklearn(config: Config, data: Data, seed: int = 0) -> Run:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    start = time.perf_counter()
    model = MLPClassifier(
        hidden_layer_sizes=config.layer_sizes[1:-1],
        activation="relu",
        solver=config.optimizer,
        alpha=0.0,
        batch_size=config.batch_size,
        learning_rate="constant",
        learning_rate_init=config.learning_rate,
        max_iter=config.epochs,
        shuffle=True,
        random_state=seed,
        tol=0.0,
        n_iter_no_change=config.epochs + 1,
        momentum=0.0,  # used by solver="sgd" only: plain SGD, eq. 9
        nesterovs_momentum=False,
        early_stopping=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(data.X, data.y)
    seconds = time.perf_counter() - start
    return Run(seconds, _accuracy(model.predict, data))


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_pytorch(config: Config, data: Data, seed: int = 0) -> Run:
    import torch

    torch.manual_seed(seed)
    X = torch.from_numpy(np.ascontiguousarray(data.X, dtype=np.float32))
    y = torch.from_numpy(data.y.astype(np.int64))
    n = len(y)
    start = time.perf_counter()
    layers: list = []
    for n_in, n_out in zip(config.layer_sizes[:-1], config.layer_sizes[1:], strict=True):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])  # no ReLU after the output layer
    if config.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=config.learning_rate)
    loss_function = torch.nn.CrossEntropyLoss()  # log-softmax + mean negative log-likelihood
    generator = torch.Generator().manual_seed(seed)
    for _ in range(config.epochs):
        order = torch.randperm(n, generator=generator)
        for i in range(0, n, config.batch_size):
            rows = order[i : i + config.batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(X[rows]), y[rows])
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start

    def predict(inputs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            tensor = torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32))
            return model(tensor).argmax(dim=1).numpy()

    return Run(seconds, _accuracy(predict, data))


def run_reference(config: Config, data: Data, seed: int = 0) -> Run:
    """The pure-Python network, from our network's initial weights."""
    from .engine import reference

    epochs = min(config.reference_epochs or config.epochs, config.epochs)
    initial = Network(config.layer_sizes, "relu", "softmax", seed=seed)
    network = reference.from_arrays(initial.W, initial.b)
    X, y = data.X.astype(float).tolist(), data.y.tolist()
    order = list(range(len(X)))
    shuffler = random.Random(seed)
    adam = _PurePythonAdam(network, config.learning_rate) if config.optimizer == "adam" else None
    start = time.perf_counter()
    for _ in range(epochs):
        shuffler.shuffle(order)
        for i in range(0, len(order), config.batch_size):
            rows = order[i : i + config.batch_size]
            if len(rows) == 1:
                grads = reference.backprop(network, X[rows[0]], y[rows[0]], "relu", "softmax")
            else:
                grads = reference.batch_backprop(
                    network, [X[r] for r in rows], [y[r] for r in rows], "relu", "softmax"
                )
            if adam is None:
                reference.apply_gradients(network, grads, config.learning_rate)  # eq. 9
            else:
                adam.step(grads)
    seconds = time.perf_counter() - start

    def predict(inputs: np.ndarray) -> np.ndarray:
        return np.array([reference.predict(network, x, "relu", "softmax") for x in inputs.tolist()])

    if epochs < config.epochs:  # a slice: scale the time up, the accuracy means little
        return Run(seconds * config.epochs / epochs, math.nan, extrapolated_from=epochs)
    return Run(seconds, _accuracy(predict, data))


class _PurePythonAdam:
    """Adam (Kingma & Ba 2014) over the reference's lists, as plain as the reference."""

    def __init__(self, network: list[dict], learning_rate: float):
        self.network, self.learning_rate = network, learning_rate
        self.beta_1, self.beta_2, self.epsilon, self.t = 0.9, 0.999, 1e-8, 0
        self.m = [
            {"W": [[0.0] * len(r) for r in la["W"]], "b": [0.0] * len(la["b"])} for la in network
        ]
        self.v = [
            {"W": [[0.0] * len(r) for r in la["W"]], "b": [0.0] * len(la["b"])} for la in network
        ]

    def _update(self, theta: list[float], g: list[float], m: list[float], v: list[float]):
        b1, b2, t = self.beta_1, self.beta_2, self.t
        for i, g_i in enumerate(g):
            m[i] = b1 * m[i] + (1 - b1) * g_i
            v[i] = b2 * v[i] + (1 - b2) * g_i * g_i
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            theta[i] -= self.learning_rate * m_hat / (math.sqrt(v_hat) + self.epsilon)

    def step(self, grads: list[dict]) -> None:
        self.t += 1
        for layer, grad, m, v in zip(self.network, grads, self.m, self.v, strict=True):
            for row, g_row, m_row, v_row in zip(layer["W"], grad["W"], m["W"], v["W"], strict=True):
                self._update(row, g_row, m_row, v_row)
            self._update(layer["b"], grad["b"], m["b"], v["b"])


def _accuracy(predict: Callable[[np.ndarray], np.ndarray], data: Data) -> float:
    if data.X_test is not None:
        return float(np.mean(predict(data.X_test) == data.y_test))
    return float(np.mean(predict(data.X) == data.y))


RUNNERS: dict[str, Callable[[Config, Data, int], Run]] = {
    "neuronlab": run_neuronlab,
    "scikit-learn": run_sklearn,
    "pytorch": run_pytorch,
    "reference": run_reference,
}


def peers_for(config: Config, include_torch: bool) -> list[str]:
    """Who runs a config: the reference only on the small spiral configs."""
    peers = ["neuronlab", "scikit-learn"]
    if include_torch:
        peers.append("pytorch")
    if config.data == "spirals":
        peers.append("reference")
    return peers


# ------------------------------------------------------------------------- measurements
def matmul_flops(layer_sizes: tuple[int, ...]) -> tuple[int, int]:
    """Floating-point operations per sample of the matrix products: (train step, forward).

    Forward: 2 n_in n_out per layer. Backward: 2 n_in n_out for ∂C/∂W of every layer and
    again for δ of every layer but the first.
    """
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    forward = sum(2 * a * b for a, b in pairs)
    backward = forward + sum(2 * a * b for a, b in pairs[1:])
    return forward + backward, forward


def config_gflop(config: Config, n_train: int) -> float:
    """GFLOP of a whole run: the matrix products of every minibatch step (no peer makes an
    end-of-epoch pass, so none is counted)."""
    train, _ = matmul_flops(config.layer_sizes)
    return config.epochs * n_train * train / 1e9


def matmul_peak(size: int = 2048, repeats: int = 6) -> float:
    """Best float32 matrix-product rate of this machine, GFLOP/s (size x size x size)."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((size, size), dtype=np.float32)
    B = rng.standard_normal((size, size), dtype=np.float32)
    C = np.empty_like(A)
    np.matmul(A, B, out=C)  # warm up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(A, B, out=C)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


@contextlib.contextmanager
def limited_threads(threads: int) -> Iterator[str]:
    """Limit BLAS / OpenMP threads for every peer while inside; yields what was done."""
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=threads):
        libraries = sorted({f"{info['internal_api']}" for info in threadpool_info()})
        said = f"{threads} thread(s): threadpoolctl limit on {', '.join(libraries)}"
        torch = None
        if torch_available():
            import torch

            before = torch.get_num_threads()
            torch.set_num_threads(threads)
            said += f"; torch.set_num_threads({threads})"
        try:
            yield said
        finally:
            if torch is not None:
                torch.set_num_threads(before)


def machine() -> dict[str, str]:
    """Where and with what the benchmark ran."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sklearn

    from . import __version__

    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "neuronlab": __version__,
    }
    if torch_available():
        import torch

        versions["torch"] = torch.__version__
    try:
        from threadpoolctl import threadpool_info

        blas = [
            f"{i['internal_api']} {i.get('version') or ''} ({i.get('architecture') or '?'})"
            for i in threadpool_info()
            if i["user_api"] == "blas"
        ]
    except Exception:  # pragma: no cover - only a description
        blas = []
    return {
        "load": _load_average(),
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": f"{cpu}, {os.cpu_count()} logical cores",
        "os": f"{platform.system()} {platform.release()}",
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "numpy blas": "; ".join(dict.fromkeys(blas)) or "unknown",
    }


def _load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"


# ---------------------------------------------------------------------------- the run
@dataclass
class PeerResult:
    peer: str
    runs: list[Run]

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def accuracy(self) -> float:
        return statistics.median(r.accuracy for r in self.runs)

    @property
    def extrapolated_from(self) -> int | None:
        return self.runs[0].extrapolated_from


@dataclass
class ConfigResult:
    config: Config
    n_train: int
    peers: dict[str, PeerResult]

    def ratio(self, peer: str) -> float:
        """How many times faster we are: peer time / our time."""
        return self.peers[peer].seconds / self.peers["neuronlab"].seconds

    def samples_per_second(self, peer: str) -> float:
        return self.n_train * self.config.epochs / self.peers[peer].seconds

    def gflops(self, peer: str) -> float:
        return config_gflop(self.config, self.n_train) / self.peers[peer].seconds


@dataclass
class Results:
    configs: list[ConfigResult]
    peak_gflops: float
    threads: str
    machine: dict[str, str]
    repeats: int
    smoke: bool

    def checks(self) -> list[tuple[str, bool]]:
        """Each target as (sentence, met)."""
        out = []
        for result in self.configs:
            c = result.config
            for peer, wanted in c.targets.items():
                if peer in result.peers:
                    got = result.ratio(peer)
                    out.append(
                        (
                            f"config {c.number}: {got:.2f}x faster than {peer} "
                            f"(target {wanted:g}x)",
                            got >= wanted,
                        )
                    )
            if c.peak_target and self.peak_gflops:
                share = result.gflops("neuronlab") / self.peak_gflops
                out.append(
                    (
                        f"config {c.number}: {share:.0%} of the float32 matmul peak "
                        f"(target {c.peak_target:.0%})",
                        share >= c.peak_target,
                    )
                )
            if c.accuracy_gap is not None:
                ours = result.peers["neuronlab"].accuracy
                for peer, peer_result in result.peers.items():
                    if peer != "neuronlab" and math.isfinite(peer_result.accuracy):
                        gap = ours - peer_result.accuracy
                        out.append(
                            (
                                f"config {c.number}: held-out accuracy {ours:.1%} vs "
                                f"{peer} {peer_result.accuracy:.1%} (within "
                                f"{c.accuracy_gap:.0%})",
                                gap >= -c.accuracy_gap,
                            )
                        )
        return out

    def smoke_failures(self) -> list[str]:
        """Peers that did not reach the smoke accuracy (every finite accuracy is checked)."""
        failures = []
        for result in self.configs:
            for peer, peer_result in result.peers.items():
                accuracy = peer_result.accuracy
                if math.isfinite(accuracy) and accuracy < result.config.smoke_accuracy:
                    failures.append(
                        f"config {result.config.number}: {peer} reached "
                        f"{accuracy:.1%} < {result.config.smoke_accuracy:.0%}"
                    )
        return failures


def run_benchmark(
    configs: list[int] | None = None,
    *,
    repeats: int = 5,
    threads: int = 1,
    smoke: bool = False,
    include_torch: bool | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Results:
    """Run the configs, interleaving the peers repeat by repeat; returns every timing."""
    table = SMOKE if smoke else CONFIGS
    configs = list(table) if configs is None else configs
    for number in configs:
        if number not in table:
            raise ValueError(f"configs must be among {sorted(table)}, got {number}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    say = progress or (lambda message: None)
    include_torch = torch_available() if include_torch is None else include_torch
    with limited_threads(threads) as threads_said:
        say(f"BLAS threads: {threads_said}")
        return _run(table, configs, repeats, smoke, include_torch, seed, say, threads_said)


def _run(table, configs, repeats, smoke, include_torch, seed, say, threads_said) -> Results:
    load_before = _load_average()
    peak = matmul_peak(size=1024 if smoke else 2048)
    say(f"float32 matmul peak: {peak:.0f} GFLOP/s")

    results = []
    for number in configs:
        config = table[number]
        data = make_data(config, seed)
        peers = peers_for(config, include_torch)
        # one untimed short run each: first-call costs (imports, allocations) stay out
        warm = replace(config, epochs=1, reference_epochs=None)
        for peer in peers:
            if peer != "reference":
                RUNNERS[peer](warm, Data(data.X[:256], data.y[:256]), seed)
        runs: dict[str, list[Run]] = {peer: [] for peer in peers}
        for repeat in range(repeats):
            for peer in peers:
                run = RUNNERS[peer](config, data, seed)
                runs[peer].append(run)
                say(
                    f"config {number} repeat {repeat + 1}/{repeats}: {peer} "
                    f"{run.seconds:.3f} s, accuracy {run.accuracy:.3f}"
                )
        results.append(
            ConfigResult(
                config, len(data.y), {peer: PeerResult(peer, runs[peer]) for peer in peers}
            )
        )
    where = machine()
    where["load"] = f"{load_before} at the start, {_load_average()} at the end"
    return Results(results, peak, threads_said, where, repeats, smoke)


# -------------------------------------------------------------------------- reporting
def _seconds(result: ConfigResult, peer: str) -> str:
    text = f"{result.peers[peer].seconds:.3f}"
    if result.peers[peer].extrapolated_from:
        text += f" (extrapolated from {result.peers[peer].extrapolated_from} epochs)"
    return text


def result_rows(results: Results) -> list[list[str]]:
    """One row per config and peer: the table both the terminal and the markdown show."""
    rows = []
    for result in results.configs:
        c = result.config
        for peer in result.peers:
            accuracy = result.peers[peer].accuracy
            ratio = "1 (ours)" if peer == "neuronlab" else f"{result.ratio(peer):.2f}"
            target = c.targets.get(peer)
            gflops = ""
            if c.peak_target and peer in ("neuronlab", "pytorch"):
                rate = result.gflops(peer)
                gflops = f"{rate:.0f} ({rate / results.peak_gflops:.0%})"
            rows.append(
                [
                    str(c.number),
                    peer,
                    _seconds(result, peer),
                    f"{result.samples_per_second(peer):,.0f}",
                    "n/a" if not math.isfinite(accuracy) else f"{accuracy:.1%}",
                    ratio,
                    f">= {target:g}" if target else "",
                    gflops,
                ]
            )
    return rows


HEADER = [
    "config",
    "peer",
    "median s",
    "samples/s",
    "accuracy",
    "peer time / ours",
    "target",
    "GFLOP/s (of peak)",
]


def config_lines(results: Results) -> list[str]:
    lines = []
    for result in results.configs:
        c = result.config
        accuracy = "held-out" if c.held_out else "training-set"
        lines.append(
            f"{c.number}. {c.title}: {result.n_train} training samples, {c.network} ReLU, "
            f"{c.optimizer} {c.learning_rate:g}, batch {c.batch_size}, {c.epochs} epochs, "
            f"{c.dtype}; {accuracy} accuracy"
        )
    return lines


def to_markdown(results: Results) -> str:
    """The results as a markdown document (docs/benchmark.md)."""
    m = results.machine
    out = [
        "# Benchmark: neuronlab against scikit-learn, PyTorch and the pure-Python reference",
        "",
        "Produced by `neuronlab bench`"
        + (" --smoke" if results.smoke else "")
        + f" ({results.repeats} interleaved repeats per peer, medians). "
        "Peer time / ours above 1 means neuronlab is that many times faster. "
        "What every peer does and what its time includes is described in "
        "`src/neuronlab/bench.py`.",
        "",
        f"- date: {m['date']}",
        f"- machine: {m['cpu']}, {m['os']}",
        f"- versions: {m['versions']}",
        f"- NumPy's BLAS: {m['numpy blas']}",
        f"- threads: {results.threads}",
        f"- load average (other work on the machine): {m['load']}",
        f"- float32 matrix-product peak measured in the same run: "
        f"{results.peak_gflops:.0f} GFLOP/s",
        "",
        "Configs:",
        "",
        *[f"{line}" for line in config_lines(results)],
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
        *["| " + " | ".join(row) + " |" for row in result_rows(results)],
        "",
        "Targets:",
        "",
        *[f"- {'met' if met else 'MISSED'}: {text}" for text, met in results.checks()],
        "",
        "## What each peer's time includes",
        "",
        *[f"- {line}" for line in PEER_NOTES],
        "",
        "## What the engine does for speed",
        "",
        *[f"- {line}" for line in SPEED_NOTES],
        "",
    ]
    return "\n".join(out)


PEER_NOTES = (
    "neuronlab: `Network` + `Trainer`, the loop every front end uses; each epoch ends with "
    "the loss and accuracy on the whole training set (the Trainer's report).",
    "scikit-learn: `MLPClassifier.fit` with `max_iter` = epochs, `tol=0`, `n_iter_no_change` "
    "beyond the epochs, `alpha=0`, no early stopping, shuffling on; plain SGD is "
    "`solver='sgd', momentum=0`. It computes every minibatch's loss as it goes; with two "
    "classes it uses one logistic output unit (the same model as a two-unit softmax).",
    "PyTorch: the usual eager loop in float32 (`randperm`, index, `zero_grad`, forward, "
    "`CrossEntropyLoss`, `backward`, `step`), plus the same end-of-epoch loss and accuracy "
    "on the training set as our Trainer.",
    "reference: `engine/reference.py`, one example at a time in lists and loops, from our "
    "network's initial weights, no end-of-epoch report; Adam for config 1 is written in pure "
    "Python in `bench.py`; config 1 is timed on a few epochs and scaled up (marked).",
    "Every timing starts before the model is built and ends when training ends; accuracy is "
    "measured afterwards. One untimed warm-up run per peer precedes the repeats.",
)

SPEED_NOTES = (
    "Every W and b is a view into one flat parameter array, so an optimiser step is a "
    "dozen NumPy calls whatever the depth (at these sizes a call costs more than its "
    "arithmetic).",
    "Forward and backward passes write into buffers allocated once per batch size (`out=`); "
    "one shuffle-and-copy per epoch, then plain slices (a large training set is gathered "
    "batch by batch into the network's buffer instead); optimiser steps in cache-sized chunks.",
    "The bias rides in the matrix product: z = [a, 1] @ [W; b], and BP3 with BP4 is one "
    "product [a, 1]ᵀ δ; `a.dot(W, out=z)` rather than `np.matmul` or `np.dot` for small "
    "2-D products (less dispatch per call).",
    "Row maxima and row sums of the softmax as column-wise maxima and a product with ones "
    "(NumPy reduces a short last axis row by row, ~20x slower).",
    "Adam and the other optimisers update large parameter arrays in cache-sized chunks.",
    "The end-of-epoch loss and accuracy are measured in chunks of 2048 rows; no loss is "
    "computed per step.",
    "The dtype follows the data: float32 inputs train a float32 network.",
)
