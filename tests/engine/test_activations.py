"""Activations (eq. 3, 4, 10): values, derivatives against finite differences, stability."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from neuronlab.engine.activations import ACTIVATIONS, get_activation

NAMES = list(ACTIVATIONS)
KINKED = {"relu", "leaky_relu", "leaky_relu_0.1"}  # not differentiable at z = 0


def sample_points() -> np.ndarray:
    """z on [-6, 6] kept at least 1e-3 from the kink at 0 (the central difference uses 1e-6)."""
    z = np.linspace(-6.0, 6.0, 601)
    z = z[np.abs(z) > 1e-3]
    assert np.abs(z).min() > 1e-3
    return z


def test_registry_has_the_seven_activations_with_the_right_initialiser():
    assert set(ACTIVATIONS) == {
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "leaky_relu_0.1",
        "gelu",
        "identity",
    }
    for name, act in ACTIVATIONS.items():
        assert act.name == name
        # He for the ReLU family (they zero about half the signal), Xavier for the others
        expected = "he" if name in {"relu", "leaky_relu", "leaky_relu_0.1", "gelu"} else "xavier"
        assert act.init == expected, name


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences_of_f(name):
    act = ACTIVATIONS[name]
    z = sample_points()
    h = 1e-6
    numeric = (act.f(z + h) - act.f(z - h)) / (2 * h)
    analytic = act.df(z, act.f(z))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_out_buffer_gives_the_same_numbers(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-3.0, 3.0, 13).reshape(13, 1) * np.array([1.0, 0.5])  # (13, 2)
    expected_f, expected_df = act.f(z), act.df(z, act.f(z))
    out = np.full_like(z, np.nan)
    assert act.f(z, out=out) is out
    np.testing.assert_array_equal(out, expected_f)
    out2 = np.full_like(z, np.nan)
    assert act.df(z, expected_f, out=out2) is out2
    np.testing.assert_array_equal(out2, expected_df)
    np.testing.assert_array_equal(z, np.linspace(-3.0, 3.0, 13).reshape(13, 1) * [1.0, 0.5])


@pytest.mark.parametrize("name", NAMES)
def test_derivative_may_be_written_over_z(name):
    """Backpropagation passes out=z (f'(z) replaces z, its last use): same numbers."""
    act = ACTIVATIONS[name]
    z = np.linspace(-3.0, 3.0, 13).reshape(13, 1) * np.array([1.0, 0.5])
    a = act.f(z)
    expected = act.df(z, a)
    assert act.df(z, a, out=z) is z
    np.testing.assert_array_equal(z, expected)


def test_values_follow_the_formulas():
    z = np.array([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].f(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    np.testing.assert_allclose(ACTIVATIONS["tanh"].f(z), np.tanh(z), rtol=1e-15)
    np.testing.assert_array_equal(ACTIVATIONS["relu"].f(z), [0.0, 0.0, 0.5, 3.0])  # eq. 10
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"].f(z), [-0.02, -0.005, 0.5, 3.0])
    np.testing.assert_array_equal(ACTIVATIONS["identity"].f(z), z)
    # GELU, tanh approximation: ½ z (1 + tanh(√(2/π)(z + 0.044715 z³)))
    c = math.sqrt(2 / math.pi)
    gelu = [0.5 * v * (1 + math.tanh(c * (v + 0.044715 * v**3))) for v in z]
    np.testing.assert_allclose(ACTIVATIONS["gelu"].f(z), gelu, rtol=1e-14)
    # eq. 4: σ'(z) = σ(z)(1 − σ(z)); at 0 that is ¼
    assert ACTIVATIONS["sigmoid"].df(np.zeros(1), np.full(1, 0.5))[0] == 0.25
    np.testing.assert_array_equal(
        ACTIVATIONS["relu"].df(z, ACTIVATIONS["relu"].f(z)), [0.0, 0.0, 1.0, 1.0]
    )
    np.testing.assert_allclose(
        ACTIVATIONS["leaky_relu"].df(z, ACTIVATIONS["leaky_relu"].f(z)), [0.01, 0.01, 1.0, 1.0]
    )


def test_the_courses_leaky_relu_has_slope_a_tenth_below_zero():
    # the course's leaky ReLU: max(0.1 z, z), slope 0.1 for z < 0 and 1 above
    course = ACTIVATIONS["leaky_relu_0.1"]
    z = np.array([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(course.f(z), [-0.2, -0.05, 0.5, 3.0], rtol=1e-15)
    np.testing.assert_allclose(course.df(z, course.f(z)), [0.1, 0.1, 1.0, 1.0], rtol=1e-15)
    # the library default keeps its 0.01: the two are different activations
    assert ACTIVATIONS["leaky_relu"].f(np.array([-2.0]))[0] == pytest.approx(-0.02)
    assert "0.1" in course.description and "0.01" in ACTIVATIONS["leaky_relu"].description


def test_sigmoid_never_overflows():
    z = np.array([-1000.0, -750.0, 0.0, 750.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would be a RuntimeWarning
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            a = ACTIVATIONS["sigmoid"].f(z)
            d = ACTIVATIONS["sigmoid"].df(z, a)
    assert np.isfinite(a).all() and np.isfinite(d).all()
    assert a[0] == 0.0 and a[-1] == 1.0 and a[2] == 0.5
    assert ((a >= 0) & (a <= 1)).all()
    np.testing.assert_array_equal(d[[0, -1]], [0.0, 0.0])  # saturated: no gradient


def test_tanh_and_gelu_are_finite_far_out():
    z = np.array([-1000.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(ACTIVATIONS["tanh"].f(z), [-1.0, 1.0])
        g = ACTIVATIONS["gelu"].f(np.array([-30.0, 30.0]))
    np.testing.assert_allclose(g, [0.0, 30.0], atol=1e-12)


@pytest.mark.parametrize("bad", ["swish", "ReLU", "", None, 3])
def test_unknown_activation_is_a_value_error_naming_the_argument(bad):
    with pytest.raises(ValueError, match="activation must be one of") as info:
        get_activation(bad)
    assert "relu" in str(info.value)  # the message lists the choices


def test_get_activation_returns_the_registry_entry():
    for name in NAMES:
        assert get_activation(name) is ACTIVATIONS[name]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (32, 16), (3, 4, 5), ()])
def test_relu_is_max_of_0_and_z_for_every_shape_and_dtype(shape, dtype):
    """ReLU compares z with an array of zeros kept per shape: it must give max(0, z) in z's
    dtype whatever the shape, keep NaN, and leave its kept zeros untouched."""
    rng = np.random.default_rng(0)
    z = np.asarray(rng.standard_normal(shape), dtype=dtype)
    relu = ACTIVATIONS["relu"].f
    for _ in range(2):  # the second call reuses the zeros made by the first
        a = relu(z)
        assert a.dtype == dtype and a.shape == z.shape
        np.testing.assert_array_equal(a, np.where(z > 0, z, 0))
    out = np.full(shape, 9.0, dtype)
    assert relu(-np.abs(z) - 1, out=out) is out and not out.any()
    assert not relu(-np.abs(z) - 1).any()  # the kept zeros are still zeros
    if shape:
        z.flat[0] = np.nan
        assert np.isnan(relu(z).flat[0])
    assert relu(-2.5) == 0 and relu([1.5, -1.0]).tolist() == [1.5, 0.0]  # numbers and lists too
