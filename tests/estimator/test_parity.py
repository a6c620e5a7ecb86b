"""Where grids copied from scikit-learn used to break: schedules, lbfgs, sample_weight, init."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import neural_network
from sklearn.datasets import load_diabetes, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuronlab import MLPClassifier, MLPRegressor
from neuronlab.engine.network import Network
from neuronlab.engine.training import Trainer


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=200, noise=0.15, random_state=0)


def quiet(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def test_a_misspelt_argument_names_the_public_class():
    for make in (MLPClassifier, MLPRegressor):
        with pytest.raises(TypeError, match=rf"{make.__name__}\.__init__\(\) got an unexpected"):
            make(learning_rat=0.1)


def test_a_grid_copied_from_scikit_learn_runs(moons):
    X, y = moons
    grid = {
        "learning_rate": ["constant", "invscaling", "adaptive"],
        "power_t": [0.5],
        "solver": ["sgd", "lbfgs"],
        "learning_rate_init": [0.1],
    }
    search = quiet(GridSearchCV(MLPClassifier((8,), max_iter=60, random_state=0), grid, cv=3), X, y)
    assert len(search.cv_results_["params"]) == 6
    assert search.best_score_ > 0.85


def engine_twin(X, y, seed):
    """The engine network an estimator with init="he" and random_state=seed starts from."""
    return Network([2, 5, 2], "tanh", "softmax", seed=np.random.default_rng(seed))


def test_invscaling_sets_the_rate_after_every_epoch_as_scikit_learn(moons):
    X, y = moons
    rate, power_t = 0.5, 0.25
    model = MLPClassifier((5,), activation="tanh", solver="sgd", momentum=0.0, alpha=0.0,
                          learning_rate="invscaling", learning_rate_init=rate, power_t=power_t,
                          batch_size=len(X), shuffle=False, max_iter=3, random_state=4,
                          init="he")  # fmt: skip
    quiet(model, X, y)
    network = engine_twin(X, y, 4)
    Y = np.eye(2)[y]
    for epoch in range(3):
        seen = epoch * len(X)  # η = η₀ / (t + 1)^power_t, t the samples seen so far
        eta = rate if epoch == 0 else rate / (seen + 1) ** power_t
        network.forward(X)
        network.backward(Y)
        network.params -= eta * network.grads
    for mine, theirs in zip(model.coefs_ + model.intercepts_, network.W + network.b, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_adaptive_divides_the_rate_by_five_instead_of_stopping(moons, capsys):
    X, y = moons
    settings = dict(hidden_layer_sizes=(4,), solver="sgd", tol=100.0, n_iter_no_change=2,
                    random_state=0, max_iter=40)  # fmt: skip
    constant = quiet(MLPClassifier(**settings), X, y)
    adaptive = quiet(MLPClassifier(**settings, learning_rate="adaptive", verbose=True), X, y)
    assert constant.n_iter_ == 4  # tol=100: no epoch improves, so 2 + 1 + 1 epochs
    # adaptive: at each stall a rate above 1e-6 is divided by 5 (0.001 down to 1.6e-6: five
    # times), and training goes on for 3 more epochs; at 3.2e-7 it stops
    assert adaptive.n_iter_ == 4 + 5 * 3
    assert capsys.readouterr().out.count("Setting learning rate to") == 5
    theirs = quiet(neural_network.MLPClassifier(**settings, learning_rate="adaptive"), X, y)
    assert adaptive.n_iter_ == theirs.n_iter_


def test_lbfgs_trains_the_flat_parameters_through_scipy(moons):
    X, y = moons
    model = quiet(MLPClassifier((16,), solver="lbfgs", max_iter=300, random_state=0), X, y)
    assert model.score(X, y) > 0.97
    assert model.loss_ == pytest.approx(model.loss_curve_[-1])
    assert model.n_iter_ == len(model.loss_curve_) <= 300
    assert model.loss_curve_[-1] < 0.5 * model.loss_curve_[0]
    assert not hasattr(model, "partial_fit")  # as scikit-learn: lbfgs is not stochastic
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        MLPRegressor((8,), solver="lbfgs", max_iter=3, random_state=0).fit(X, y.astype(float))


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_a_zero_weight_is_a_row_left_out(moons, solver):
    X, y = moons
    keep = np.arange(len(X)) % 3 != 0
    settings = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=30, random_state=0,
                    batch_size=len(X), shuffle=False)  # fmt: skip
    weighted = quiet(MLPClassifier(**settings), X, y, sample_weight=keep.astype(float))
    settings["batch_size"] = int(keep.sum())
    dropped = quiet(MLPClassifier(**settings), X[keep], y[keep])
    np.testing.assert_allclose(weighted.predict_proba(X), dropped.predict_proba(X), atol=1e-9)
    assert weighted.loss_curve_ == pytest.approx(dropped.loss_curve_)


def test_sample_weight_in_partial_fit_and_bad_weights_named(moons):
    X, y = moons
    heavy = np.where(y == 1, 10.0, 1.0)
    model = MLPClassifier((8,), random_state=0, learning_rate_init=0.01)
    for _ in range(5):
        model.partial_fit(X, y, sample_weight=heavy, classes=[0, 1])
    plain = MLPClassifier((8,), random_state=0, learning_rate_init=0.01)
    for _ in range(5):
        plain.partial_fit(X, y, classes=[0, 1])
    # class 1 weighs ten times more, so the weighted model leans towards it
    assert model.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()
    for bad, message in (([1.0] * 3, "sample_weight must have shape"),
                         (-heavy, "non-negative"), (0 * heavy, "all zero")):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            MLPClassifier((4,), max_iter=2).fit(X, y, sample_weight=bad)


def test_the_loss_curve_is_the_mean_of_the_minibatch_losses(moons):
    X, y = moons
    model = MLPClassifier((5,), activation="tanh", solver="sgd", momentum=0.0, alpha=0.0,
                          learning_rate_init=0.3, batch_size=50, shuffle=False, max_iter=1,
                          random_state=2, init="he")  # fmt: skip
    quiet(model, X, y)
    network = engine_twin(X, y, 2)
    Y = np.eye(2)[y]
    losses = []
    for i in range(0, len(X), 50):  # each batch's loss at the weights it was trained with
        losses.append(network.loss(X[i : i + 50], Y[i : i + 50]))
        network.forward(X[i : i + 50])
        network.backward(Y[i : i + 50])
        network.params -= 0.3 * network.grads
    assert model.loss_curve_ == [pytest.approx(np.mean(losses))]
    right = model.accuracy_curve_[0]
    assert 0.0 < right <= 1.0


def test_fit_makes_no_pass_over_the_training_set_per_epoch(moons, monkeypatch):
    def refuse(*args):
        raise AssertionError("an end-of-epoch evaluation pass ran")

    monkeypatch.setattr(Trainer, "_evaluate", refuse)
    X, y = moons
    model = quiet(MLPClassifier((8,), max_iter=20, random_state=0), X, y)
    assert len(model.loss_curve_) == len(model.accuracy_curve_) == 20


def test_diabetes_r2_within_0_05_of_scikit_learn_at_the_same_settings():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    settings = dict(hidden_layer_sizes=(64, 32), solver="adam", learning_rate_init=1e-2,
                    batch_size=32, random_state=0)  # fmt: skip
    scores = {}
    for name, model in (("ours", MLPRegressor(**settings)),
                        ("sklearn", neural_network.MLPRegressor(**settings))):  # fmt: skip
        pipeline = quiet(make_pipeline(StandardScaler(), model), X_train, y_train)
        scores[name] = pipeline.score(X_test, y_test)
    assert scores["ours"] >= scores["sklearn"] - 0.05
    # the engine's own He start (biases at zero) is still there, and documented, as init="he"
    he = quiet(
        make_pipeline(StandardScaler(), MLPRegressor(**settings, init="he")), X_train, y_train
    )
    assert he.score(X_test, y_test) < scores["ours"]


def test_glorot_init_draws_scikit_learns_bounds():
    X = np.zeros((4, 10))
    model = quiet(MLPClassifier((30,), activation="logistic", max_iter=1, random_state=0,
                                learning_rate_init=1e-12), X, [0, 1, 2, 0])  # fmt: skip
    first = np.sqrt(2.0 / (10 + 30))  # logistic: factor 2; the others 6
    assert np.abs(model.coefs_[0]).max() <= first and np.abs(model.coefs_[0]).max() > 0.9 * first
    assert np.abs(model.intercepts_[0]).max() > 0  # biases drawn too, as scikit-learn


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(MLPClassifier, neural_network.MLPClassifier), (MLPRegressor, neural_network.MLPRegressor)],
)
def test_every_scikit_learn_parameter_is_accepted_with_its_default(ours, theirs):
    mine, sklearns = ours().get_params(), theirs().get_params()
    assert set(sklearns) <= set(mine), set(sklearns) - set(mine)
    assert {name: mine[name] for name in sklearns} == sklearns


def test_the_regressors_loss_takes_squared_error_and_names_what_it_lacks(moons):
    X, _ = moons
    y = X[:, 0] - X[:, 1]
    settings = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    plain = quiet(MLPRegressor(**settings), X, y)
    named = quiet(MLPRegressor(loss="squared_error", **settings), X, y)
    np.testing.assert_array_equal(plain.predict(X), named.predict(X))
    search = quiet(GridSearchCV(MLPRegressor(**settings), {"loss": ["squared_error"]}, cv=2), X, y)
    assert search.best_params_ == {"loss": "squared_error"}
    with pytest.raises(ValueError, match=r'loss must be "squared_error".*got .poisson.'):
        MLPRegressor(loss="poisson", **settings).fit(X, y)
