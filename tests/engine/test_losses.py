"""Losses (eq. 6-8): softmax, log-softmax cross-entropy, MSE with its ½, and their deltas.

Normalisation under test: the loss of a batch is the MEAN over samples of the per-sample
loss; cross-entropy SUMS over classes; MSE is (1/2n) Σ_samples Σ_outputs (ŷ − y)².
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuronlab.engine.losses import (
    LOSSES,
    OUTPUT_LOSS,
    cross_entropy,
    cross_entropy_delta,
    log_softmax,
    mse,
    mse_delta,
    r_squared,
    softmax,
)


def one_hot(y: np.ndarray, k: int) -> np.ndarray:
    Y = np.zeros((len(y), k))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def test_softmax_rows_are_probabilities_and_follow_eq_7():
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 5.0, 2.0]])
    P = softmax(Z)
    expected = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)  # eq. 7, naive is fine here
    np.testing.assert_allclose(P, expected, rtol=1e-14)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(P[1], [1 / 3] * 3)


def test_softmax_of_huge_logits_is_finite_and_sums_to_one():
    Z = np.array([[1000.0, 0.0, -1000.0], [1e4, 1e4, -1e4], [-1000.0, -1000.0, -999.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        P = softmax(Z)
    assert np.isfinite(P).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(P[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(P[1], [0.5, 0.5, 0.0])
    e = math.e
    np.testing.assert_allclose(P[2], [1 / (2 + e), 1 / (2 + e), e / (2 + e)], rtol=1e-14)


def test_log_softmax_is_finite_where_softmax_underflows():
    Z = np.array([[1000.0, -1000.0]])
    assert softmax(Z)[0, 1] == 0.0  # log of this would be −inf
    np.testing.assert_allclose(log_softmax(Z), [[0.0, -2000.0]])


def test_cross_entropy_is_finite_for_saturated_logits():
    Z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    Y = np.array([[0.0, 1.0], [0.0, 1.0]])
    # sample 1 is confidently wrong: −log p = 2000 exactly; sample 2 right: −log p = 0
    assert cross_entropy(Z, Y) == pytest.approx((2000.0 + 0.0) / 2, rel=1e-15)


def test_cross_entropy_matches_eq_8_and_is_the_mean_of_per_sample_losses(rng):
    Z = rng.normal(size=(7, 4))
    y = rng.integers(0, 4, size=7)
    Y = one_hot(y, 4)
    batch = cross_entropy(Z, Y)
    per_sample = [cross_entropy(Z[i : i + 1], Y[i : i + 1]) for i in range(7)]
    assert batch == pytest.approx(np.mean(per_sample), rel=1e-14)  # mean over samples
    # eq. 8 by hand: −(1/n) Σ_i log p_{i, y_i}
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert batch == pytest.approx(-np.mean(np.log(P[np.arange(7), y])), rel=1e-13)


def test_cross_entropy_sums_over_classes_for_soft_targets():
    Z = np.array([[0.0, math.log(3.0)]])  # p = (1/4, 3/4)
    Y = np.array([[0.5, 0.5]])
    expected = -(0.5 * math.log(0.25) + 0.5 * math.log(0.75))  # a sum, not a mean, over classes
    assert cross_entropy(Z, Y) == pytest.approx(expected, rel=1e-14)


def test_mse_has_the_half_and_sums_over_outputs():
    assert mse(np.array([[3.0]]), np.array([[1.0]])) == 2.0  # ½ (3 − 1)² = 2, not 4
    # two outputs, one sample: ½ (1² + 2²) = 2.5 (summed over outputs, not averaged)
    assert mse(np.array([[1.0, 2.0]]), np.zeros((1, 2))) == 2.5


def test_mse_is_the_mean_of_per_sample_losses(rng):
    P, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    per_sample = [mse(P[i : i + 1], Y[i : i + 1]) for i in range(6)]
    assert mse(P, Y) == pytest.approx(np.mean(per_sample), rel=1e-14)
    assert mse(P, Y) == pytest.approx(((P - Y) ** 2).sum() / (2 * 6), rel=1e-14)  # eq. 6


def test_r_squared_from_the_half_mse_matches_scikit_learn(rng):
    from sklearn.metrics import r2_score

    y = rng.normal(size=(40, 1))
    prediction = y + 0.5 * rng.normal(size=(40, 1))
    C = mse(prediction, y)
    assert r_squared(C, float(y.var())) == pytest.approx(r2_score(y, prediction), rel=1e-12)
    assert r_squared(0.0, 2.0) == 1.0  # a perfect fit
    assert r_squared(1.0, 2.0) == 0.0  # as good as predicting the mean: C = var / 2
    assert r_squared(1.0, 0.0) is None and r_squared(None, 1.0) is None  # undefined


def test_cross_entropy_delta_is_the_gradient_with_respect_to_the_logits(rng):
    # BP1′: ∂C/∂Z = (softmax(Z) − Y) / n; checked against central differences of C(Z)
    Z = rng.normal(size=(5, 3))
    Y = one_hot(rng.integers(0, 3, size=5), 3)
    delta = cross_entropy_delta(softmax(Z), Y)
    numeric = np.zeros_like(Z)
    h = 1e-6
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += h
        Zm[idx] -= h
        numeric[idx] = (cross_entropy(Zp, Y) - cross_entropy(Zm, Y)) / (2 * h)
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(delta, (softmax(Z) - Y) / 5, rtol=1e-15)


def test_mse_delta_is_the_gradient_with_respect_to_the_output(rng):
    P, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    delta = mse_delta(P, Y)
    np.testing.assert_allclose(delta, (P - Y) / 4, rtol=1e-15)  # the ½ cancels the 2
    h = 1e-6
    numeric = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        Pp, Pm = P.copy(), P.copy()
        Pp[idx] += h
        Pm[idx] -= h
        numeric[idx] = (mse(Pp, Y) - mse(Pm, Y)) / (2 * h)
    np.testing.assert_allclose(delta, numeric, rtol=1e-7, atol=1e-10)


def test_deltas_write_into_the_given_buffer():
    P, Y = np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]])
    for delta in (cross_entropy_delta, mse_delta):
        out = np.full((1, 2), np.nan)
        assert delta(P, Y, out=out) is out
        np.testing.assert_allclose(out, [[0.25, -0.25]])


def test_each_output_has_its_loss():
    assert OUTPUT_LOSS == {"softmax": "cross_entropy", "identity": "mse"}
    assert set(LOSSES) == {"cross_entropy", "mse"}
