"""The peers: one timed training run each, on the same data, network and optimiser."""

from __future__ import annotations

import math
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..engine.network import Network
from ..engine.optimisers import make_optimizer
from ..engine.training import Trainer
from .configs import Config, Data

ESTIMATOR = "neuronlab (estimator)"  # our MLPClassifier.fit: the speed a user of it gets
PEERS = ("neuronlab", ESTIMATOR, "scikit-learn", "pytorch", "reference")


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


def _run_mlp(estimator_class, config: Config, data: Data, seed: int) -> Run:
    """Time ``fit`` of an MLPClassifier (scikit-learn's or ours: the same parameters) set up
    for exactly this run: no early stop, no penalty, a constant rate, plain SGD for "sgd"."""
    from sklearn.exceptions import ConvergenceWarning

    start = time.perf_counter()
    model = estimator_class(
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


def run_estimator(config: Config, data: Data, seed: int = 0) -> Run:
    """neuronlab's MLPClassifier with scikit-learn's settings for the same run."""
    from ..estimator import MLPClassifier

    return _run_mlp(MLPClassifier, config, data, seed)


def run_sklearn(config: Config, data: Data, seed: int = 0) -> Run:
    from sklearn.neural_network import MLPClassifier

    return _run_mlp(MLPClassifier, config, data, seed)


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
    from ..engine import reference

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
    ESTIMATOR: run_estimator,
    "scikit-learn": run_sklearn,
    "pytorch": run_pytorch,
    "reference": run_reference,
}


def peers_for(config: Config, include_torch: bool) -> list[str]:
    """Who runs a config: the reference only on the small spiral configs."""
    peers = ["neuronlab", ESTIMATOR, "scikit-learn"]
    if include_torch:
        peers.append("pytorch")
    if config.data == "spirals":
        peers.append("reference")
    return peers
