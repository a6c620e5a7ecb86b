"""From a trainer config to what a live session trains: the data, a Network and its Trainer.

Plain functions of the config, so a session rebuilds only what a change needs: new data when
the dataset changes, a new network and trainer when the architecture or a seed changes, and
otherwise new hyper-parameters on the running trainer (``apply_live``). ``check_point``
refuses a clicked-in point the config cannot take (a class on a regression set, a value on a
classification set). The lab's settings play no part here:
every choice is in the ``TrainerConfig`` the learner sent.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import ValidationError

from neuronlab.engine.datasets import make_dataset, train_val_test_split
from neuronlab.engine.features import canonical, feature_map, input_labels
from neuronlab.engine.grid import plane_bounds
from neuronlab.engine.network import Network
from neuronlab.engine.optimisers import make_optimizer
from neuronlab.engine.training import Trainer

from ..validation import explain_validation_error
from . import protocol as p

# (X_train, y_train, X_val, y_val); the validation arrays are empty when validation is 0
Data = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
Bounds = tuple[float, float, float, float]


def make_data(config: p.TrainerConfig) -> tuple[Data, Bounds]:
    """The config's dataset, split into training and validation, and the plane around it."""
    extra = {}
    argument = p.multiclass_datasets().get(config.dataset)
    if argument is not None:
        extra[argument] = config.classes
    X, y = make_dataset(
        config.dataset, n=config.points, noise=config.noise, seed=config.seed, **extra
    )
    if config.validation > 0:
        X_train, y_train, X_val, y_val, _, _ = train_val_test_split(
            X, y, val=config.validation, test=0.0, seed=config.seed
        )
    else:
        X_train, y_train, X_val, y_val = X, y, X[:0], y[:0]
    return (X_train, y_train, X_val, y_val), plane_bounds(X)


def network_inputs(config: p.TrainerConfig, X: np.ndarray) -> np.ndarray:
    """What the network sees of the points ``X`` (n, 2): x1, x2 and the config's features,
    (n, 2 + len(config.features)). The data, the clicked-in points and the plane's grids all
    go through here, so the boundary drawn is the one the network learnt."""
    return feature_map(X, config.features)


def build_trainer(
    config: p.TrainerConfig,
    data: Data,
    added: list[tuple[float, float, float]],
    weights: np.ndarray | None = None,
) -> Trainer:
    """A Network with the initial weights of the weights seed, and a fresh Trainer for it.

    ``added`` holds the points the learner clicked in, as (x, y, target): a class, or a
    regression set's value; they join the training set. ``weights``, a loaded model's flat
    parameters, replace the seed's. The network's inputs are x1, x2 and the config's features
    (``network_inputs``).
    """
    X_train, y_train, X_val, y_val = data
    if added:
        points = np.array(added, dtype=float)  # (m, 3)
        X_train = np.concatenate([X_train, points[:, :2]])
        y_train = np.concatenate([y_train, points[:, 2].astype(y_train.dtype)])
    X_train, X_val = network_inputs(config, X_train), network_inputs(config, X_val)
    k, output = output_layer(config)
    sizes = [config.n_inputs()] + [config.units] * config.hidden_layers + [k]
    network = Network(sizes, activation=config.activation, output=output, seed=config.weights_seed)
    if weights is not None:
        network.params[...] = weights
    optimizer = make_optimizer(config.optimizer, learning_rate=config.learning_rate)
    has_val = len(X_val) > 0
    return Trainer(
        network,
        optimizer,
        X_train,
        y_train,
        X_val if has_val else None,
        y_val if has_val else None,
        batch_size=config.batch_size,
        l2=config.l2,
        l1=config.l1,
        seed=config.weights_seed,
    )


def output_layer(config: p.TrainerConfig) -> tuple[int, str]:
    """The output layer's width and kind: softmax over the classes (cross-entropy, eq. 7-8),
    or one linear unit for a regression set (mean squared error, eq. 6)."""
    if config.is_regression():
        return 1, "identity"
    return config.n_classes(), "softmax"


def value_scale(config: p.TrainerConfig, data: Data) -> dict | None:
    """For a regression set: the range its values are shaded on, the middle of the targets
    and their variances.

    The range is symmetric about 0 (white in the diverging palette), from the largest
    |target| rounded up to a tenth, so a target and a prediction of the same value get the
    same colour and a prediction beyond the data's reach shows the end colour. The middle of
    the targets' own range, to a tenth, is the page's first value for new points. The
    variances (training, validation) turn eq. 6's loss into R². None for a classification set.
    """
    if not config.is_regression():
        return None
    _, y_train, _, y_val = data
    targets = np.concatenate([y_train, y_val])
    largest = float(np.abs(targets).max())
    high = max(math.ceil(largest * 10 - 1e-9) / 10, 0.1)
    middle = round((float(targets.min()) + float(targets.max())) / 2, 1)
    return {
        "low": -high,
        "high": high,
        "middle": middle + 0.0,  # never -0.0: the page's box would show "-0"
        "variance": float(y_train.var()),
        "val_variance": float(y_val.var()) if len(y_val) > 1 else 0.0,
    }


def apply_live(trainer: Trainer, config: p.TrainerConfig, old: p.TrainerConfig) -> None:
    """Hyper-parameters that change without a restart: the weights stay as they are."""
    if config.optimizer != old.optimizer:
        # a fresh optimiser (no moments yet) on the current weights
        trainer.optimizer = make_optimizer(config.optimizer, learning_rate=config.learning_rate)
    trainer.learning_rate = config.learning_rate
    trainer.batch_size = config.batch_size
    trainer.l2 = config.l2
    trainer.l1 = config.l1


class Refused(ValueError):
    """A command the session declines after checking it, before changing anything: the
    learner reads why, and a running session carries on. ``fields`` names the command's
    fields it refused (the page marks their controls)."""

    def __init__(self, detail: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.fields = fields


def check_point(config: p.TrainerConfig, point: p.AddPoint, added: int) -> float:
    """The target of a clicked-in ``point`` (its class, or its value on a regression set),
    or Refused when the config cannot take it; ``added`` are already in."""
    if added >= p.MAX_ADDED_POINTS:
        raise Refused(
            f"You have added {p.MAX_ADDED_POINTS} points, the most a session takes: "
            "press Regenerate to start from fresh data."
        )
    given = point.model_fields_set
    if config.is_regression():
        if point.value is None:
            limit = f"{p.VALUE_LIMIT:g}"
            raise Refused(
                f"A regression set's new point needs a value: type its target, a number from "
                f"-{limit} to {limit}, in Value of new points.",
                ("value",),
            )
        if "label" in given:
            raise Refused(
                "A regression set's new point has a value, not a label: leave label out.",
                ("label",),
            )
        return point.value
    if point.value is not None:
        raise Refused(
            "A classification set's new point takes a class (label), not a value: choose a "
            "regression set to add points with values.",
            ("value",),
        )
    k = config.n_classes()
    if point.label >= k:
        raise Refused(f"label must be between 0 and {k - 1} for this dataset.", ("label",))
    return point.label


def config_for_model(
    config: p.TrainerConfig, network: Network, features: list[str] | None = None
) -> p.TrainerConfig:
    """The config that shows a loaded ``network`` on the current data: its hidden layers,
    units and activation, and its input ``features`` when its file names them (a model the
    trainer saved does: a model fed x1² must see x1² again, not only as many inputs).
    ValueError, in a sentence for the learner, when the trainer cannot show it."""
    sizes = network.layer_sizes
    shape = "-".join(map(str, sizes))
    if features is not None:
        try:
            features = canonical(features)
        except ValueError:
            raise ValueError(
                f"This model's file names input features the trainer does not know "
                f"({', '.join(map(str, features))}): use it from Python or with "
                "`neuronlab predict`."
            ) from None
        if 2 + len(features) != sizes[0]:
            raise ValueError(
                f"This model ({shape}) takes {sizes[0]} inputs, but its file names "
                f"{2 + len(features)} ({', '.join(input_labels(features))}): the file is "
                "inconsistent, so the trainer cannot show it."
            )
        config = config.model_copy(update={"features": features})
    regression = config.is_regression()
    if network.output != "softmax" and not regression:
        sets = " or ".join(p.regression_datasets())
        raise ValueError(
            f"This model predicts values (a regression model): choose a regression set "
            f"({sets}) first, then load it."
        )
    if network.output == "softmax" and regression:
        raise ValueError(
            "This model is a classifier, and the data is a regression set: choose a "
            "classification set first, then load it."
        )
    if sizes[0] != config.n_inputs():
        chosen = ", ".join(input_labels(config.features))
        raise ValueError(
            f"This model ({shape}) takes {sizes[0]} inputs, but the trainer's network now has "
            f"{config.n_inputs()} ({chosen}): tick the input features the model was trained "
            "with first, or use it from Python or with `neuronlab predict`."
        )
    hidden = sizes[1:-1]
    if not hidden or len(set(hidden)) != 1:
        raise ValueError(
            f"The trainer's networks have hidden layers all of one width, such as 2-16-16-2; "
            f"this model is {shape}."
        )
    if regression and sizes[-1] != 1:
        raise ValueError(
            f"This model predicts {sizes[-1]} values; the trainer's regression sets have one."
        )
    if not regression and sizes[-1] != config.n_classes():
        raise ValueError(
            f"This model has {sizes[-1]} outputs, one per class, but the data has "
            f"{config.n_classes()} classes: choose data with {sizes[-1]} classes first."
        )
    changes = {"hidden_layers": len(hidden), "units": hidden[0], "activation": network.activation}
    try:
        return p.TrainerConfig.model_validate({**config.model_dump(), **changes})
    except ValidationError as error:
        reason = explain_validation_error(error.errors())
        raise ValueError(f"The trainer cannot show this model ({shape}): {reason}") from None
