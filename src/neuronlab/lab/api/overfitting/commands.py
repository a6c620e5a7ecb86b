"""The overfitting lab's commands, page -> server: ``start {config}``, ``set {changes}``
and ``stop``, each validated into a model, or refused with one English sentence
(``CommandError``, naming the refused fields). The socket that reads them is ``live``'s.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationError

from ...validation import StrictModel, explain_validation_error, read_json_object, refused_fields
from .pictures import DataQuery

MAX_EPOCHS = 2000
MAX_MESSAGE_CHARS = 2000
COMMANDS = "'start', 'set' or 'stop'"

L2 = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Patience = Annotated[int, Field(ge=1, le=200)]
Speed = Annotated[float, Field(ge=10, le=1000, allow_inf_nan=False)]  # epochs a second


class LiveConfig(DataQuery):
    l2: L2 = 0.0
    early_stopping: bool = False
    patience: Patience = 30
    epochs: int = Field(400, ge=10, le=MAX_EPOCHS)
    speed: Speed = 80
    grid: int = Field(32, ge=8, le=64)


class Start(StrictModel):
    type: str
    config: LiveConfig = LiveConfig()


class Change(StrictModel):
    type: str
    l2: L2 | None = None
    early_stopping: bool | None = None
    patience: Patience | None = None
    speed: Speed | None = None


class Stop(StrictModel):
    type: str


COMMAND_MODELS = {"start": Start, "set": Change, "stop": Stop}


class CommandError(ValueError):
    def __init__(self, detail: str, fields: list[str] | None = None, code: str | None = None):
        super().__init__(detail)
        self.fields = fields or []
        self.code = code


def parse_command(text: str | None) -> Start | Change | Stop:
    """One page message as a command, or a CommandError with one English sentence."""
    data = read_json_object(text, MAX_MESSAGE_CHARS, '{"type": "stop"}')
    kind = data.get("type")
    model = COMMAND_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise CommandError(f"Unknown message type {kind!r}: use one of {COMMANDS}.")
    try:
        command = model.model_validate(data)
    except ValidationError as error:
        errors = error.errors()
        raise CommandError(explain_validation_error(errors), refused_fields(errors)) from None
    if isinstance(command, Change) and not command.model_dump(exclude_none=True).keys() - {"type"}:
        raise CommandError("Say what to change: l2, early_stopping, patience or speed.")
    return command
