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

The package, one concept per module: ``configs`` (the configs and their data), ``peers``
(one timed run of each peer), ``measure`` (FLOP counts, the matmul peak, threads, the
machine, the interleaved run and its results) and ``report`` (the table and the markdown).
"""

from .configs import CONFIGS, SMOKE, Config, Data, make_data
from .measure import (
    ConfigResult,
    PeerResult,
    Results,
    config_gflop,
    limited_threads,
    machine,
    matmul_flops,
    matmul_peak,
    run_benchmark,
)
from .peers import (
    PEERS,
    RUNNERS,
    Run,
    _PurePythonAdam,
    peers_for,
    run_neuronlab,
    run_pytorch,
    run_reference,
    run_sklearn,
    torch_available,
)
from .report import HEADER, PEER_NOTES, SPEED_NOTES, config_lines, result_rows, to_markdown

__all__ = [
    "CONFIGS",
    "HEADER",
    "PEERS",
    "PEER_NOTES",
    "RUNNERS",
    "SMOKE",
    "SPEED_NOTES",
    "Config",
    "ConfigResult",
    "Data",
    "PeerResult",
    "Results",
    "Run",
    "_PurePythonAdam",
    "config_gflop",
    "config_lines",
    "limited_threads",
    "machine",
    "make_data",
    "matmul_flops",
    "matmul_peak",
    "peers_for",
    "result_rows",
    "run_benchmark",
    "run_neuronlab",
    "run_pytorch",
    "run_reference",
    "run_sklearn",
    "to_markdown",
    "torch_available",
]
