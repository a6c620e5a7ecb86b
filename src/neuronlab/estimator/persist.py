"""Save and load a fitted estimator (or a pipeline around one) as ``.npz`` with JSON; no pickle.

The file is the engine's own format (``engine/serialise.py``): the network's arrays and a
JSON document. What makes it an estimator rides in that document under ``"estimator"``: the
class, its parameters, its fitted attributes, its classes (with their dtype) and, for a
pipeline, the fitted scaler in front of it. So the lab's "Load model" and ``neuronlab
predict`` read it as a network, and ``load_model`` gives back something that predicts on the
raw inputs it was fitted on.

A model saved by ``neuronlab train`` holds no ``"estimator"`` section; ``load_model`` builds
one from what the command saved: the class labels, the input scaling (as a fitted
``StandardScaler`` in a pipeline) and the settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..engine.network import Network
from ..engine.serialise import input_scaling
from ..engine.serialise import load as load_network
from ..engine.serialise import save as save_network
from ._params import check_params, make_rng
from .classifier import MLPClassifier
from .regressor import MLPRegressor

ESTIMATORS = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}
# fitted attributes written as JSON (the weights are the network's arrays)
FITTED = (
    "n_iter_",
    "t_",
    "loss_curve_",
    "loss_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "accuracy_curve_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "n_features_in_",
)
SCALER_FITTED = ("mean_", "scale_", "var_")
# the engine's activation names -> the estimators' (scikit-learn's) names
ACTIVATION_FOR = {"sigmoid": "logistic"}


def save_model(model, path: str | os.PathLike) -> Path:
    """Write a fitted MLPClassifier / MLPRegressor, or a Pipeline of StandardScalers ending
    in one, to ``path`` (.npz). Returns the path written."""
    scalers, estimator = _split(model)
    record = {
        "class": type(estimator).__name__,
        "params": _json_params(estimator),
        "tuples": [k for k, v in estimator.get_params(deep=False).items() if isinstance(v, tuple)],
        "fitted": {
            name: _plain(getattr(estimator, name)) for name in FITTED if hasattr(estimator, name)
        },  # fmt: skip
        "scalers": [_scaler_record(name, scaler) for name, scaler in scalers],
        "estimator_name": model.steps[-1][0] if isinstance(model, Pipeline) else None,
    }
    if hasattr(estimator, "classes_"):
        record["classes"] = _labels(estimator.classes_)
    if hasattr(estimator, "_target_is_1d"):
        record["target_is_1d"] = bool(estimator._target_is_1d)
    names = getattr(scalers[0][1] if scalers else estimator, "feature_names_in_", None)
    if names is not None:
        record["feature_names_in_"] = [str(n) for n in names]
    metadata = {"estimator": record}
    if "classes" in record:  # what `neuronlab predict` prints for each class index
        metadata["class_labels"] = record["classes"]["values"]
    if scalers:  # what `neuronlab predict` and the lab read: the inputs' mean and scale
        metadata["scaling"] = _combined_scaling([s for _, s in scalers])
    return save_network(estimator._network, path, metadata)


def load_model(path: str | os.PathLike):
    """Read a model saved by ``save_model`` or by ``neuronlab train``.

    Returns a fitted MLPClassifier / MLPRegressor, or a Pipeline whose StandardScaler
    applies the saved input scaling: either way, ``predict`` takes raw inputs.
    """
    saved = Path(path)
    if (
        not saved.exists()
        and saved.suffix != ".npz"
        and saved.with_name(saved.name + ".npz").exists()
    ):
        path = saved.with_name(saved.name + ".npz")  # save("model") wrote model.npz, as numpy does
    network, metadata = load_network(path)
    record = metadata.get("estimator")
    if record is None:
        return _from_cli(network, metadata, str(path))
    if not isinstance(record, dict) or record.get("class") not in ESTIMATORS:
        raise ValueError(f"{str(path)!r} holds an estimator record that cannot be read")
    try:
        params = dict(record["params"])
        for name in record.get("tuples", []):  # JSON has lists only: (8,) comes back as (8,)
            params[name] = tuple(params[name])
        estimator = ESTIMATORS[record["class"]](**params)
        _restore(estimator, network, record.get("fitted", {}))
        if "classes" in record:
            estimator.classes_ = _unlabels(record["classes"])
        if "target_is_1d" in record:
            estimator._target_is_1d = bool(record["target_is_1d"])
        _check_matches(estimator, network)
        scalers = [(s["name"], _scaler(s)) for s in record.get("scalers", [])]
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(
            f"{str(path)!r} holds an estimator record that cannot be read: {error}"
        ) from None
    names = record.get("feature_names_in_")
    if names is not None:
        (scalers[0][1] if scalers else estimator).feature_names_in_ = np.array(names, object)
    if not scalers:
        return estimator
    return Pipeline([*scalers, (record.get("estimator_name") or "mlp", estimator)])


# --------------------------------------------------------------------------------- helpers
def _check_matches(estimator, network: Network) -> None:
    """A record must describe the network it came with: its parameters valid, its hidden
    widths and output layer the network's, and, for a classifier, one class per output."""
    widths = check_params(estimator)
    if widths != network.layer_sizes[1:-1] or network.output != estimator._output:
        raise ValueError(
            f"its {type(estimator).__name__} with hidden_layer_sizes={widths} does not match "
            f"the network it holds, {network.layer_sizes} with a {network.output} output"
        )
    if isinstance(estimator, MLPClassifier):
        classes = getattr(estimator, "classes_", None)
        if classes is None or len(classes) != network.layer_sizes[-1]:
            raise ValueError(f"it does not name {network.layer_sizes[-1]} classes")


def _split(model):
    """(scalers as (name, StandardScaler), the estimator) of a model; refuse anything else."""
    if isinstance(model, Pipeline):
        *front, (_, last) = model.steps
        for name, step in front:
            if not isinstance(step, StandardScaler):
                raise ValueError(
                    f"model's pipeline step {name!r} is a {type(step).__name__}; only "
                    "StandardScaler steps before the estimator can be saved without pickle"
                )
        scalers = list(front)
    else:
        last, scalers = model, []
    if not isinstance(last, MLPClassifier | MLPRegressor):
        best = " (a search: save its best_estimator_)" if hasattr(last, "best_estimator_") else ""
        raise TypeError(
            "model must be a Network, a fitted MLPClassifier or MLPRegressor, or a Pipeline "
            f"ending in one; got {type(last).__name__}{best}"
        )
    if not hasattr(last, "_network"):
        raise ValueError(f"model is an unfitted {type(last).__name__}: fit it before saving")
    return scalers, last


def _json_params(estimator) -> dict:
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        if name == "random_state" and not (value is None or isinstance(value, int)):
            value = None  # a RandomState's state is not data we keep
        params[name] = _plain(value)
    return params


def _plain(value):
    """NumPy scalars and arrays, tuples and lists as JSON values."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _labels(classes: np.ndarray) -> dict:
    return {"values": classes.tolist(), "dtype": classes.dtype.str if classes.dtype.kind != "O"
            else "object"}  # fmt: skip


def _unlabels(record: dict) -> np.ndarray:
    dtype = object if record["dtype"] == "object" else np.dtype(record["dtype"])
    return np.array(record["values"], dtype=dtype)


def _restore(estimator, network: Network, fitted: dict) -> None:
    """Make ``network`` the estimator's model, with its fitted attributes and no optimiser
    state (partial_fit after loading starts the solver's moments afresh)."""
    estimator._attach(network)
    for name, value in fitted.items():
        if name in FITTED:
            setattr(estimator, name, value)
    estimator.n_features_in_ = network.layer_sizes[0]
    estimator.n_layers_ = len(network.layer_sizes)
    estimator.n_outputs_ = network.layer_sizes[-1]
    estimator.out_activation_ = network.output
    estimator.__dict__.setdefault("n_iter_", 0)
    estimator.__dict__.setdefault("t_", 0)
    estimator.__dict__.setdefault("loss_curve_", [])
    for name in ("loss_", "best_loss_", "validation_scores_", "best_validation_score_"):
        estimator.__dict__.setdefault(name, None)
    estimator._optimizer = None
    estimator._rng = make_rng(estimator.random_state)
    estimator._no_improvement_count = 0


def _scaler_record(name: str, scaler: StandardScaler) -> dict:
    record = {"name": name, "params": _json_params(scaler)}
    for attribute in SCALER_FITTED:
        value = getattr(scaler, attribute, None)
        if value is not None:  # with_mean=False leaves mean_ None
            record[attribute] = value.tolist()
    record["n_samples_seen_"] = _plain(scaler.n_samples_seen_)
    return record


def _scaler(record: dict) -> StandardScaler:
    scaler = StandardScaler(**record.get("params", {}))
    for name in SCALER_FITTED:
        if name in record:
            setattr(scaler, name, np.asarray(record[name], dtype=float))
    scaler.n_features_in_ = len(record["scale_"] if "scale_" in record else record["mean_"])
    scaler.n_samples_seen_ = record.get("n_samples_seen_")
    return scaler


def _combined_scaling(scalers: list[StandardScaler]) -> dict:
    """One (mean, scale) doing what the StandardScalers do in turn: x ↦ (x − mean) / scale."""
    d = scalers[0].n_features_in_
    mean, scale = np.zeros(d), np.ones(d)
    for s in scalers:
        m = np.zeros(d) if s.mean_ is None else s.mean_
        c = np.ones(d) if s.scale_ is None else s.scale_
        mean, scale = mean + m * scale, scale * c  # ((x − mean)/scale − m)/c
    return {"mean": mean.tolist(), "scale": scale.tolist()}


def _from_cli(network: Network, metadata: dict, shown: str):
    """The estimator (and scaler) that a `neuronlab train` model stands for."""
    settings = metadata.get("settings") or {}
    classification = network.output == "softmax"
    make = MLPClassifier if classification else MLPRegressor
    params = {"hidden_layer_sizes": tuple(network.layer_sizes[1:-1]),
              "activation": ACTIVATION_FOR.get(network.activation, network.activation)}  # fmt: skip
    if isinstance(settings.get("learning_rate"), int | float):
        params["learning_rate_init"] = float(settings["learning_rate"])
    if isinstance(settings.get("batch_size"), int):
        params["batch_size"] = settings["batch_size"]
        if isinstance(settings.get("l2"), int | float):  # alpha = l2 · batch_size
            params["alpha"] = float(settings["l2"]) * settings["batch_size"]
    if isinstance(settings.get("epochs"), int):
        params["max_iter"] = settings["epochs"]
    if isinstance(settings.get("seed"), int):
        params["random_state"] = settings["seed"]
    optimizer = settings.get("optimizer")
    if optimizer in ("adam", "rmsprop"):
        params["solver"] = optimizer
    elif optimizer in ("sgd", "momentum"):
        params.update(solver="sgd", momentum=0.9 if optimizer == "momentum" else 0.0)
    try:
        estimator = make(**params)
    except TypeError:
        estimator = make()
    _restore(estimator, network, {"n_iter_": metadata.get("epochs_trained") or 0})
    if classification:
        labels = metadata.get("class_labels")
        if isinstance(labels, list) and len(labels) == network.layer_sizes[-1]:
            estimator.classes_ = np.array(labels)
        else:
            estimator.classes_ = np.arange(network.layer_sizes[-1])
    else:
        estimator._target_is_1d = network.layer_sizes[-1] == 1
    d = network.layer_sizes[0]
    try:
        scaling = input_scaling(metadata, d)
    except ValueError:
        raise ValueError(
            f"{shown!r} holds an invalid input scaling: {d} means and scales needed"
        ) from None
    if scaling is None:
        return estimator
    mean, scale = scaling
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_, scaler.var_ = mean, scale, scale**2
    scaler.n_features_in_, scaler.n_samples_seen_ = d, None
    # a CSV's column names stay in the metadata: the command line read the table as numbers,
    # so the model takes arrays (feature_names_in_ would make every array a warning)
    return Pipeline([("scale", scaler), ("mlp", estimator)])
