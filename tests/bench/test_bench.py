"""The benchmark's machinery: same work for every peer, interleaved repeats, honest sums.

Times are never asserted; the smoke size checks that the peers train.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from neuronlab import bench
from neuronlab.engine import Network, make_optimizer
from neuronlab.engine import reference as ref


def test_flop_count_of_a_small_network():
    # forward 2·(2·3 + 3·4) = 36; backward: ∂C/∂W 36 again, δ for the second layer 2·3·4 = 24
    assert bench.matmul_flops((2, 3, 4)) == (96, 36)
    config = replace(bench.CONFIGS[3], epochs=2)
    train, forward = bench.matmul_flops(config.layer_sizes)
    assert bench.config_gflop(config, 1000) == pytest.approx(2 * 1000 * train / 1e9)


def test_pure_python_adam_is_the_engines_adam():
    net = Network([3, 4, 2], seed=0)
    network = ref.from_arrays(net.W, net.b)
    adam_ref = bench._PurePythonAdam(network, 0.01)
    adam = make_optimizer("adam", learning_rate=0.01)
    rng = np.random.default_rng(0)
    for _ in range(3):
        grads = rng.standard_normal(net.n_params)
        net.grads[...] = grads
        adam.step([net.params], [net.grads])
        adam_ref.step(ref.from_arrays(net.dW, net.db))
    W_list, b_list = ref.to_arrays(network)
    for W, W_ref, b, b_ref in zip(net.W, W_list, net.b, b_list, strict=True):
        np.testing.assert_allclose(W, W_ref, rtol=1e-12)
        np.testing.assert_allclose(b, b_ref, rtol=1e-12)


def test_every_peer_gets_the_same_data_and_the_reference_only_small_configs():
    data = bench.make_data(bench.SMOKE[4])
    assert data.X.shape[1] == 64 and data.X_test is not None
    assert abs(len(data.y_test) / (len(data.y) + len(data.y_test)) - 0.2) < 0.01
    assert bench.make_data(bench.SMOKE[3]).X.dtype == np.float32
    assert bench.peers_for(bench.CONFIGS[1], include_torch=True) == [
        "neuronlab",
        "neuronlab (estimator)",
        "scikit-learn",
        "pytorch",
        "reference",
    ]
    assert bench.peers_for(bench.CONFIGS[3], include_torch=False) == [
        "neuronlab",
        "neuronlab (estimator)",
        "scikit-learn",
    ]


def test_reference_slice_is_extrapolated_and_says_so():
    config = replace(bench.SMOKE[1], n=64, epochs=8, reference_epochs=2)
    run = bench.run_reference(config, bench.make_data(config))
    assert run.extrapolated_from == 2 and math.isnan(run.accuracy)
    full = bench.run_reference(replace(config, reference_epochs=None), bench.make_data(config))
    assert full.extrapolated_from is None and 0.0 <= full.accuracy <= 1.0


def test_smoke_run_interleaves_repeats_and_reports_ratios():
    said: list[str] = []
    results = bench.run_benchmark(
        [4], repeats=2, smoke=True, include_torch=False, progress=said.append
    )
    order = [line.split(": ")[1].rsplit(" ", 4)[0] for line in said if line.startswith("config 4")]
    assert order == ["neuronlab", "neuronlab (estimator)", "scikit-learn"] * 2
    (result,) = results.configs
    ours, sklearn = result.peers["neuronlab"], result.peers["scikit-learn"]
    assert len(ours.runs) == len(sklearn.runs) == 2
    assert result.ratio("scikit-learn") == pytest.approx(sklearn.seconds / ours.seconds)
    assert results.smoke_failures() == []
    assert ours.accuracy > 0.85 and sklearn.accuracy > 0.85  # held-out digits
    estimator = result.peers["neuronlab (estimator)"]
    assert estimator.accuracy > 0.85
    assert result.ratio("scikit-learn", "neuronlab (estimator)") == pytest.approx(
        sklearn.seconds / estimator.seconds
    )
    checks = [text for text, _ in results.checks()]
    assert any(t.startswith("config 4 through the estimator: ") for t in checks)
    assert any("the estimator's fit takes" in t for t in checks)
    markdown = bench.to_markdown(results)
    assert "| 4 | neuronlab |" in markdown and "| 4 | scikit-learn |" in markdown
    assert "| 4 | neuronlab (estimator) |" in markdown
    assert "threads: 1 thread(s)" in markdown and "GFLOP/s" in markdown
    assert any(text.startswith("config 4: ") for text, _ in results.checks())


def test_pytorch_peer_trains_when_installed():
    pytest.importorskip("torch")
    config = bench.SMOKE[4]
    run = bench.run_pytorch(config, bench.make_data(config))
    assert run.accuracy > config.smoke_accuracy


def test_bad_arguments_name_what_to_fix():
    with pytest.raises(ValueError, match="configs"):
        bench.run_benchmark([9], smoke=True)
    with pytest.raises(ValueError, match="repeats"):
        bench.run_benchmark([1], repeats=0, smoke=True)
