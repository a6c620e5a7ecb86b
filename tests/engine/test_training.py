"""The training loop: determinism, early stopping, divergence, live changes, learnability."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from neuronlab.engine.datasets import load_real, make_dataset, train_val_test_split
from neuronlab.engine.network import Network
from neuronlab.engine.optimisers import SGD, make_optimizer
from neuronlab.engine.training import EpochReport, Trainer


def numbers(report: EpochReport) -> dict:
    """A report without its wall-clock throughput (which differs from run to run)."""
    fields = dataclasses.asdict(report)
    del fields["samples_per_second"]
    return fields


def run(blobs, seed: int, epochs: int = 4) -> tuple[np.ndarray, list[dict]]:
    X, y = blobs
    net = Network([2, 8, 8, 3], activation="tanh", seed=seed)
    trainer = Trainer(
        net, make_optimizer("adam", 0.01), X[:60], y[:60], X[60:], y[60:], batch_size=16, seed=seed
    )
    history = [numbers(r) for r in trainer.train(epochs)]
    return net.params.copy(), history


# ------------------------------------------------------------------------------ determinism
def test_same_seed_gives_bit_identical_params_and_history(blobs):
    params_a, history_a = run(blobs, seed=3)
    params_b, history_b = run(blobs, seed=3)
    np.testing.assert_array_equal(params_a, params_b)
    assert history_a == history_b  # exact float equality, field by field
    params_c, history_c = run(blobs, seed=4)
    assert not np.array_equal(params_a, params_c)  # and the seed does matter
    assert history_a != history_c


def test_shuffle_seed_alone_changes_the_run(blobs):
    X, y = blobs
    results = []
    for shuffle_seed in (0, 0, 1):
        net = Network([2, 6, 3], seed=0)
        trainer = Trainer(net, SGD(0.1), X, y, batch_size=10, seed=shuffle_seed)
        list(trainer.train(2))
        results.append(net.params.copy())
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], results[2])


# ------------------------------------------------------------------------------ the reports
def test_reports_describe_the_epoch(blobs):
    X, y = blobs
    net = Network([2, 8, 3], seed=0)
    trainer = Trainer(net, make_optimizer("adam", 0.05), X[:60], y[:60], X[60:], y[60:])
    reports = list(trainer.train(3))
    assert [r.epoch for r in reports] == [1, 2, 3] and trainer.history == reports
    last = reports[-1]
    # the numbers describe the weights as they are at the end of the epoch, data loss only
    Y_val = np.eye(3)[y[60:]]
    assert last.val_loss == pytest.approx(net.loss(X[60:], Y_val), rel=1e-12)
    assert last.val_accuracy == np.mean(net.predict(X[60:]) == y[60:])
    assert last.train_accuracy == np.mean(net.predict(X[:60]) == y[:60])
    assert last.samples_per_second > 0
    assert not last.diverged and not last.stopped_early and last.message is None
    assert isinstance(last.to_dict(), dict) and last.to_dict()["epoch"] == 3


def test_regression_reports_no_accuracy(regression_data):
    X, y = regression_data
    net = Network([2, 8, 1], activation="tanh", output="identity", seed=0)
    trainer = Trainer(net, make_optimizer("adam", 0.01), X, y)
    first, *_, last = trainer.train(30)
    assert last.train_accuracy is None and last.val_loss is None
    assert last.train_loss < 0.5 * first.train_loss


# --------------------------------------------------------------------------- early stopping
def test_early_stopping_restores_the_best_epoch():
    # an over-sized net on 40 noisy points: the validation loss turns up after a while
    # (measured: the validation loss falls from 0.65 to 0.30 at epoch 36, then rises)
    X, y = make_dataset("circles", n=300, noise=0.6, seed=1)
    net = Network([2, 64, 64, 2], seed=0)
    trainer = Trainer(
        net,
        make_optimizer("adam", 0.003),
        X[:40],
        y[:40],
        X[40:],
        y[40:],
        batch_size=8,
        patience=10,
    )
    snapshots = {}
    reports = []
    for report in trainer.train(200):
        reports.append(report)
        if not report.stopped_early:
            snapshots[report.epoch] = net.params.copy()
    last = reports[-1]
    assert last.stopped_early and trainer.finished
    assert len(reports) < 200
    best = trainer.best_epoch
    assert reports[best - 1].is_best
    assert best > 5  # it learned something first
    assert last.epoch == best + 10  # patience: ten epochs with no better validation loss
    assert last.val_loss > reports[best - 1].val_loss
    assert last.train_loss < reports[best - 1].train_loss  # over-fitting: train loss went on down
    assert all(not r.is_best for r in reports[best:])
    assert reports[best - 1].val_loss == min(r.val_loss for r in reports)
    # the weights are those of the best epoch, bit for bit
    np.testing.assert_array_equal(net.params, snapshots[best])
    assert not np.array_equal(snapshots[last.epoch - 1], snapshots[best])
    assert net.loss(X[40:], np.eye(2)[y[40:]]) == reports[best - 1].val_loss
    assert f"restored the weights of epoch {best}" in last.message
    # train() stops at finished: asking for more yields nothing and changes nothing
    assert list(trainer.train(10)) == []
    np.testing.assert_array_equal(net.params, snapshots[best])


def test_restore_best_without_validation_uses_the_training_loss(blobs):
    X, y = blobs
    net = Network([2, 8, 3], seed=0)
    trainer = Trainer(net, make_optimizer("adam", 0.05), X, y)
    reports = list(trainer.train(5))
    best = trainer.best_epoch
    assert reports[best - 1].train_loss == min(r.train_loss for r in reports)
    net.params[...] = 0.0
    trainer.restore_best()
    assert net.loss(X, np.eye(3)[y]) == reports[best - 1].train_loss


# ------------------------------------------------------------------------------- divergence
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow on the way to inf is expected
@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_divergence_is_detected_reported_and_stops_training(blobs, output):
    X, y = blobs
    net = Network([2, 8, 3 if output == "softmax" else 1], output=output, seed=0)
    targets = y if output == "softmax" else y.astype(float) * 10
    trainer = Trainer(net, SGD(1e6), X, targets, batch_size=10)
    reports = list(trainer.train(50))
    last = reports[-1]
    assert last.diverged and trainer.finished
    assert len(reports) < 50 and not any(r.diverged for r in reports[:-1])
    assert last.message.startswith(
        f"loss diverged at epoch {last.epoch}: lower the learning rate"
    ), last.message
    assert not math.isfinite(last.train_loss) or not np.isfinite(net.params).all()
    assert list(trainer.train(5)) == []
    assert len(trainer.history) == len(reports)


def test_unmeasured_epochs_train_the_same_weights_and_report_no_losses(blobs):
    X, y = blobs

    def trainer_for(seed):
        net = Network([2, 8, 8, 3], activation="tanh", seed=seed)
        opt = make_optimizer("adam", 0.01)
        return Trainer(net, opt, X[:60], y[:60], X[60:], y[60:], batch_size=16, seed=seed)

    measured, unmeasured = trainer_for(3), trainer_for(3)
    for _ in range(3):
        measured.run_epoch()
        report = unmeasured.run_epoch(evaluate=False)
        assert report.train_loss is None and report.val_accuracy is None
        assert not report.is_best and not report.diverged
    # measuring is read-only: the weights are bit-identical either way
    np.testing.assert_array_equal(measured.network.params, unmeasured.network.params)
    assert unmeasured.epoch == 3 and unmeasured.best_epoch is None
    assert unmeasured.run_epoch().is_best  # the next measured epoch starts best tracking


def test_divergence_is_caught_on_unmeasured_epochs(blobs):
    X, y = blobs
    trainer = Trainer(Network([2, 8, 3], seed=0), SGD(1e6), X, y, batch_size=10)
    reports = []
    while not trainer.finished and len(reports) < 50:
        reports.append(trainer.run_epoch(evaluate=False))
    assert reports[-1].diverged and len(reports) < 50
    assert reports[-1].message.startswith(f"loss diverged at epoch {reports[-1].epoch}")


# ------------------------------------------------------------------ changes between epochs
def test_learning_rate_and_l2_changes_apply_to_the_next_epoch(blobs):
    X, y = blobs
    Y = np.eye(3)[y]
    net = Network([2, 5, 3], activation="tanh", seed=0)
    # full batch, no shuffling: one epoch is exactly one SGD step we can compute by hand
    trainer = Trainer(net, SGD(0.1), X, y, batch_size=len(X), shuffle=False)
    trainer.run_epoch()
    trainer.learning_rate = 0.05
    trainer.l2 = 0.2
    assert trainer.optimizer.learning_rate == 0.05
    twin = net.copy()
    twin.forward(X)
    twin.backward(Y, l2=0.2)
    expected = net.params - 0.05 * twin.grads  # eq. 9 with the new η and the L2 gradient
    trainer.run_epoch()
    np.testing.assert_allclose(net.params, expected, rtol=1e-13, atol=1e-15)
    assert trainer.epoch == 2  # nothing restarted


def test_batch_size_change_applies_to_the_next_epoch(blobs):
    X, y = blobs  # 90 samples
    net = Network([2, 4, 3], seed=0)
    optimizer = make_optimizer("adam", 0.01)
    trainer = Trainer(net, optimizer, X, y, batch_size=30)
    trainer.run_epoch()
    assert optimizer.t == 3  # 90 / 30 steps
    trainer.batch_size = 20
    trainer.run_epoch()
    assert optimizer.t == 3 + 5  # ceil(90 / 20): the last batch has 10
    trainer.batch_size = 500  # larger than the data: one full batch
    trainer.run_epoch()
    assert optimizer.t == 9


@pytest.mark.parametrize(
    "attribute, value, error",
    [
        ("learning_rate", -0.1, ValueError),
        ("learning_rate", 0.0, ValueError),
        ("batch_size", 0, ValueError),
        ("batch_size", 2.5, TypeError),
        ("batch_size", "32", TypeError),
        ("l2", -1.0, ValueError),
        ("l1", float("nan"), ValueError),
    ],
)
def test_bad_changes_between_epochs_are_rejected(blobs, attribute, value, error):
    X, y = blobs
    trainer = Trainer(Network([2, 4, 3]), SGD(0.1), X, y, batch_size=16)
    before = getattr(trainer, attribute)
    with pytest.raises(error, match=attribute):
        setattr(trainer, attribute, value)
    assert getattr(trainer, attribute) == before


def test_add_point_and_set_data_keep_the_weights(blobs):
    X, y = blobs
    net = Network([2, 6, 3], seed=0)
    trainer = Trainer(net, make_optimizer("adam", 0.01), X, y)
    trainer.run_epoch()
    weights = net.params.copy()
    trainer.add_point([0.5, -0.25], 2)
    np.testing.assert_array_equal(net.params, weights)
    assert len(trainer.X) == 91 and trainer.X[-1].tolist() == [0.5, -0.25] and trainer.y[-1] == 2
    assert trainer.Y[-1].tolist() == [0.0, 0.0, 1.0]
    trainer.run_epoch()  # the new point is trained on, the history goes on
    assert trainer.epoch == 2
    weights = net.params.copy()
    trainer.set_data(X[:30], y[:30], X[30:], y[30:])
    np.testing.assert_array_equal(net.params, weights)
    report = trainer.run_epoch()
    assert report.epoch == 3 and report.val_loss is not None
    with pytest.raises(ValueError, match="y_train must hold class labels 0..2"):
        trainer.add_point([0.0, 0.0], 3)
    with pytest.raises(ValueError, match="y_train must be integer class labels"):
        trainer.add_point([0.0, 0.0], 1.5)  # not silently truncated to class 1
    with pytest.raises(ValueError, match="x must have 2 features"):
        trainer.add_point([0.0, 0.0, 1.0], 0)
    assert len(trainer.X) == 30  # a rejected point leaves the data as it was


def test_add_point_for_regression(regression_data):
    X, y = regression_data
    net = Network([2, 4, 1], activation="tanh", output="identity", seed=0)
    trainer = Trainer(net, SGD(0.01), X, y)
    weights = net.params.copy()
    trainer.add_point([0.1, 0.2], 0.75)
    np.testing.assert_array_equal(net.params, weights)
    assert len(trainer.X) == 81 and trainer.Y[-1].tolist() == [0.75]
    trainer.run_epoch()


def test_train_yields_the_requested_number_of_epochs(blobs):
    X, y = blobs
    trainer = Trainer(Network([2, 4, 3]), SGD(0.1), X, y)
    assert len(list(trainer.train(3))) == 3 and len(list(trainer.train(2))) == 2
    assert trainer.epoch == 5
    with pytest.raises(ValueError, match="epochs"):
        list(trainer.train(0))


# ----------------------------------------------------------------------------- bad arguments
def bad_trainer(blobs, **change):
    X, y = blobs
    args = {"network": Network([2, 4, 3]), "optimizer": SGD(0.1), "X_train": X, "y_train": y}
    args.update(change)
    return Trainer(**args)


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"X_train": np.zeros((90, 3))}, ValueError, r"X_train must have shape \(n_samples, 2\)"),
        ({"X_train": np.zeros(90)}, ValueError, "X_train must have shape"),
        ({"X_train": np.zeros((0, 2)), "y_train": np.zeros(0, int)}, ValueError, "X_train"),
        ({"y_train": np.zeros(89, int)}, ValueError, "y_train has 89 entries but X_train has 90"),
        ({"X_train": np.full((90, 2), np.nan)}, ValueError, "X_train contains NaN"),
        ({"y_train": np.arange(90) % 4}, ValueError, "y_train must hold class labels 0..2"),
        ({"y_train": np.full(90, -1)}, ValueError, "y_train must hold class labels"),
        ({"y_train": np.full(90, 0.5)}, ValueError, "y_train must be integer class labels"),
        ({"y_train": np.array(["a"] * 90)}, ValueError, "y_train must be integer class labels"),
        ({"y_train": np.zeros((90, 3), int)}, ValueError, "y_train must be integer class labels"),
        ({"y_train": 1}, ValueError, "y_train must have one entry per row"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"l2": -0.1}, ValueError, "l2 must be >= 0"),
        ({"patience": 0}, ValueError, "patience must be >= 1"),
        ({"seed": -3}, ValueError, "seed"),
        ({"X_val": np.zeros((5, 2))}, ValueError, "give both X_val and y_val"),
        ({"X_val": np.zeros((5, 2)), "y_val": np.zeros(4, int)}, ValueError, "y_val has 4"),
        ({"network": "net"}, TypeError, "network must be a Network"),
        ({"optimizer": "adam"}, TypeError, "optimizer must be an Optimizer"),
    ],
)
def test_bad_arguments_name_the_argument(blobs, change, error, words):
    with pytest.raises(error, match=words):
        bad_trainer(blobs, **change)


def test_bad_regression_targets_name_the_argument(regression_data):
    X, y = regression_data
    net = Network([2, 4, 1], output="identity")
    with pytest.raises(ValueError, match="y_train must have 1 target column"):
        Trainer(net, SGD(0.1), X, np.zeros((80, 2)))
    with pytest.raises(ValueError, match="y_train contains NaN"):
        Trainer(net, SGD(0.1), X, np.full(80, np.nan))


def test_whole_number_float_labels_are_accepted(blobs):
    X, y = blobs
    trainer = Trainer(Network([2, 4, 3]), SGD(0.1), X, y.astype(float))
    assert trainer.y.dtype.kind == "i"


# ------------------------------------------------------------------------------ learnability
# The specification's sets and thresholds, with the settings chosen for them: Adam, batch 32,
# seed 0, ReLU. Each runs well under a second here; the accuracy measured when the test was
# written is in the comment (the thresholds are the specification's, not the measurement).


def fit(X, y, hidden=(16, 16), learning_rate=0.01, epochs=100, seed=0) -> Trainer:
    net = Network([X.shape[1], *hidden, int(y.max()) + 1], activation="relu", seed=seed)
    trainer = Trainer(net, make_optimizer("adam", learning_rate), X, y, batch_size=32, seed=seed)
    for _ in trainer.train(epochs):
        pass
    return trainer


def accuracy(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(net.predict(X) == y))


def test_spirals_are_learned_to_99_percent():
    X, y = make_dataset("spirals", n=1000, noise=0.1, seed=0)
    # 80 epochs at η = 0.01 (measured: ≥ 99.9 % from epoch 60 for seeds 0-3), then 20 at
    # η = 0.001 to settle (measured: 100 %); the rate is changed between epochs, as the lab does
    trainer = fit(X, y, hidden=(16, 16), learning_rate=0.01, epochs=80)
    trainer.learning_rate = 0.001
    for _ in trainer.train(20):
        pass
    assert trainer.epoch == 100
    assert trainer.network.layer_sizes == [2, 16, 16, 2]
    assert accuracy(trainer.network, X, y) >= 0.99
    assert trainer.history[-1].train_accuracy >= 0.99


@pytest.mark.parametrize("name", ["circles", "xor"])
def test_circles_and_xor_are_learned_to_98_percent(name):
    X, y = make_dataset(name, n=1000, noise=0.1, seed=0)
    trainer = fit(X, y, hidden=(16, 16), learning_rate=0.01, epochs=30)  # measured: 100 %
    assert accuracy(trainer.network, X, y) >= 0.98


def test_digits_reach_95_percent_on_held_out_data():
    X, y = load_real("digits")
    X_train, y_train, _, _, X_test, y_test = train_val_test_split(X, y, val=0.0, test=0.25)
    assert len(X_test) > 400 and len(X_train) + len(X_test) == len(X)
    # one hidden layer of 32, η = 0.005, 20 epochs (measured: 97 % on the test quarter)
    trainer = fit(X_train, y_train, hidden=(32,), learning_rate=0.005, epochs=20)
    assert accuracy(trainer.network, X_test, y_test) >= 0.95


def test_noise_makes_spirals_hard():
    # the other side of the coin: at noise 1 the arms mix and the same net cannot reach 99 %,
    # so the spirals test above measures learning, not an easy set
    X, y = make_dataset("spirals", n=1000, noise=1.0, seed=0)
    trainer = fit(X, y, hidden=(16, 16), learning_rate=0.01, epochs=20)
    assert accuracy(trainer.network, X, y) < 0.95


def test_a_refused_point_is_named_and_the_data_kept(blobs):
    X, y = blobs
    trainer = Trainer(Network([2, 8, 3], seed=0), SGD(0.1), X, y, batch_size=10)
    with pytest.raises(ValueError, match=r"cannot add the point x=\[0.0, 0.0\], label=7"):
        trainer.add_point([0.0, 0.0], 7)
    assert len(trainer.X) == len(X)


def test_shuffle_must_be_a_boolean(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        Trainer(Network([2, 8, 3], seed=0), SGD(0.1), X, y, shuffle="no")


def test_a_point_that_is_not_numbers_is_named(blobs):
    X, y = blobs
    trainer = Trainer(Network([2, 8, 3], seed=0), SGD(0.1), X, y, batch_size=10)
    with pytest.raises(ValueError, match=r"x must be numbers.*'a'"):
        trainer.add_point(["a", 0.2], 1)
    assert len(trainer.X) == len(X)
