"""``GET /api/options``: the one document from which the page learns what it shares with Python.

Everything a widget's menus, inputs and drawings need that the server also knows lives here
once, and the page reads it from this document instead of writing it again:

- ``plane``: the datasets' plane ``[x1_min, x1_max, x2_min, x2_max]``;
- ``classes``: the class colours (RGB) and point shapes, in class order, ``map_colours``,
  the 256-entry table of the neuron maps, and ``value_colours``, the diverging 256-entry
  table of a regression set's values, with ``value_colours_hard``, its sign alone for a
  discretised plane (all from ``lab/render.py``);
- the engine's registries as menus: ``activations``, ``optimizers``, ``datasets`` (each with
  the label a menu shows) and ``surfaces`` (with their bounds, start, rate and minima);
- ``inputs``: every number input's ``min``, ``max`` and ``step`` by widget and field, read
  from the request models' own bounds, so a limit changed in Python is the limit in the page;
- ``trainer``: its defaults, ladders (learning rates, penalties, speeds), which datasets
  take a number of classes, which are regression sets (``regression``), and the optional
  input features with their labels.

Every entry is read by the page; what no widget reads does not belong here.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from ... import palette
from ...engine.activations import ACTIVATIONS
from ...engine.datasets import DATASET_INFO
from ...engine.features import BASE_LABELS, FEATURES
from ...engine.optimisers import OPTIMIZERS
from ...engine.surfaces import SURFACES
from .. import render
from ..trainer import protocol as trainer
from ..validation import PLANE
from .activations import ActivationQuery
from .backprop import StepQuery
from .forward import ForwardQuery
from .loss import LossQuery
from .perceptron import PerceptronQuery
from .widgets import ACTIVATION_LABELS, OPTIMIZER_LABELS, dataset_label, surface_info

router = APIRouter(prefix="/api/options", tags=["options"])

# The learning-rate slider walks this ladder (a log scale); the penalties and speeds are menus.
LEARNING_RATES = (0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
PENALTIES = (0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1)
SPEEDS = (0, 100, trainer.DEFAULT_SPEED, 20, 5, 1)  # epochs a second at most; 0: no limit

# The step of each number input; every other integer field steps by 1, and a float field
# named here only (the bounds come from the models, the steps are the page's grain).
STEPS = {
    "trainer": {"points": 10, "noise": 0.05, "validation": 0.05},
    "activations": {"z": 0.05},
    "forward": {"x1": 0.1, "x2": 0.1},
    "loss": {"margin": 0.1},
    "perceptron": {"w1": 0.05, "w2": 0.05, "b": 0.05},
    "backprop": {"x1": 0.1, "x2": 0.1, "learning_rate": 0.05},
}
# The pages' number inputs, by widget: the request model whose bounds they take.
INPUTS: dict[str, tuple[type[BaseModel], tuple[str, ...]]] = {
    "trainer": (
        trainer.TrainerConfig,
        ("classes", "points", "noise", "validation", "seed")
        + ("hidden_layers", "units", "batch_size"),
    ),
    "activations": (ActivationQuery, ("z",)),
    "forward": (ForwardQuery, ("x1", "x2")),
    "loss": (LossQuery, ("margin",)),
    "perceptron": (PerceptronQuery, ("w1", "w2", "b")),
    "backprop": (StepQuery, ("x1", "x2", "learning_rate")),
}


def input_bounds(model: type[BaseModel], fields: tuple[str, ...], steps: dict) -> dict:
    """``{field: {"min", "max", "step"}}`` from the model's JSON schema (its pydantic bounds)."""
    properties = model.model_json_schema()["properties"]
    bounds = {}
    for field in fields:
        schema = properties[field]
        step = steps.get(field, 1 if schema.get("type") == "integer" else None)
        if step is None:
            raise ValueError(f"the {field} input of {model.__name__} needs a step in STEPS")
        bounds[field] = {
            "min": schema.get("minimum", schema.get("exclusiveMinimum")),
            "max": schema.get("maximum"),
            "step": step,
        }
    return bounds


def label(name: str) -> str:
    """The name a menu shows for a registry entry: "ReLU" for relu, "Adam" for adam."""
    return {**ACTIVATION_LABELS, **OPTIMIZER_LABELS}.get(name, name)


def optimizer_style(name: str) -> dict:
    """How the race, the landscape and the figures tell an optimiser's path apart: colour,
    line dash (on/off lengths; empty for solid), the shape of its head, and where paths
    overlap the drawing order (``layer``, 0 first), line width and head size (palette.py)."""
    default = {"colour": "#4a4f57", "dash": (), "shape": "circle", "layer": 0, "width": 2.5,
               "head": 6}  # fmt: skip
    style = {**default, **palette.OPTIMIZER_STYLES.get(name, {})}
    return {
        "colour": style["colour"],
        "dash": list(style["dash"]),
        "shape": style["shape"],
        "layer": style["layer"],
        "width": style["width"],
        "head": style["head"],
    }


@router.get("")
def options() -> dict:
    """What the page shares with the server: plane, colours, shapes, menus, inputs' bounds."""
    return {
        "plane": list(PLANE),
        "classes": {
            "colours": [list(colour) for colour in render.CLASS_COLOURS],
            "shapes": list(render.SHAPES),
        },
        "map_colours": render.MAP_COLOURS,
        "value_colours": render.VALUE_COLOURS,
        "value_colours_hard": render.VALUE_COLOURS_HARD,
        "activations": [{"name": name, "label": label(name)} for name in ACTIVATIONS],
        "optimizers": [
            {"name": name, "label": label(name), **optimizer_style(name)} for name in OPTIMIZERS
        ],
        "curves": {
            "train": palette.TRAIN_COLOUR,
            "validation": palette.VAL_COLOUR,
            "best": palette.BEST_COLOUR,
        },
        "surfaces": [surface_info(name).model_dump() for name in SURFACES],
        "datasets": [
            {"name": name, "label": dataset_label(name), "description": DATASET_INFO.get(name, "")}
            for name in trainer.dataset_names()
        ],
        "inputs": {
            widget: input_bounds(model, fields, STEPS.get(widget, {}))
            for widget, (model, fields) in INPUTS.items()
        },
        "trainer": {
            "defaults": trainer.TrainerConfig().model_dump(),
            "multiclass": trainer.multiclass_datasets(),
            "regression": trainer.regression_datasets(),
            "learning_rates": list(LEARNING_RATES),
            "penalties": list(PENALTIES),
            "speeds": list(SPEEDS),
            "weight_limit": trainer.WEIGHT_LIMIT,  # a typed weight's bound (set_weight)
            "value_limit": trainer.VALUE_LIMIT,  # a new regression point's bound (add_point)
            # the optional inputs' checkboxes and the diagram's input labels
            "input_labels": list(BASE_LABELS),
            "features": [{"name": name, "label": FEATURES[name][0]} for name in FEATURES],
        },
    }
