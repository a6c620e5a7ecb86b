"""The Trainer's optional running loss, sample weights and batch callback."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.network import Network
from neuronlab.engine.optimisers import make_optimizer
from neuronlab.engine.training import Trainer


def regression_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=n)


def test_recording_changes_nothing_in_the_training():
    X, y = regression_data()
    runs = []
    for running in (False, True):
        net = Network([3, 5, 1], "tanh", "identity", seed=1)
        trainer = Trainer(net, make_optimizer("adam", 0.01), X, y, batch_size=16, seed=2,
                          running_loss=running)  # fmt: skip
        for _ in range(3):
            trainer.run_epoch(evaluate=False)
        runs.append(net.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_the_running_loss_of_a_regression_is_the_mean_of_its_batch_losses():
    X, y = regression_data()
    net = Network([3, 5, 1], "tanh", "identity", seed=1)
    twin = net.copy()
    trainer = Trainer(net, make_optimizer("sgd", 0.05), X, y, batch_size=20, seed=0,
                      shuffle=False, running_loss=True)  # fmt: skip
    report = trainer.run_epoch(evaluate=False)
    losses = []
    for i in range(0, 60, 20):  # eq. 6 per batch, at the weights that batch trained
        Y = y[i : i + 20, None]
        losses.append(twin.loss(X[i : i + 20], Y))
        twin.forward(X[i : i + 20])
        twin.backward(Y)
        twin.params -= 0.05 * twin.grads
    assert report.batch_loss == pytest.approx(np.mean(losses), rel=1e-12)
    assert report.batch_accuracy is None and report.train_loss is None


@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_backward_with_sample_weights_gives_the_weighted_gradient(output):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 3, 8)
    Y = np.eye(3)[y] if output == "softmax" else rng.normal(size=(8, 3))
    w = rng.uniform(0, 2, 8)
    net = Network([2, 4, 3], "relu", output, seed=0)
    net.forward(X)
    net.backward(Y, sample_weight=w)
    weighted = net.grads.copy()
    expected = np.zeros_like(weighted)
    for i in range(8):  # Σ wᵢ ∇lᵢ / Σ w, one row at a time
        net.forward(X[i : i + 1])
        net.backward(Y[i : i + 1])
        expected += w[i] * net.grads
    np.testing.assert_allclose(weighted, expected / w.sum(), rtol=1e-10, atol=1e-14)
    net.forward(X)
    net.backward(Y, sample_weight=np.zeros(8))  # a batch that counts for nothing teaches nothing
    assert not net.grads.any()
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(8,\)"):
        net.backward(Y, sample_weight=np.ones(7))
    with pytest.raises(ValueError, match="finite and non-negative"):
        net.backward(Y, sample_weight=-np.ones(8))


def test_the_batch_callback_sees_every_minibatch_and_new_data_drops_weights():
    X, y = regression_data(n=50)
    net = Network([3, 4, 1], "relu", "identity", seed=0)
    trainer = Trainer(net, make_optimizer("sgd", 0.01), X, y, batch_size=16, seed=0,
                      sample_weight=np.ones(50))  # fmt: skip
    seen = []
    trainer.batch_callback = lambda done, total: seen.append((done, total))
    trainer.run_epoch()
    assert seen == [(16, 50), (32, 50), (48, 50), (50, 50)]
    trainer.add_point([0.0, 0.0, 0.0], 1.0)
    assert trainer.sample_weight is None  # 51 rows now: the 50 weights no longer fit
    with pytest.raises(ValueError, match="one entry per training row"):
        trainer.set_sample_weight(np.ones(50))
    with pytest.raises(ValueError, match="non-negative"):
        trainer.set_sample_weight(-np.ones(51))
