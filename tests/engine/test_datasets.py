"""Datasets: shapes, balance, determinism, separability without noise, the split, real data."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.engine.datasets import (
    DATASET_INFO,
    DATASETS,
    REAL_DATASETS,
    REGRESSION_DATASETS,
    load_real,
    make_dataset,
    standardise,
    train_val_test_split,
)

CLASSIFICATION = [name for name in DATASETS if name not in REGRESSION_DATASETS]


def nearest_neighbour_errors(X: np.ndarray, y: np.ndarray) -> int:
    """Points whose nearest other point has another label: 0 means classes do not touch."""
    distance = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(distance, np.inf)
    return int((y[distance.argmin(axis=1)] != y).sum())


def test_registry_and_descriptions_cover_the_same_names():
    assert set(DATASETS) == {
        "spirals",
        "circles",
        "xor",
        "gaussian",
        "moons",
        "surface",
        "saddle",
    }
    assert set(DATASET_INFO) == set(DATASETS)
    assert all(isinstance(text, str) and len(text) > 20 for text in DATASET_INFO.values())


@pytest.mark.parametrize("name", list(DATASETS))
def test_shapes_dtypes_and_range(name):
    X, y = make_dataset(name, n=301, noise=0.0, seed=3)
    assert X.shape == (301, 2) and X.dtype == np.float64
    assert y.shape == (301,)
    assert y.dtype == (np.float64 if name in REGRESSION_DATASETS else np.int64)
    # without noise every point lies in the documented square [-1, 1]^2
    assert np.all(np.abs(X) <= 1.0 + 1e-12) or name == "gaussian"
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))


def test_gaussian_blobs_stay_near_the_square():
    X, _ = make_dataset("gaussian", n=2000, noise=0.0, classes=6)
    assert np.abs(X).max() < 1.2  # radius 0.6 plus at most a few standard deviations of 0.1


@pytest.mark.parametrize(
    ("name", "kw", "k"),
    [
        ("spirals", {}, 2),
        ("spirals", {"arms": 5}, 5),
        ("circles", {}, 2),
        ("xor", {}, 2),
        ("gaussian", {"classes": 4}, 4),
        ("moons", {}, 2),
    ],
)
def test_classes_are_balanced(name, kw, k):
    _, y = make_dataset(name, n=203, **kw)
    counts = np.bincount(y)
    assert len(counts) == k
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_data_other_seed_other_data(name):
    X1, y1 = make_dataset(name, n=50, seed=7)
    X2, y2 = make_dataset(name, n=50, seed=7)
    X3, _ = make_dataset(name, n=50, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


def test_a_generator_can_be_passed_as_seed():
    rng = np.random.default_rng(1)
    X1, _ = make_dataset("moons", n=20, seed=rng)
    X2, _ = make_dataset("moons", n=20, seed=rng)
    assert not np.allclose(X1, X2)  # the generator advanced


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("spirals", {"arms": 2}),
        ("spirals", {"arms": 6}),
        ("circles", {}),
        ("xor", {}),
        ("moons", {}),
        ("gaussian", {"classes": 3}),
    ],
)
def test_noiseless_classes_do_not_touch(name, kw):
    # dense enough that neighbours along an arm are closer than the next arm near the centre
    n = 3000 if kw.get("arms", 0) > 2 else 1500  # six arms crowd the centre: sample denser
    X, y = make_dataset(name, n=n, noise=0.0, seed=0, **kw)
    assert nearest_neighbour_errors(X, y) == 0


def test_noise_mixes_the_classes():
    X, y = make_dataset("spirals", n=600, noise=1.0, seed=0)
    assert nearest_neighbour_errors(X, y) > 50


def test_noiseless_geometry():
    X, y = make_dataset("circles", n=400, noise=0.0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius[y == 0].max() <= 0.5 and radius[y == 1].min() >= 0.7
    X, y = make_dataset("xor", n=400, noise=0.0)
    assert np.all((X[:, 0] * X[:, 1] < 0) == (y == 1))
    assert np.abs(X).min() >= 0.01  # the gap along the axes (0.1 times a factor of at least 0.1)


def test_surface_targets_follow_the_formula_and_noise_goes_to_y():
    X, y = make_dataset("surface", n=100, noise=0.0)
    np.testing.assert_allclose(y, np.sin(np.pi * X[:, 0]) * np.cos(np.pi * X[:, 1] / 2))
    X2, y2 = make_dataset("surface", n=100, noise=0.3)
    np.testing.assert_array_equal(X, X2)  # noise changes the targets, not the inputs
    assert 0.2 < np.std(y2 - y) < 0.4


def test_saddle_targets_follow_the_formula_and_noise_goes_to_y():
    X, y = make_dataset("saddle", n=200, noise=0.0, seed=1)
    np.testing.assert_allclose(y, X[:, 0] ** 2 - X[:, 1] ** 2)
    assert y.min() < -0.5 and y.max() > 0.5  # both sides of the saddle are drawn
    X2, y2 = make_dataset("saddle", n=200, noise=0.2, seed=1)
    np.testing.assert_array_equal(X, X2)
    assert 0.1 < np.std(y2 - y) < 0.3


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: make_dataset("spiral"), "name"),
        (lambda: make_dataset("spirals", n=1), "n"),
        (lambda: make_dataset("spirals", n=100_001), "n"),
        (lambda: make_dataset("spirals", noise=-0.1), "noise"),
        (lambda: make_dataset("spirals", noise=float("nan")), "noise"),
        (lambda: make_dataset("spirals", arms=1), "arms"),
        (lambda: make_dataset("spirals", arms=7), "arms"),
        (lambda: make_dataset("gaussian", classes=0), "classes"),
        (lambda: make_dataset("gaussian", n=3, classes=4), "n"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must"):
        call()


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="spirals, circles, xor, gaussian, moons, surface"):
        make_dataset("swiss_roll")


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: make_dataset("spirals", n=10.5), "n"),
        (lambda: make_dataset("spirals", arms=2.0), "arms"),
        (lambda: make_dataset("spirals", noise="lots"), "noise"),
        (lambda: make_dataset("circles", arms=3), "arms"),
    ],
)
def test_wrong_types_raise_type_error_naming_them(call, argument):
    with pytest.raises(TypeError, match=argument):
        call()


def test_split_sizes_and_disjointness():
    X, y = make_dataset("spirals", n=200, arms=4)
    X_tr, y_tr, X_va, y_va, X_te, y_te = train_val_test_split(X, y, val=0.2, test=0.1, seed=1)
    assert (len(X_tr), len(X_va), len(X_te)) == (140, 40, 20)
    assert len(y_tr) == 140 and len(y_va) == 40 and len(y_te) == 20
    rows = np.concatenate([X_tr, X_va, X_te])
    assert len(np.unique(rows, axis=0)) == 200  # every point exactly once
    np.testing.assert_array_equal(np.sort(rows, axis=0), np.sort(X, axis=0))


def test_split_keeps_class_proportions():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [300, 100, 50])
    X = rng.standard_normal((450, 2))
    _, y_tr, _, y_va, _, y_te = train_val_test_split(X, y, val=0.2, test=0.2, seed=0)
    for part in (y_tr, y_va, y_te):
        share = np.bincount(part, minlength=3) / len(part)
        np.testing.assert_allclose(share, [300 / 450, 100 / 450, 50 / 450], atol=0.01)


def test_split_without_stratify_can_miss_a_rare_class():
    y = np.array([1] + [0] * 99)
    X = np.arange(100.0)[:, None]
    missing = 0
    for seed in range(20):
        _, _, _, y_va, _, _ = train_val_test_split(X, y, val=0.1, seed=seed, stratify=False)
        missing += 1 not in y_va
    assert missing > 10  # plain shuffling leaves the one positive in training most times
    _, y_tr, _, _, _, _ = train_val_test_split(X, y, val=0.5, seed=0)
    assert 1 in y_tr  # stratified: each class keeps at least one training point


def test_split_of_float_targets_is_a_plain_shuffle_and_is_seeded():
    X, y = make_dataset("surface", n=50, noise=0.0)
    first = train_val_test_split(X, y, val=0.3, seed=4)
    second = train_val_test_split(X, y, val=0.3, seed=4)
    assert len(first[0]) == 35 and len(first[2]) == 15 and len(first[4]) == 0
    assert first[4].shape == (0, 2)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    X_tr, y_tr, X_va, y_va = first[:4]
    for X_part, y_part in ((X_tr, y_tr), (X_va, y_va)):  # rows and targets stay paired
        np.testing.assert_allclose(
            y_part, np.sin(np.pi * X_part[:, 0]) * np.cos(np.pi * X_part[:, 1] / 2)
        )


@pytest.mark.parametrize(
    ("kw", "argument"),
    [
        ({"val": 1.0}, "val"),
        ({"val": -0.1}, "val"),
        ({"test": 1.5}, "test"),
        ({"val": 0.6, "test": 0.5}, r"val \+ test"),
    ],
)
def test_split_bad_fractions(kw, argument):
    X, y = make_dataset("xor", n=20)
    with pytest.raises(ValueError, match=rf"^{argument} must"):
        train_val_test_split(X, y, **kw)


def test_split_rejects_mismatched_rows():
    with pytest.raises(ValueError, match="X and y"):
        train_val_test_split(np.zeros((5, 2)), np.zeros(4, dtype=int))


def test_standardise_leaves_constant_columns_at_zero_without_warning():
    X = np.column_stack([np.arange(5.0), np.full(5, 3.0)])
    with np.errstate(all="raise"):
        Z = standardise(X)
    np.testing.assert_allclose(Z.mean(axis=0), [0, 0], atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), [1, 0])


@pytest.mark.parametrize(
    ("name", "shape", "k"),
    [
        ("digits", (1797, 64), 10),
        ("iris", (150, 4), 3),
        ("wine", (178, 13), 3),
        ("breast_cancer", (569, 30), 2),
    ],
)
def test_real_datasets_are_standardised(name, shape, k):
    assert name in REAL_DATASETS
    X, y = load_real(name)
    assert X.shape == shape and X.dtype == np.float64
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(k))
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-10)
    std = X.std(axis=0)
    assert np.all((np.abs(std - 1) < 1e-10) | (std == 0))
    if name == "digits":
        assert np.sum(std == 0) >= 1  # digits has blank corner pixels: left at 0, not NaN
    assert np.all(np.isfinite(X))


def test_unknown_real_dataset_names_the_argument():
    with pytest.raises(ValueError, match="^name must be one of digits, iris, wine, breast_cancer"):
        load_real("mnist")
