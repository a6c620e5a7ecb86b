"""Reporting: the result table, the config lines, the targets and the markdown document."""

from __future__ import annotations

import math

from .measure import ConfigResult, Results
from .peers import ESTIMATOR


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
            if peer == "neuronlab":
                ratio = "1 (ours)"
            elif peer == ESTIMATOR:
                ratio = f"1 (ours; {1 / result.ratio(peer):.2f}x the Trainer's speed)"
            else:
                ratio = f"{result.ratio(peer):.2f}"
                if ESTIMATOR in result.peers:
                    ratio += f" ({result.ratio(peer, ESTIMATOR):.2f})"
            target = c.targets.get(peer)
            gflops = ""
            if c.peak_target and peer in ("neuronlab", ESTIMATOR, "pytorch"):
                rate = result.gflops(peer)
                gflops = f"{rate:.0f} ({rate / results.peak_gflops:.1%})"
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
        "Peer time / ours above 1 means neuronlab is that many times faster: against the "
        "Trainer, and in brackets against the estimator (`MLPClassifier.fit`). "
        "What every peer does and what its time includes is described in "
        "`src/neuronlab/bench/__init__.py`.",
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
    "neuronlab: `Network` + `Trainer`, the loop every front end uses, with "
    "`run_epoch(evaluate=False)`: training alone, no end-of-epoch pass over the training set "
    "(divergence is still checked from the weights).",
    "neuronlab (estimator): `neuronlab.MLPClassifier.fit` with the settings given to "
    "scikit-learn below: the speed a user of the estimator gets. It validates its input as "
    "scikit-learn does and records, per epoch, the mean of its minibatch losses and its "
    "running accuracy (one copy of the output a step), with no pass over the training set.",
    "scikit-learn: `MLPClassifier.fit` with `max_iter` = epochs, `tol=0`, `n_iter_no_change` "
    "beyond the epochs, `alpha=0`, no early stopping, shuffling on; plain SGD is "
    "`solver='sgd', momentum=0`. It computes every minibatch's loss as it goes (it cannot be "
    "told not to); with two classes it uses one logistic output unit (the same model as a "
    "two-unit softmax).",
    "PyTorch: the usual eager loop in float32 (`randperm`, index, `zero_grad`, forward, "
    "`CrossEntropyLoss`, `backward`, `step`), with no end-of-epoch pass either.",
    "reference: `engine/reference.py`, one example at a time in lists and loops, from our "
    "network's initial weights, no end-of-epoch report; Adam for config 1 is written in pure "
    "Python in `bench/peers.py`; config 1 is timed on a few epochs and scaled up (marked).",
    "Every timing starts before the model is built and ends when training ends; accuracy is "
    "measured afterwards. Two exceptions: PyTorch's copy of the arrays into tensors, and the "
    "reference's model and Python lists, are made before its timer starts. One untimed "
    "warm-up run per peer precedes the repeats, except for the slow pure-Python reference.",
)

SPEED_NOTES = (
    "Every W and b is a view into one flat parameter array, so an optimiser step is a "
    "handful of NumPy calls whatever the depth (at these sizes a call costs more than its "
    "arithmetic).",
    "Forward and backward passes write into buffers allocated once per batch size (`out=`); "
    "one shuffle-and-copy per epoch, then plain slices (a large training set is gathered "
    "batch by batch into the network's buffer instead).",
    "The bias of every layer after the first rides in the matrix product: z = [a, 1] @ [W; b], "
    "and BP3 with BP4 is one product [a, 1]ᵀ δ. The Trainer keeps a small training set as "
    "[X, 1] once, so the first layer's bias rides along too; a large, gathered set is taken "
    "as it is (no copy into a wider buffer): z = X W + b and ∂C/∂b = 1ᵀ δ. "
    "`a.dot(W, out=z)` rather than `np.matmul` or `np.dot` for small 2-D products (less "
    "dispatch per call).",
    "Backpropagation writes f′(z) over z, its last use: one buffer less per layer to bring "
    "into the cache.",
    "The softmax's row maxima on a transposed copy (two classes: one element-wise maximum) and "
    "its row sums as a product with ones (NumPy reduces a short last axis row by row, up to "
    "20x slower).",
    "Adam line for line as in the paper (m, v, m̂, v̂), with η m̂ computed in one pass; every "
    "optimiser updates a large parameter array in equal cache-sized chunks, so its passes "
    "run in the L2 cache.",
    "ReLU takes max(z, 0) against an array of zeros kept per shape, not against the number 0: "
    "NumPy vectorises a comparison of two arrays and goes element by element against a "
    "scalar (64 x 128 float32: 0.8 µs instead of 3.1).",
    "Adam's fixed numbers (β₁, β₂, 1 − β₁, 1 − β₂, ε) are 0-d arrays of the parameters' "
    "dtype, made once, and its bias corrections 0-d arrays rewritten each step: a Python "
    "float costs NumPy about 0.25 µs more a call.",
    "The Trainer's steps call unchecked forward and backward passes: the training set was "
    "checked once, when it was given. The estimator's running accuracy takes the argmax "
    "along each row of the epoch's outputs.",
    "The dtype follows the data: float32 inputs train a float32 network.",
)
