"""neuronlab.save / neuronlab.load: a fitted estimator or pipeline round-trips, without pickle."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_wine, make_moons, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import neuronlab
from neuronlab import MLPClassifier, MLPRegressor
from neuronlab.engine import serialise


def fitted(model, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kwargs)


def test_a_classifier_with_string_labels_round_trips_every_fitted_attribute(tmp_path):
    X, y = make_moons(n_samples=120, noise=0.2, random_state=0)
    labels = np.array(["left", "right"])[y]
    model = fitted(MLPClassifier((8,), max_iter=20, random_state=0, early_stopping=True), X, labels)
    path = neuronlab.save(model, tmp_path / "moons")
    assert path.suffix == ".npz"
    twin = neuronlab.load(path)
    assert type(twin) is MLPClassifier
    assert twin.get_params() == model.get_params()
    assert (
        twin.classes_.tolist() == ["left", "right"] and twin.classes_.dtype == model.classes_.dtype
    )
    for name in ("n_iter_", "t_", "loss_curve_", "loss_", "best_loss_", "validation_scores_",
                 "best_validation_score_", "accuracy_curve_", "n_layers_", "n_outputs_",
                 "out_activation_", "n_features_in_"):  # fmt: skip
        assert getattr(twin, name) == getattr(model, name), name
    np.testing.assert_array_equal(twin.predict(X), model.predict(X))
    np.testing.assert_array_equal(twin.predict_proba(X), model.predict_proba(X))
    twin.set_params(early_stopping=False).partial_fit(X, labels)  # it goes on learning
    assert twin.n_iter_ == model.n_iter_ + 1


def test_load_takes_the_name_save_was_given(tmp_path):
    # save("model") writes model.npz, as numpy does; load("model") finds it again
    X, y = make_moons(n_samples=60, noise=0.2, random_state=0)
    model = fitted(MLPClassifier((4,), max_iter=5, random_state=0), X, y)
    assert neuronlab.save(model, tmp_path / "model") == tmp_path / "model.npz"
    np.testing.assert_array_equal(neuronlab.load(tmp_path / "model").predict(X), model.predict(X))
    with pytest.raises(ValueError, match="does not exist"):
        neuronlab.load(tmp_path / "other")


def test_the_file_is_npz_and_json_that_loads_without_pickle(tmp_path):
    X, y = make_regression(n_samples=80, n_features=3, random_state=0)
    model = fitted(MLPRegressor((6,), max_iter=5, random_state=0), X, y / y.std())
    path = neuronlab.save(model, tmp_path / "reg.npz")
    with np.load(path, allow_pickle=False) as data:  # no object arrays anywhere
        meta = json.loads(data["meta"].tobytes().decode())
    assert meta["metadata"]["estimator"]["class"] == "MLPRegressor"
    network, metadata = serialise.load(path)  # the lab's and `predict`'s view of it
    assert network.layer_sizes == [3, 6, 1]
    np.testing.assert_array_equal(neuronlab.load(path).predict(X), model.predict(X))
    assert neuronlab.load(path).predict(X).shape == (80,)


def test_a_pipeline_predicts_on_raw_inputs_after_loading(tmp_path):
    X, y = load_wine(return_X_y=True)
    pipeline = fitted(
        make_pipeline(
            StandardScaler(), MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
        ),
        X,
        y,
    )
    twin = neuronlab.load(neuronlab.save(pipeline, tmp_path / "wine.npz"))
    assert isinstance(twin, Pipeline)
    np.testing.assert_allclose(twin.predict_proba(X), pipeline.predict_proba(X))
    assert twin.score(X, y) == pipeline.score(X, y) > 0.95
    # what the lab and `neuronlab predict` read: the scaling as one mean and scale
    _, metadata = serialise.load(tmp_path / "wine.npz")
    np.testing.assert_allclose(metadata["scaling"]["mean"], X.mean(axis=0))
    assert metadata["class_labels"] == [0, 1, 2]


def test_what_cannot_be_saved_without_pickle_is_refused_in_words(tmp_path):
    X, y = make_moons(n_samples=60, random_state=0)
    with pytest.raises(ValueError, match="unfitted MLPClassifier"):
        neuronlab.save(MLPClassifier(), tmp_path / "m.npz")
    with pytest.raises(ValueError, match="MinMaxScaler"):
        neuronlab.save(fitted(make_pipeline(MinMaxScaler(), MLPClassifier((4,), max_iter=2)), X, y),
                       tmp_path / "m.npz")  # fmt: skip
    with pytest.raises(TypeError, match="model must be a Network"):
        neuronlab.save(StandardScaler().fit(X), tmp_path / "m.npz")
    with pytest.raises(ValueError, match="metadata is only for a Network"):
        neuronlab.save(fitted(MLPClassifier((4,), max_iter=2), X, y), tmp_path / "m", {"a": 1})


def test_a_search_is_refused_with_the_way_to_save_its_best_model(tmp_path):
    from sklearn.model_selection import GridSearchCV

    X, y = make_moons(n_samples=60, random_state=0)
    search = fitted(GridSearchCV(MLPClassifier((4,), max_iter=5, random_state=0),
                                 {"alpha": [1e-4, 1e-2]}, cv=2), X, y)  # fmt: skip
    with pytest.raises(TypeError, match=r"GridSearchCV.*save its best_estimator_"):
        neuronlab.save(search, tmp_path / "m.npz")
    neuronlab.save(search.best_estimator_, tmp_path / "m.npz")  # as the message says
    np.testing.assert_array_equal(neuronlab.load(tmp_path / "m.npz").predict(X), search.predict(X))


def test_a_network_still_saves_with_its_metadata(tmp_path):
    network = neuronlab.Network([2, 3, 2], seed=0)
    path = neuronlab.save(network, tmp_path / "net", {"note": "hello"})
    loaded, metadata = neuronlab.engine.load(path)
    assert metadata == {"note": "hello"}
    np.testing.assert_array_equal(loaded.params, network.params)
    model = neuronlab.load(path)  # a bare network loads as an estimator on its classes 0..k-1
    assert model.classes_.tolist() == [0, 1]
    np.testing.assert_array_equal(model.predict_proba(np.eye(2)), network.predict_proba(np.eye(2)))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda record: record.pop("classes"), "does not name 3 classes"),
        (lambda record: record["classes"]["values"].pop(), "does not name 3 classes"),
        (lambda record: record.update({"class": "MLPRegressor"}), "does not match"),
        (lambda record: record["params"].update({"hidden_layer_sizes": [4]}), "does not match"),
        (lambda record: record["params"].update({"activation": "swish"}), "activation"),
    ],
)
def test_a_record_that_does_not_fit_its_network_is_refused(tmp_path, change, words):
    X, y = load_wine(return_X_y=True)
    model = fitted(MLPClassifier((8,), max_iter=3, random_state=0), X, y)
    path = neuronlab.save(model, tmp_path / "model.npz")
    network, metadata = serialise.load(path)
    change(metadata["estimator"])
    forged = serialise.save(network, tmp_path / "forged.npz", metadata)
    with pytest.raises(ValueError, match=words):
        neuronlab.load(forged)
