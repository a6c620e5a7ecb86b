"""MLPClassifier and MLPRegressor: scikit-learn's own checks, learning, and the contract."""

from __future__ import annotations

import doctest
import pickle
import warnings

import numpy as np
import pytest
from sklearn import neural_network
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_moons,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from neuronlab import MLPClassifier, MLPRegressor
from neuronlab.engine.network import Network
from neuronlab.estimator import classifier, regressor


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=200, noise=0.15, random_state=0)


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=200, n_features=4, noise=1.0, random_state=0)
    return X, y / y.std()


def quiet(model, *args, **kwargs):
    """Fit, ignoring the ConvergenceWarning that short runs raise on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def assert_same_weights(first, second):
    """Bit for bit: every weight matrix and bias vector."""
    pairs = zip(first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_, strict=True)
    for a, b in pairs:
        assert a.dtype == b.dtype and np.array_equal(a, b)


# ------------------------------------------------------------------- scikit-learn's checks
# Default instances (what check_estimator is about) plus other solvers and activations.
# No check is marked as expected to fail.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [
        MLPClassifier(),
        MLPRegressor(),
        MLPClassifier(solver="sgd", activation="tanh", l1=1e-4),
        MLPRegressor(solver="rmsprop", activation="leaky_relu"),
        MLPClassifier(solver="lbfgs"),
        MLPRegressor(solver="lbfgs"),
        MLPRegressor(max_iter=50),
    ],
)
def test_scikit_learn_check(estimator, check):
    check(estimator)


PUBLIC_METHODS = {
    MLPClassifier: ("fit", "partial_fit", "predict", "predict_proba", "predict_log_proba"),
    MLPRegressor: ("fit", "partial_fit", "predict"),
}


def test_docstring_examples_run():
    # testmod(module) collects only what the module defines, not what it re-exports, so run
    # the modules that define the estimators: their class and method examples all run.
    results = [doctest.testmod(module, verbose=False) for module in (classifier, regressor)]
    assert sum(result.failed for result in results) == 0
    assert sum(result.attempted for result in results) >= 76  # a lost example fails this
    for make, methods in PUBLIC_METHODS.items():
        for name in methods:
            assert ">>> " in getattr(make, name).__doc__, f"{make.__name__}.{name} has no example"


def test_docstrings_list_every_fitted_attribute(moons):
    X, y = moons
    for make in (MLPClassifier, MLPRegressor):
        model = quiet(make((4,), max_iter=2, random_state=0), X, y)
        fitted = [name for name in vars(model) if name.endswith("_") and name[0] != "_"]
        attributes = model.__doc__.split("Attributes\n")[1].split("Examples\n")[0]
        assert "{" not in model.__doc__.replace('{"', "")  # every placeholder was filled
        for name in fitted:
            assert f"\n    {name} : " in attributes, f"{make.__name__} does not document {name}"
        assert f'Always "{model.out_activation_}"' in attributes


# ------------------------------------------------------------------------------ learning
def test_digits_held_out_accuracy_at_least_95_percent():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    model = MLPClassifier(hidden_layer_sizes=(64,), random_state=0)
    quiet(model, scaler.transform(X_train), y_train)
    assert model.score(scaler.transform(X_test), y_test) >= 0.95
    assert model.classes_.tolist() == list(range(10))
    assert model.n_outputs_ == 10


def test_binary_string_labels_use_a_two_unit_softmax(moons):
    X, y = moons
    labels = np.array(["circle", "square"])[y]
    model = quiet(MLPClassifier((16, 16), learning_rate_init=0.01, random_state=0), X, labels)
    assert model.classes_.tolist() == ["circle", "square"]
    assert model.n_outputs_ == 2 and model.out_activation_ == "softmax"
    assert [W.shape for W in model.coefs_] == [(2, 16), (16, 16), (16, 2)]
    assert model.n_layers_ == 4
    assert set(model.predict(X)) == {"circle", "square"}
    assert model.score(X, labels) > 0.95
    proba = model.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba)
    assert (model.predict(X) == model.classes_[proba.argmax(axis=1)]).all()


def test_regressor_keeps_the_shape_of_y(regression):
    X, y = regression
    one = quiet(MLPRegressor((32,), learning_rate_init=0.01, random_state=0), X, y)
    assert one.predict(X).shape == (200,)
    assert one.score(X, y) > 0.95
    Y = np.column_stack([y, -2 * y])
    two = quiet(MLPRegressor((32,), learning_rate_init=0.01, random_state=0), X, Y)
    assert two.predict(X).shape == (200, 2) and two.n_outputs_ == 2
    assert two.score(X, Y) > 0.95
    column = quiet(MLPRegressor((8,), max_iter=5, random_state=0), X, y[:, None])
    assert column.predict(X).shape == (200, 1)


def test_float32_input_trains_a_float32_network(moons):
    X, y = moons
    single = quiet(MLPClassifier((8,), max_iter=5, random_state=0), X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in single.coefs_)
    assert single.predict_proba(X).dtype == np.float32
    double = quiet(MLPClassifier((8,), max_iter=5, random_state=0), X.astype(np.int64), y)
    assert all(W.dtype == np.float64 for W in double.coefs_)


# ------------------------------------------------------------------ drop-in for sklearn
def test_pipeline_and_grid_search_pick_a_sensible_model():
    X, y = load_iris(return_X_y=True)
    pipeline = make_pipeline(
        StandardScaler(), MLPClassifier(max_iter=100, learning_rate_init=0.01, random_state=0)
    )
    grid = GridSearchCV(
        pipeline,
        {"mlpclassifier__hidden_layer_sizes": [(2,), (16,)], "mlpclassifier__alpha": [1e-4]},
        cv=3,
    )
    quiet(grid, X, y)
    assert grid.best_params_["mlpclassifier__hidden_layer_sizes"] == (16,)
    assert grid.best_score_ > 0.9
    assert grid.predict(X).shape == (150,)


@pytest.mark.parametrize("load", [load_wine, load_breast_cancer])
def test_same_kind_of_answer_as_scikit_learn_in_the_same_pipeline(load):
    X, y = load(return_X_y=True)
    scores = {}
    for name, mlp in (
        ("neuronlab", MLPClassifier((16,), learning_rate_init=0.01, random_state=0)),
        ("sklearn", neural_network.MLPClassifier((16,), learning_rate_init=0.01, random_state=0)),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            folds = cross_val_score(make_pipeline(StandardScaler(), mlp), X, y, cv=5)
        scores[name] = folds.mean()
    assert scores["neuronlab"] > 0.95
    assert scores["neuronlab"] >= scores["sklearn"] - 0.03


# ---------------------------------------------------------------------- the training rule
def test_one_sgd_epoch_is_one_engine_step_with_alpha_over_batch_size(moons):
    """solver="sgd" with momentum 0 is plain gradient descent; alpha reaches the engine / n."""
    X, y = moons
    alpha, rate = 0.5, 0.1
    model = MLPClassifier(
        (5,),
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        alpha=alpha,
        learning_rate_init=rate,
        batch_size=len(X),
        shuffle=False,
        max_iter=1,
        random_state=3,
        init="he",
    )
    quiet(model, X, y)

    network = Network([2, 5, 2], "tanh", "softmax", seed=np.random.default_rng(3))
    start = network.params.copy()
    network.forward(X)
    network.backward(np.eye(2)[y], l2=alpha / len(X))
    network.params -= rate * network.grads  # eq. 9
    for mine, theirs in zip(model.coefs_ + model.intercepts_, network.W + network.b, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)
    # the loss curve is the mean of the epoch's minibatch losses (one batch here: the loss
    # at the starting weights), plus the penalty of the weights at the end of the epoch
    penalty = 0.5 * alpha / len(X) * sum(float((W**2).sum()) for W in network.W)
    end = network.params.copy()
    network.params[...] = start
    assert model.loss_curve_[0] == pytest.approx(network.loss(X, np.eye(2)[y]) + penalty)
    assert model.loss_ == model.loss_curve_[-1]
    network.params[...] = end


def test_momentum_changes_the_sgd_run(moons):
    X, y = moons
    runs = [
        quiet(MLPClassifier((5,), solver="sgd", momentum=m, max_iter=3, random_state=0), X, y)
        for m in (0.0, 0.9)
    ]
    assert not np.array_equal(runs[0].coefs_[0], runs[1].coefs_[0])


def test_stops_like_scikit_learn_when_the_loss_stalls(moons):
    X, y = moons
    settings = dict(hidden_layer_sizes=(4,), tol=100.0, n_iter_no_change=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = MLPClassifier(**settings).fit(X, y)
        theirs = neural_network.MLPClassifier(**settings).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 5  # no gain > tol for more than 3 epochs
    assert len(ours.loss_curve_) == 5
    assert ours.best_loss_ == min(ours.loss_curve_)


def test_convergence_warning_when_max_iter_is_reached(moons):
    X, y = moons
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        model = MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)
    assert model.n_iter_ == 3 and model.t_ == 3 * len(X)


def test_same_random_state_gives_bit_identical_weights(moons, regression):
    for make, (X, y) in ((MLPClassifier, moons), (MLPRegressor, regression)):
        runs = [quiet(make((8, 8), max_iter=10, random_state=s), X, y) for s in (7, 7, 8)]
        assert_same_weights(runs[0], runs[1])
        assert runs[0].loss_curve_ == runs[1].loss_curve_
        assert not np.array_equal(runs[0].coefs_[0], runs[2].coefs_[0])


def test_early_stopping_restores_the_best_epoch():
    X, y = make_moons(n_samples=300, noise=0.35, random_state=1)
    settings = dict(
        hidden_layer_sizes=(64, 64),
        learning_rate_init=0.01,
        early_stopping=True,
        validation_fraction=0.3,
        random_state=0,
    )
    model = quiet(MLPClassifier(**settings, n_iter_no_change=15), X, y)
    best_epoch = int(np.argmax(model.validation_scores_)) + 1
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.best_loss_ is None
    assert best_epoch < model.n_iter_  # training went past the best epoch, then stopped

    # The same run cut at the best epoch must hold exactly the weights that were restored.
    cut = quiet(MLPClassifier(**settings, n_iter_no_change=1000, max_iter=best_epoch), X, y)
    assert cut.n_iter_ == best_epoch
    assert_same_weights(model, cut)
    # ...and the weights of the last epoch were worse, so restoring changed the model
    assert model.validation_scores_[-1] < model.best_validation_score_


# --------------------------------------------------------------------------- partial_fit
def test_partial_fit_epochs_match_fit_epochs(moons):
    X, y = moons
    stepped = MLPClassifier((8,), random_state=0)
    for _ in range(4):
        stepped.partial_fit(X, y, classes=[0, 1])
    fitted = quiet(MLPClassifier((8,), max_iter=4, random_state=0), X, y)
    assert stepped.n_iter_ == 4 and stepped.t_ == 4 * len(X)
    assert_same_weights(stepped, fitted)
    assert stepped.loss_curve_ == fitted.loss_curve_


def test_partial_fit_learns_in_chunks_and_checks_labels(moons):
    X, y = moons
    model = MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes"):
        model.partial_fit(X, y)
    for _ in range(30):
        for chunk in np.array_split(np.arange(len(X)), 4):
            model.partial_fit(X[chunk], y[chunk], classes=np.array([0, 1, 2]))
    assert model.classes_.tolist() == [0, 1, 2]  # a class not seen yet keeps its unit
    assert model.score(X, y) > 0.9
    with pytest.raises(ValueError, match="not among the classes"):
        model.partial_fit(X[:5], np.full(5, 7))
    with pytest.raises(ValueError, match="classes"):
        model.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="2 features"):
        model.partial_fit(X[:, :1], y)


def test_regressor_partial_fit_lowers_the_loss(regression):
    X, y = regression
    model = MLPRegressor((16,), batch_size=20, random_state=0)
    for _ in range(20):
        model.partial_fit(X, y)
    assert model.loss_curve_[-1] < 0.5 * model.loss_curve_[0]
    with pytest.raises(ValueError, match="target column"):
        model.partial_fit(X, np.column_stack([y, y]))


def test_warm_start_continues_from_the_last_weights(moons):
    X, y = moons
    model = quiet(MLPClassifier((8,), max_iter=5, random_state=0), X, y)
    first = [W.copy() for W in model.coefs_]
    model.set_params(warm_start=True, max_iter=1)
    quiet(model, X, y)
    fresh = quiet(MLPClassifier((8,), max_iter=1, random_state=0), X, y)
    assert len(model.loss_curve_) == 6
    assert not np.array_equal(model.coefs_[0], fresh.coefs_[0])
    assert not np.array_equal(model.coefs_[0], first[0])


def test_pickle_keeps_the_model_and_its_views(moons):
    X, y = moons
    model = quiet(MLPClassifier((8,), max_iter=5, random_state=0), X, y)
    twin = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(twin.predict_proba(X), model.predict_proba(X))
    twin.coefs_[0][...] = 0.0  # coefs_ are views: editing them edits the model
    assert not np.array_equal(twin.predict_proba(X), model.predict_proba(X))
    twin.partial_fit(X, y)
    assert twin.n_iter_ == 6


def test_verbose_prints_each_epoch(moons, capsys):
    X, y = moons
    quiet(MLPClassifier((4,), max_iter=2, verbose=True, random_state=0), X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "Iteration 2, loss = " in out


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("params", "error", "name"),
    [
        ({"learning_rate_init": -0.1}, ValueError, "learning_rate_init"),
        ({"learning_rate_init": "fast"}, TypeError, "learning_rate_init"),
        ({"hidden_layer_sizes": (0,)}, ValueError, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (8, 2.5)}, TypeError, "hidden_layer_sizes"),
        ({"activation": "swish"}, ValueError, "activation"),
        ({"activation": ["relu"]}, ValueError, "activation"),
        ({"solver": "newton"}, ValueError, "solver"),
        ({"learning_rate": "optimal"}, ValueError, "learning_rate"),
        ({"power_t": -1.0}, ValueError, "power_t"),
        ({"max_fun": 0}, ValueError, "max_fun"),
        ({"init": "zeros"}, ValueError, "init"),
        ({"alpha": -1.0}, ValueError, "alpha"),
        ({"l1": -1.0}, ValueError, "l1"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": "big"}, ValueError, "batch_size"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"momentum": 1.5}, ValueError, "momentum"),
        ({"beta_2": 1.0}, ValueError, "beta_2"),
        ({"epsilon": 0.0}, ValueError, "epsilon"),
        ({"validation_fraction": 1.0}, ValueError, "validation_fraction"),
        ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change"),
        ({"shuffle": "yes"}, TypeError, "shuffle"),
        ({"random_state": -1}, ValueError, "random_state"),
    ],
)
def test_bad_parameters_name_themselves(moons, params, error, name):
    X, y = moons
    for make in (MLPClassifier, MLPRegressor):
        model = make(**params)  # __init__ stores, fit validates
        with pytest.raises(error, match=name):
            model.fit(X, y)


def test_bad_data_is_refused_with_the_argument_named(moons):
    X, y = moons
    model = MLPClassifier((4,), max_iter=2)
    with pytest.raises(ValueError, match="X has 200 samples but y has 199"):
        model.fit(X, y[:-1])
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.fit(X_nan, y)
    with pytest.raises(ValueError, match="y holds only one class"):
        model.fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="multilabel"):
        model.fit(X, np.column_stack([y, 1 - y]))
    with pytest.raises(ValueError, match="Unknown label type"):
        model.fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(NotFittedError):
        model.predict(X)
    quiet(model, X, y)
    with pytest.raises(ValueError, match="X has 3 features"):
        model.predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="early_stopping"):
        MLPRegressor(early_stopping=True).partial_fit(X, y)
    with pytest.raises(ValueError, match="y must hold numbers"):
        MLPRegressor(max_iter=2).fit(X, np.array(["a"] * len(X)))
    wide = quiet(MLPClassifier((16,), max_iter=2, random_state=0, init="he"), X, y)
    with pytest.raises(ValueError, match="too large for this network"):
        wide.predict_proba(np.full((2, 2), 1e308))  # no NaN probabilities


def test_divergence_asks_for_a_lower_learning_rate(regression):
    X, y = regression
    model = MLPRegressor((16,), solver="sgd", momentum=0.0, learning_rate_init=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow on the way to NaN
        with pytest.raises(ValueError, match="diverged.*lower learning_rate_init"):
            model.fit(X, 1e3 * y)
    with pytest.raises(NotFittedError):  # no half-trained NaN model is left behind
        model.predict(X)


def test_clone_keeps_parameters_verbatim():
    model = MLPClassifier(hidden_layer_sizes=[3, 4], activation="gelu", l1=0.01)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert copy.hidden_layer_sizes == [3, 4]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_courses_leaky_relu_is_an_activation_choice(moons):
    X, y = moons
    course = MLPClassifier(activation="leaky_relu_0.1", max_iter=5, random_state=0).fit(X, y)
    library = MLPClassifier(activation="leaky_relu", max_iter=5, random_state=0).fit(X, y)
    assert course._network.activation == "leaky_relu_0.1"
    assert library._network.activation == "leaky_relu"
    # the same start, different slopes: the runs part ways
    assert not np.allclose(course.coefs_[0], library.coefs_[0])
    with pytest.raises(ValueError, match="activation"):
        MLPClassifier(activation="leaky_relu_0.5").fit(X, y)


def test_a_pickled_estimator_goes_on_with_partial_fit_as_the_original_would():
    # Adam's moments travel with the pickle: one more partial_fit on the loaded copy gives the
    # weights the original gets from the same call
    import pickle

    X, y = make_moons(n_samples=80, noise=0.2, random_state=0)
    clf = MLPClassifier((8,), random_state=0, max_iter=5, shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    copy = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(X, y)
    copy.partial_fit(X, y)
    for ours, theirs in zip(copy.coefs_, clf.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)
