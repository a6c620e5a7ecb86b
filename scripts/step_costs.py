"""Where one training step's time goes, call by call (not a test; run on demand, machine quiet).

    python scripts/step_costs.py [--configs 1,4] [--repeats 7]

For each benchmark config (``neuronlab bench``) this builds the Trainer as the benchmark does
and times, on one minibatch, every NumPy call the engine makes in a step: eq. 5 and f for each
layer, the softmax (eq. 7), BP1′, then BP4 with BP3, BP2 and f′ for each layer, then each line
of the optimiser. It prints each call's time, their sum (the step with no Python around the
calls at all), the engine's real step (``Network._forward``, ``_backward``, ``Optimizer.step``)
and, when PyTorch is installed, PyTorch's step on the same minibatch in the same run and the
step time our target ratio against it asks for.

What it shows: at config 1's sizes a step is about 35 NumPy calls of well under a microsecond
each, so the step's time is the sum of per-call costs that NumPy sets, not arithmetic.
Every time is the median over ``--repeats`` rounds of many calls. Timed alone, in a loop, a
call can cost a little more or less than inside the step (caches, the timing loop), so the sum
and the step are compared as estimates, not to the last tenth of a microsecond.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from neuronlab.bench.configs import CONFIGS, make_data  # noqa: E402
from neuronlab.engine import losses  # noqa: E402
from neuronlab.engine.network import Network  # noqa: E402
from neuronlab.engine.optimisers import make_optimizer  # noqa: E402
from neuronlab.engine.training import Trainer  # noqa: E402


def per_call(call, repeats: int, budget: float = 0.05) -> float:
    """Microseconds one call of ``call`` takes: the median over rounds of ~budget s each."""
    call()
    start, count = time.perf_counter(), 0
    while time.perf_counter() - start < budget / 5:  # how many calls fill a round
        call()
        count += 1
    count = max(10, count * 5)
    rounds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(count):
            call()
        rounds.append((time.perf_counter() - start) / count)
    return statistics.median(rounds) * 1e6


def build(number: int):
    """The benchmark's Trainer for config ``number``, one epoch in, and its first minibatch."""
    config = CONFIGS[number]
    data = make_data(config)
    network = Network(config.layer_sizes, "relu", "softmax", seed=0, dtype=data.X.dtype)
    optimizer = make_optimizer(config.optimizer, learning_rate=config.learning_rate)
    trainer = Trainer(network, optimizer, data.X, data.y, batch_size=config.batch_size, seed=0)
    trainer.run_epoch(evaluate=False)
    n = config.batch_size
    return config, network, optimizer, trainer._X_ones[:n], trainer.Y[:n]


def engine_calls(network: Network, optimizer, X: np.ndarray, Y: np.ndarray):
    """(name, call) for every NumPy call of one step, on the network's own buffers.

    A call the engine makes in place (``m *= β₁``) writes here into a scratch array of the same
    shape instead, so that repeating it thousands of times neither drifts the numbers towards
    overflow or subnormals (which would time something else) nor changes the work done.
    """
    network._forward(X)
    network._backward(Y, 0.0, 0.0)
    buf, L = network._last, network.n_layers
    f, df = network.act.f, network.act.df
    z, a, delta = buf.z, buf.a, buf.delta
    z_kept = [z_l.copy() for z_l in z]  # the pre-activations (backward wrote f' over them)
    like = np.empty_like  # a scratch array of the same shape and dtype
    calls = [("eq. 5, layer 1: [X, 1] @ [W; b]", lambda: X.dot(network.Wb[0], out=z[0]))]
    calls.append(("f, layer 1", lambda: f(z_kept[0], out=a[0])))
    for l in range(1, L):
        calls.append(
            (f"eq. 5, layer {l + 1}", lambda l=l: buf.a_in[l].dot(network.Wb[l], out=z[l]))
        )
        if l < L - 1:
            calls.append((f"f, layer {l + 1}", lambda l=l: f(z_kept[l], out=a[l])))
    Z, P = z_kept[-1], a[-1]
    m, shifted, e = losses.row_max(Z), like(P), like(P)
    np.subtract(Z, m, out=shifted)
    np.exp(shifted, out=e)
    s, probabilities = losses.row_sum(e), like(P)
    calls += [
        ("softmax: row max", lambda: losses.row_max(Z)),
        ("softmax: z - max", lambda: np.subtract(Z, m, out=shifted)),
        ("softmax: exp", lambda: np.exp(shifted, out=e)),
        ("softmax: row sum", lambda: losses.row_sum(e)),
        ("softmax: divide", lambda: np.divide(e, s, out=probabilities)),
    ]
    d_out, d_scaled = like(delta[-1]), like(delta[-1])
    np.subtract(P, Y, out=d_out)
    calls.append(("BP1': p - y", lambda: np.subtract(P, Y, out=d_out)))
    calls.append(("BP1': times 1/n", lambda: np.multiply(d_out, 1.0 / len(Y), out=d_scaled)))
    for l in range(L - 1, 0, -1):
        f_prime, d_prev = like(z[l - 1]), like(delta[l - 1])
        df(z_kept[l - 1], a[l - 1], out=f_prime)
        calls += [
            (
                f"BP4+BP3, layer {l + 1}",
                lambda l=l: buf.a_in_T[l].dot(delta[l], out=network.dWb[l]),
            ),
            (
                f"BP2: delta W^T, layer {l + 1}",
                lambda l=l: delta[l].dot(network._WT[l], out=delta[l - 1]),
            ),
            (f"f', layer {l}", lambda l=l, fp=f_prime: df(z_kept[l - 1], a[l - 1], out=fp)),
            (
                f"BP2: times f', layer {l}",
                lambda l=l, fp=f_prime, d=d_prev: np.multiply(delta[l - 1], fp, out=d),
            ),
        ]
    calls.append(("BP4+BP3, layer 1", lambda: X.T.dot(delta[0], out=network.dWb[0])))
    optimizer.step([network.params], [network.grads])
    state = optimizer._state[0]
    if optimizer.name == "adam" and state["chunks"] is None:
        g, m_, v = network.grads, state["m"], state["v"]
        tmp, out, den = like(g), like(g), np.abs(v) + 1e-3  # den: a positive v-hat
        np.multiply(m_, 0.5, out=tmp)
        b1, b2, c1, c2, eps = optimizer._constants_for(g.dtype)
        scale_m, scale_v = state["scale_m"], state["scale_v"]
        calls += [
            ("Adam: m *= beta1", lambda: np.multiply(m_, b1, out=out)),
            ("Adam: (1 - beta1) g", lambda: np.multiply(g, c1, out=out)),
            ("Adam: m += ...", lambda: np.add(m_, tmp, out=out)),
            ("Adam: v *= beta2", lambda: np.multiply(v, b2, out=out)),
            ("Adam: g^2", lambda: np.square(g, out=out)),
            ("Adam: (1 - beta2) g^2", lambda: np.multiply(tmp, c2, out=out)),
            ("Adam: v += ...", lambda: np.add(v, tmp, out=out)),
            ("Adam: eta m-hat", lambda: np.multiply(m_, scale_m, out=out)),
            ("Adam: v-hat", lambda: np.multiply(v, scale_v, out=out)),
            ("Adam: sqrt", lambda: np.sqrt(den, out=out)),
            ("Adam: + eps", lambda: np.add(den, eps, out=out)),
            ("Adam: divide", lambda: np.divide(tmp, den, out=out)),
            ("Adam: theta -= step", lambda: np.subtract(network.params, tmp, out=out)),
        ]
    return calls


def torch_step(config, X: np.ndarray, y: np.ndarray):
    """PyTorch's step on the same minibatch, as the benchmark's loop runs it, or None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    layers: list = []
    for n_in, n_out in zip(config.layer_sizes[:-1], config.layer_sizes[1:], strict=True):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    if config.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=config.learning_rate)
    loss_function = torch.nn.CrossEntropyLoss()
    inputs = torch.from_numpy(np.ascontiguousarray(X[:, :-1], dtype=np.float32))
    labels = torch.from_numpy(y.astype(np.int64))

    def step():
        optimizer.zero_grad()
        loss_function(model(inputs), labels).backward()
        optimizer.step()

    return step


def report(number: int, repeats: int) -> None:
    config, network, optimizer, X, Y = build(number)
    calls = engine_calls(network, optimizer, X, Y)
    print(f"\n## Config {number}: {config.title} ({config.network}, batch {config.batch_size})\n")
    print("| call | µs |\n|---|---|")
    total = 0.0
    empty = per_call(lambda: None, repeats)  # the timing loop's own cost, taken off each call
    for name, call in calls:
        cost = max(0.0, per_call(call, repeats) - empty)
        total += cost
        print(f"| {name} | {cost:.2f} |")
    params, grads = [network.params], [network.grads]

    def step():
        network._forward(X)
        network._backward(Y, 0.0, 0.0)
        optimizer.step(params, grads)

    real = per_call(step, repeats)
    print(f"\n- {len(calls)} NumPy calls; their sum: {total:.1f} µs (a step with no Python at all)")
    if real >= total:
        print(
            f"- the engine's step: {real:.1f} µs ({real - total:.1f} µs of Python around the calls)"
        )
    else:
        print(f"- the engine's step: {real:.1f} µs (the calls timed alone add up to more)")
    ours = torch_step(config, X, Y.argmax(axis=1))
    if ours is not None:
        torch_cost = per_call(ours, repeats)
        target = config.targets.get("pytorch")
        print(
            f"- PyTorch's step on the same batch: {torch_cost:.1f} µs "
            f"({torch_cost / real:.1f}x ours)"
        )
        if target:
            print(
                f"- the target of {target:g}x PyTorch asks for a step of at most "
                f"{torch_cost / target:.1f} µs (epoch overheads aside)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="1,4", help="comma-separated config numbers")
    parser.add_argument("--repeats", type=int, default=7, help="rounds per call (median kept)")
    args = parser.parse_args()
    numbers = [int(part) for part in args.configs.split(",")]
    for number in numbers:
        if number not in CONFIGS:
            parser.error(f"--configs: no config {number}; choose from {sorted(CONFIGS)}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    print(
        f"# One step's NumPy calls, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with threadpool_limits(1):
        for number in numbers:
            report(number, args.repeats)


if __name__ == "__main__":
    main()
