"""Helpers every router shares: bounded field types, readable errors, the settings.

Use the bounded types in request models so every widget applies the same limits::

    class Body(StrictModel):
        learning_rate: LearningRate = 0.1
        grid: GridSize = 100

A bad request then gets a 422 whose ``detail`` is one English sentence naming the field
(see ``explain_validation_error``); a ``ValueError`` raised by the engine becomes a 400
with the engine's own message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ..engine.activations import ACTIVATIONS
from ..engine.datasets import DATASETS, REGRESSION_DATASETS
from ..engine.optimisers import OPTIMIZERS
from ..engine.surfaces import SURFACES
from ..palette import OPTIMIZER_LABELS
from .settings import Settings

PLANE = (-1.2, 1.2, -1.2, 1.2)  # x1_min, x1_max, x2_min, x2_max: the datasets' plane

LIMITS = {
    "points": 5000,  # data points per dataset
    "hidden_layers": 6,
    "units": 64,  # units per hidden layer
    "grid": 200,  # side of an evaluation grid
    "learning_rate": 10.0,  # upper bound; the lower bound is "> 0"
    "epochs": 100_000,
    "classes": 6,
    "seed": 2**31 - 1,
}

Points = Annotated[int, Field(ge=2, le=LIMITS["points"])]
HiddenLayers = Annotated[int, Field(ge=1, le=LIMITS["hidden_layers"])]
Units = Annotated[int, Field(ge=1, le=LIMITS["units"])]
GridSize = Annotated[int, Field(ge=2, le=LIMITS["grid"])]
LearningRate = Annotated[float, Field(gt=0, le=LIMITS["learning_rate"], allow_inf_nan=False)]
BatchSize = Annotated[int, Field(ge=1, le=LIMITS["points"])]
Penalty = Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)]
Noise = Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)]
Epochs = Annotated[int, Field(ge=1, le=LIMITS["epochs"])]
Seed = Annotated[int, Field(ge=0, le=LIMITS["seed"])]
Classes = Annotated[int, Field(ge=2, le=LIMITS["classes"])]
Coordinate = Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False)]


def one_of(names: Iterable[str]) -> Any:
    """A name from one of the engine's registries, typed as an enum: the schema lists the
    choices, and a wrong name is refused with them ("activation should be 'sigmoid', ... or
    'identity', got 'swish'")."""
    return Literal[tuple(names)]


ActivationName = one_of(ACTIVATIONS)
OptimizerName = one_of(OPTIMIZERS)
SurfaceName = one_of(SURFACES)
ClassificationDataset = one_of(name for name in DATASETS if name not in REGRESSION_DATASETS)
TrainerDataset = one_of(DATASETS)  # the live trainer classifies, or regresses on a value set

# What to say of valid JSON that Python's json module refuses: an integer past 4300 digits
# (ValueError) or brackets nested a thousand deep (RecursionError). Both sockets and the HTTP
# routes end their sentence with it.
UNREADABLE_JSON = (
    "plain JSON: no numbers thousands of digits long, no brackets nested hundreds deep"
)


def read_json_object(text: str | None, max_chars: int, example: str) -> dict:
    """One WebSocket text message read as a JSON object with a "type", or a ValueError with
    a sentence saying what to send instead (``example`` shows a good message).

    Both sockets (the trainer's and the playground's) read their messages with this.
    """
    if text is None:
        raise ValueError(f"Send messages as JSON text, for example {example}.")
    if len(text) > max_chars:
        raise ValueError(f"Messages are limited to {max_chars} characters.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"Messages must be JSON, for example {example}.") from None
    except (ValueError, RecursionError):  # a RecursionError would end the socket unexplained
        raise ValueError(f"Messages must be {UNREADABLE_JSON}.") from None
    if not isinstance(data, dict):
        raise ValueError(f"Messages must be JSON objects, for example {example}.")
    return data


# a yes-or-no field's type as written, with or without ``from __future__ import annotations``
_FLAGS = {bool: StrictBool, "bool": StrictBool, bool | None: StrictBool | None}
_FLAGS.update({"bool | None": StrictBool | None, "Optional[bool]": StrictBool | None})


class StrictModel(BaseModel):
    """A request model that rejects unknown fields (a typo is an error, not a no-op) and
    takes only JSON true or false for a yes-or-no field: pydantic alone would read "no",
    "off", 0 or "false" as false and "yes" or 1 as true, guessing at what a client meant."""

    model_config = ConfigDict(extra="forbid")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # runs before pydantic reads the annotations: each bool becomes a strict one
        annotations = cls.__dict__.get("__annotations__", {})
        for name, annotation in list(annotations.items()):
            try:
                strict = _FLAGS.get(annotation)
            except TypeError:  # an unhashable annotation is no bool
                strict = None
            if strict is not None:
                annotations[name] = strict
        super().__init_subclass__(**kwargs)


def get_settings(request: Request) -> Settings:
    """FastAPI dependency: the Settings the app was built with."""
    return request.app.state.settings


_SKIPPED_LOCATIONS = {"body", "query", "path", "header", "cookie"}


def _field_name(location: Sequence[Any]) -> str:
    parts = [str(part) for part in location if part not in _SKIPPED_LOCATIONS]
    # the trainer's settings arrive wrapped as {"config": {...}}: a learner who typed 0 into
    # Points reads "points should be ...", not "config.points should be ..."
    if len(parts) > 1 and parts[0] == "config":
        parts = parts[1:]
    return ".".join(parts)


def _readable(name: str) -> str:
    """A setting's name as the page labels it: "batch size", not "batch_size"; a race's
    rate by optimiser as the page names it, "the learning rate of SGD", not
    "learning_rates.sgd"."""
    if name.startswith("learning_rates."):
        optimizer = name.split(".", 1)[1]
        return f"the learning rate of {OPTIMIZER_LABELS.get(optimizer, optimizer)}"
    return name.replace("_", " ")


def refused_fields(errors: Sequence[dict[str, Any]]) -> list[str]:
    """The settings the errors are about, by the last name in each location (``("body",
    "learning_rates", "momentum")`` is ``momentum``): the page marks those controls."""
    names = {
        str(error["loc"][-1])
        for error in errors
        if error.get("loc") and isinstance(error["loc"][-1], str) and error["loc"][-1] != "body"
    }
    return sorted(names)


def _sentence(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    name = _field_name(error.get("loc", ()))
    message = str(error.get("msg", "is not valid"))
    value = error.get("input")
    if kind == "missing":
        if tuple(error.get("loc", ())) == ("body",):
            return "The request needs a JSON body: send {} for the defaults"
        return f"{name} is required" if name else "a required field is missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if not name:
            return "The request body should be a JSON object sent as application/json, like {}"
        return f"{name} should be a JSON object, like {{}}"
    if kind == "string_unicode":
        where = name or "A field name"
        return f"{where} holds a character that is not text (a lone surrogate): remove it"
    if kind == "bool_type":
        return f"{_readable(name)} should be true or false" + (
            f", got {value!r}" if len(repr(value)) <= 40 else ""
        )
    if kind == "int_parsing_size":
        return f"{name} is far too large a number" if name else "a number is far too large"
    if kind == "extra_forbidden":
        return f"unknown field '{name}': remove it or check its spelling"
    if kind == "json_invalid":
        return "the request body is not valid JSON"
    if kind == "union_tag_invalid":
        expected = error.get("ctx", {}).get("expected_tags", "")
        return f"unknown type {value!r}: use one of {expected}"
    if kind == "union_tag_not_found":
        return "the message needs a 'type' field"
    name = _readable(name)  # from here on the value is wrong, not the key: say it in English
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
        return f"{name}: {message}" if name else message
    if message.startswith(("Input should", "String should")):
        message = message.split(" ", 1)[1]
    text = f"{name} {message}" if name else message[0].upper() + message[1:]
    if value is not None and not isinstance(value, dict | list) and ", got " not in message:
        shown = repr(value)
        if len(shown) <= 40:
            text += f", got {shown}"
    return text


def explain_validation_error(errors: Sequence[dict[str, Any]]) -> str:
    """Turn pydantic's error list into one readable sentence naming the field(s).

    >>> explain_validation_error([{"type": "less_than_equal", "loc": ("body", "points"),
    ...     "msg": "Input should be less than or equal to 5000", "input": 9000}])
    'Points should be less than or equal to 5000, got 9000.'
    """
    sentences = [_sentence(error) for error in list(errors)[:3]]
    if not sentences:
        return "The request is not valid."
    text = "; ".join(sentences)
    text = text[0].upper() + text[1:]  # it opens the message the learner reads
    if len(errors) > 3:
        text += f" (and {len(errors) - 3} more problems)"
    return text + "."


# What a refused request body gets (``app.py``'s handlers), as the OpenAPI schema says it
REFUSED_REQUEST = {
    "title": "RefusedRequest",
    "type": "object",
    "properties": {
        "detail": {
            "title": "Detail",
            "type": "string",
            "description": "One English sentence naming the field(s) and what to fix.",
        },
        "fields": {
            "title": "Fields",
            "type": "array",
            "items": {"type": "string"},
            "description": "The refused settings, by name, for the page to mark (left out "
            "when the problem is not one field's).",
        },
    },
    "required": ["detail"],
}


def document_refusals(schema: dict) -> dict:
    """Make an OpenAPI schema say what a 422 really carries (``{"detail": str, "fields":
    [...]}``), not FastAPI's default list of pydantic errors. Changes ``schema`` in place."""
    reference = {"$ref": "#/components/schemas/RefusedRequest"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            refused = operation.get("responses", {}).get("422")
            if refused is not None:
                refused["description"] = "A field is missing, unknown or out of range"
                refused["content"] = {"application/json": {"schema": reference}}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["RefusedRequest"] = REFUSED_REQUEST
    return schema
