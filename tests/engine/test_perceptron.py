"""The perceptron: eq. 1-2, a hand-worked update, convergence when separable, failure on XOR."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.datasets import make_dataset
from neuronlab.engine.perceptron import Perceptron, PerceptronFit, PerceptronTrainer

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])
AND_Y = np.array([0, 0, 0, 1])


def test_z_and_step_output():
    p = Perceptron(w=(2.0, -1.0), b=-1.0)
    X = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0], [3.0, 1.0]])
    np.testing.assert_allclose(p.z(X), [1.0, -1.0, 0.0, 4.0])  # eq. 1: 2 x1 − x2 − 1
    np.testing.assert_array_equal(p.output(X), [1, 0, 1, 1])  # eq. 2: z = 0 counts as class 1
    assert p.z(np.array([1.0, 0.0])) == 1.0 and p.output(np.array([1.0, 0.0])) == 1


def test_one_hand_worked_update():
    p = Perceptron(w=(0.5, -1.0), b=0.25)
    x, y = np.array([2.0, 1.0]), 0
    # z = 0.5·2 + (−1)·1 + 0.25 = 0.25 >= 0, so ŷ = 1: a mistake, y − ŷ = −1
    assert p.z(x) == pytest.approx(0.25) and p.output(x) == 1
    changed = p.learn_step(x, y, learning_rate=0.5)
    # w ← w + 0.5·(−1)·(2, 1) = (0.5 − 1, −1 − 0.5) = (−0.5, −1.5);  b ← 0.25 − 0.5 = −0.25
    assert changed
    np.testing.assert_allclose(p.w, [-0.5, -1.5])
    assert p.b == pytest.approx(-0.25)
    # now z = −1 − 1.5 − 0.25 = −2.75 < 0: the point is classified right and nothing moves
    assert p.z(x) == pytest.approx(-2.75)
    assert p.learn_step(x, y, learning_rate=0.5) is False
    np.testing.assert_allclose(p.w, [-0.5, -1.5])


def test_fit_learns_and_from_the_truth_table():
    p = Perceptron()
    result = p.fit(XOR_X, AND_Y, max_epochs=50)
    assert isinstance(result, PerceptronFit)
    assert result.converged and result.epochs == len(result.errors_per_epoch)
    assert result.errors_per_epoch[-1] == 0 and result.errors_per_epoch[0] > 0
    np.testing.assert_array_equal(p.output(XOR_X), AND_Y)
    assert f"converged after {result.epochs} epochs" in result.message


@pytest.mark.parametrize("seed", [None, 3])
def test_fit_converges_on_a_separable_set_and_classifies_it_all_right(seed):
    X, y = make_dataset("gaussian", n=200, noise=0.0, seed=1)
    assert Perceptron().output(X).tolist() != y.tolist()
    p = Perceptron()
    result = p.fit(X, y, max_epochs=100, seed=seed)
    assert result.converged
    np.testing.assert_array_equal(p.output(X), y)


def test_fit_never_converges_on_xor():
    p = Perceptron()
    result = p.fit(XOR_X, XOR_Y, max_epochs=500)
    assert not result.converged and result.epochs == 500
    assert len(result.errors_per_epoch) == 500 and min(result.errors_per_epoch) > 0
    assert np.sum(p.output(XOR_X) != XOR_Y) > 0  # at most 3 of the 4 points can be right
    assert "no line separates these points" in result.message
    assert "XOR" in result.message and "500 epochs" in result.message
    assert f"still {result.errors_per_epoch[-1]} mistakes" in result.message


def test_fit_never_converges_on_the_xor_dataset_either():
    X, y = make_dataset("xor", n=100, noise=0.0)
    result = Perceptron().fit(X, y, max_epochs=200, seed=0)
    assert not result.converged and min(result.errors_per_epoch) > 0


def test_shuffled_fit_is_reproducible():
    X, y = make_dataset("gaussian", n=60, noise=0.0, seed=2)
    first, second = Perceptron(), Perceptron()
    a = first.fit(X, y, seed=5)
    b = second.fit(X, y, seed=5)
    assert a.errors_per_epoch == b.errors_per_epoch
    np.testing.assert_array_equal(first.w, second.w)


def test_trainer_steps_through_the_points_in_order_and_matches_fit():
    trainer = PerceptronTrainer(XOR_X, AND_Y, learning_rate=1.0)
    reports = [trainer.step() for _ in range(40)]
    assert [r["index"] for r in reports[:8]] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert [r["epoch"] for r in reports[:5]] == [1, 1, 1, 1, 2]
    first = reports[0]  # w = 0, b = 0: z = 0 so ŷ = 1 for (0, 0) whose label is 0
    assert first["prediction"] == 1 and first["updated"] and first["b"] == -1.0
    assert set(first) >= {"index", "x", "y", "prediction", "updated", "w", "b", "mistakes"}
    assert reports[-1]["converged"]
    fitted = Perceptron()
    result = fitted.fit(XOR_X, AND_Y)
    assert trainer.perceptron.w.tolist() == fitted.w.tolist()
    assert trainer.perceptron.b == fitted.b
    # the mistakes counter of the last step of each epoch equals fit's count for that epoch
    per_epoch = [r["mistakes"] for r in reports[3::4]][: result.epochs]
    assert per_epoch == result.errors_per_epoch


def test_trainer_on_xor_keeps_making_mistakes():
    trainer = PerceptronTrainer(XOR_X, XOR_Y)
    reports = [trainer.step() for _ in range(400)]
    assert not reports[-1]["converged"]
    assert all(r["mistakes"] > 0 for r in reports[3::4])


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: Perceptron().fit(XOR_X, np.array([0, 1, 2, 0])), "y"),
        (lambda: Perceptron().fit(XOR_X, XOR_Y[:3]), "y"),
        (lambda: Perceptron().fit(XOR_X[0], XOR_Y), "X"),
        (lambda: Perceptron().fit(XOR_X, XOR_Y, max_epochs=0), "max_epochs"),
        (lambda: Perceptron().fit(XOR_X, XOR_Y, learning_rate=0.0), "learning_rate"),
        (lambda: Perceptron().learn_step(np.ones(3), 1), "x"),
        (lambda: Perceptron().learn_step(np.ones(2), 2), "y"),
        (lambda: Perceptron(w=(1.0, float("inf"))), "w"),
        (lambda: PerceptronTrainer(XOR_X, XOR_Y, perceptron=Perceptron((1.0,))), "perceptron"),
    ],
)
def test_bad_arguments_name_themselves(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must"):
        call()
