"""The extra input features: their formulae, order and refusals."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.features import FEATURES, canonical, feature_map, input_labels


def test_each_feature_is_its_formula():
    X = np.array([[0.5, -2.0], [1.5, 0.25]])
    out = feature_map(X, list(FEATURES))
    assert out.shape == (2, 7)
    np.testing.assert_array_equal(out[:, :2], X)  # x1, x2 come first, untouched
    x1, x2 = X[:, 0], X[:, 1]
    expected = [x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)]
    np.testing.assert_allclose(out[:, 2:], np.column_stack(expected), rtol=0, atol=1e-15)


def test_the_registry_order_wins_and_repeats_go():
    X = np.array([[0.3, 0.7]])
    one = feature_map(X, ["sin_x2", "x1_squared", "sin_x2"])
    np.testing.assert_allclose(one[0], [0.3, 0.7, 0.09, np.sin(0.7)])
    assert canonical(["sin_x2", "x1_squared"]) == ["x1_squared", "sin_x2"]
    assert input_labels(["x1_times_x2", "x1_squared"]) == ["x₁", "x₂", "x₁²", "x₁x₂"]


def test_no_features_is_the_plain_input_and_dtypes_follow():
    X = np.ones((4, 2), dtype=np.float32)
    assert feature_map(X, []) is X
    assert feature_map(X, ["sin_x1"]).dtype == np.float32
    assert feature_map(np.ones((1, 2), dtype=int), ["sin_x1"]).dtype == np.float64


@pytest.mark.parametrize(
    "X, names, match",
    [
        (np.ones((3, 3)), [], "X must have shape"),
        (np.ones((3, 2)), ["cos_x1"], "features must be among"),
        (np.ones((3, 2)), [3], "features must be among"),
    ],
)
def test_bad_arguments_are_named(X, names, match):
    with pytest.raises(ValueError, match=match):
        feature_map(X, names)
