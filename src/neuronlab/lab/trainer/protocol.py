"""The live-training protocol: what a trainer WebSocket accepts, with explicit bounds.

Client -> server: JSON text messages, each an object with a ``type``:

``configure {config, seq?}`` apply a whole configuration. Data or architecture changes
                            rebuild and reset (paused); learning rate, batch size, L2, L1
                            and optimizer apply live. Answered with ``config`` (and
                            ``data`` when the data changed), or an ``error``; either carries
                            ``reply_to``: the command's ``seq``, when it had one
``start {config?, seq?}``   optionally configure (answered as a configure), then train
                            until paused
``resume`` / ``pause``      carry on / stop between two epochs
``step {epochs=1}``         train that many epochs, then pause
``reset``                   the initial weights again (same weights seed), history cleared
``reseed {seed?}``          new weights seed (random when omitted), then reset
``regenerate {seed?}``      new data seed (random when omitted): new points, reset
``set {learning_rate?, batch_size?, l2?, l1?, optimizer?, speed?}``   live changes, no reset
                            (speed: epochs a second at most, 0 for as fast as it can)
``add_point {x, y, label?, value?}``  append a training point; training carries on with
                            it. A classification set's point has a class ``label`` (1 when
                            left out) and no ``value``; a regression set's has a target
                            ``value`` (finite, within +-VALUE_LIMIT) and no ``label``
``set_weight {layer, source, target, value}``  set the weight W[layer][source, target]
                            (from neuron ``source`` of layer ``layer`` to neuron ``target``
                            of the next; layer 0 is the inputs); training goes on from it
``ack``                     a frame has been drawn. A page that acknowledges its frames
                            gets the next one only then, so a page slow to draw never falls
                            behind with frames queued ahead of a status message

Server -> client: JSON text ``hello``, ``config``, ``data``, ``points``, ``status``,
``error`` messages, and binary frames (see ``view.SessionView.build_frame``). An
``error`` has a ``detail`` sentence and, when it refused settings of a command, their names
in ``fields`` (for example ``["points"]``). Training starts and stops only with a ``status``
message: a frame's ``running`` says what held when it was built, which may be before the last
status (a frame waits for its turn, messages do not), so a client follows the statuses. A
``data`` message gives the plane's ``bounds``, the ``ticks`` to number its axes with, a
``hard_palette`` (768 bytes as numbers: the boundary's indices in hard class colours, for a
discretised plane) and its ``task``: "classification", or "regression" for a value set (one
linear output trained on eq. 6's mean squared error; frames then carry ``values`` and R² as
``r2``, ``val_r2``, and their ``chart`` R² per epoch where a classifier's has its accuracy); a
frame's ``diverged_at`` is the epoch whose loss overflowed (null until
one does). Epoch 0 is the untrained (or loaded) network, measured at once: the first point of
every curve. A configuration that rebuilds the data or the network while training goes on
training the fresh network, and its ``status`` message says what changed.

Which ``config`` answers which ``configure``: a client numbers its configures (``seq``, an
integer from 1 to 2**53 - 1, growing), and the ``config`` or ``error`` answering one carries
that number as ``reply_to``. A ``config`` without ``reply_to`` was not asked for: the session
changed its own settings (Re-seed and Regenerate pick seeds, ``set`` changes live settings, a
loaded model brings its network's). A client with a configure still unanswered knows from
this that a ``config`` is older than what it sent, so it keeps its own settings and takes
only the seeds the server picked, instead of going back to settings the learner has changed
since. Messages go out in the order the session did the work: the last ``config`` a client
has read holds the settings the session trains with.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, ValidationError, field_validator

from neuronlab.engine.features import FEATURES, canonical

from ..validation import (
    LIMITS,
    ActivationName,
    BatchSize,
    Classes,
    Coordinate,
    GridSize,
    HiddenLayers,
    LearningRate,
    Noise,
    OptimizerName,
    Penalty,
    Seed,
    StrictModel,
    TrainerDataset,
    Units,
    explain_validation_error,
    read_json_object,
    refused_fields,
)

MAX_MESSAGE_CHARS = 10_000
MAX_ADDED_POINTS = 2_000
MAX_STEP_EPOCHS = 1_000
WEIGHT_LIMIT = 100.0  # a typed weight's bound: beyond it every unit it feeds saturates
# a clicked-in regression point's target bound: the sets' targets lie within +-1, so +-10
# leaves room for an outlier ten times beyond the data, whose squared error (eq. 6) is then
# already a hundred times any other point's
VALUE_LIMIT = 10.0


def dataset_names() -> list[str]:
    """The datasets of the engine's registry: the trainer classifies or, on a regression
    set, fits a value (``regression_datasets``)."""
    from neuronlab.engine.datasets import DATASETS

    return list(DATASETS)


def regression_datasets() -> list[str]:
    """The sets whose targets are values: one linear output, mean squared error."""
    from neuronlab.engine.datasets import DATASETS, REGRESSION_DATASETS

    return [name for name in DATASETS if name in REGRESSION_DATASETS]


def multiclass_datasets() -> dict[str, str]:
    """Datasets that take a number of classes, and the engine's name for that argument."""
    import inspect

    from neuronlab.engine.datasets import DATASETS

    found = {}
    for name in dataset_names():
        parameters = inspect.signature(DATASETS[name]).parameters
        for argument in ("arms", "classes"):
            if argument in parameters:
                found[name] = argument
    return found


def activation_names() -> list[str]:
    from neuronlab.engine.activations import ACTIVATIONS

    return list(ACTIVATIONS)


def optimizer_names() -> list[str]:
    from neuronlab.engine.optimisers import OPTIMIZERS

    return list(OPTIMIZERS)


Speed = Annotated[int, Field(ge=0, le=1000)]  # epochs a second at most; 0: no limit
# a configure's number, echoed as ``reply_to``: a whole number a JavaScript page counts exactly
SequenceNumber = Annotated[int, Field(strict=True, ge=1, le=2**53 - 1)]
DEFAULT_SPEED = 35
# a clicked-in point's target on a regression set: a finite JSON number within +-VALUE_LIMIT
# (strict: true or "0.5" is a client's mistake, not a value to guess at)
PointValue = Annotated[
    float, Field(strict=True, ge=-VALUE_LIMIT, le=VALUE_LIMIT, allow_inf_nan=False)
]


class TrainerConfig(StrictModel):
    """Everything the trainer widget shows in its controls (and keeps in the URL)."""

    # data
    dataset: TrainerDataset = "spirals"
    classes: Classes = 2  # spiral arms or Gaussian blobs; the other sets have 2 classes
    points: Annotated[int, Field(ge=10, le=5000)] = 300
    noise: Noise = 0.1
    validation: Annotated[float, Field(ge=0, le=0.9, allow_inf_nan=False)] = 0.2
    seed: Seed = 0  # data seed
    # network
    hidden_layers: HiddenLayers = 2
    units: Units = 16
    activation: ActivationName = "relu"
    weights_seed: Seed = 0
    # inputs beyond x1 and x2 (engine/features.py), kept in the registry's order
    features: Annotated[
        list[str], Field(json_schema_extra={"items": {"enum": list(FEATURES)}})
    ] = []  # checked by _known_features, whose refusal names the field (the page marks it)
    # training
    optimizer: OptimizerName = "adam"
    learning_rate: LearningRate = 0.01
    batch_size: BatchSize = 32
    l2: Penalty = 0.0
    l1: Penalty = 0.0
    # epochs a second at most (0: as fast as it can). The default lets a class watch: the
    # default spirals pass 95% at epoch ~130, so about 3.8 s after Train, and 30 sessions at
    # this pace fit on a 2-core server (scripts/measure_capacity.py; README)
    speed: Speed = DEFAULT_SPEED
    # picture: the boundary's cells a side. The page's canvas scales it up smoothly, and at
    # 64 it looks as at 100 (compared at 1400 px) for 41% of the cells: of the evaluation and
    # of the bytes the socket compresses, most of a frame's cost to a class of 30
    grid: Annotated[GridSize, Field(ge=10)] = 64

    @field_validator("features")
    @classmethod
    def _known_features(cls, names: list[str]) -> list[str]:
        if len(names) > len(FEATURES):
            raise ValueError(f"list each of the {len(FEATURES)} input features at most once")
        unknown = [name for name in names if name not in FEATURES]
        if unknown:
            raise ValueError(
                f"{unknown[0][:40]!r} is not an input feature; choose among {', '.join(FEATURES)}"
            )
        return canonical(names)

    def n_inputs(self) -> int:
        """The network's input width: x1, x2 and the chosen features."""
        return 2 + len(self.features)

    def n_classes(self) -> int:
        return self.classes if self.dataset in multiclass_datasets() else 2

    def is_regression(self) -> bool:
        return self.dataset in regression_datasets()

    def n_outputs(self) -> int:
        """The network's outputs: one per class, or one value for a regression set."""
        return 1 if self.is_regression() else self.n_classes()

    def data_key(self) -> tuple:
        """Fields whose change means new data (and so a reset)."""
        classes = self.n_classes()
        return (self.dataset, classes, self.points, self.noise, self.validation, self.seed)

    def network_key(self) -> tuple:
        """Fields whose change means a new network (and so a reset)."""
        features = tuple(self.features)
        return (self.hidden_layers, self.units, self.activation, self.weights_seed, features)


class Configure(StrictModel):
    type: Literal["configure"]
    config: TrainerConfig
    seq: SequenceNumber | None = None  # echoed as the answer's ``reply_to``


class Start(StrictModel):
    type: Literal["start"]
    config: TrainerConfig | None = None
    seq: SequenceNumber | None = None  # echoed by the answer to its config


class Resume(StrictModel):
    type: Literal["resume"]


class Pause(StrictModel):
    type: Literal["pause"]


class Ack(StrictModel):
    """The page has drawn a frame: the link sends the next (see trainer/link.SocketLink)."""

    type: Literal["ack"]


class Step(StrictModel):
    type: Literal["step"]
    epochs: Annotated[int, Field(ge=1, le=MAX_STEP_EPOCHS)] = 1


class Reset(StrictModel):
    type: Literal["reset"]


class Reseed(StrictModel):
    type: Literal["reseed"]
    seed: Seed | None = None


class Regenerate(StrictModel):
    type: Literal["regenerate"]
    seed: Seed | None = None


class SetLive(StrictModel):
    type: Literal["set"]
    learning_rate: LearningRate | None = None
    batch_size: BatchSize | None = None
    l2: Penalty | None = None
    l1: Penalty | None = None
    optimizer: OptimizerName | None = None
    speed: Speed | None = None


class AddPoint(StrictModel):
    type: Literal["add_point"]
    x: Coordinate
    y: Coordinate
    label: Annotated[int, Field(ge=0, le=5)] = 1  # a classification set's class
    value: PointValue | None = None  # a regression set's target (refused by a classification set)


class SetWeight(StrictModel):
    """A weight the learner typed; the session checks the indices against its network."""

    type: Literal["set_weight"]
    layer: Annotated[int, Field(ge=0, le=LIMITS["hidden_layers"])]  # W[layer]: layer to next
    source: Annotated[int, Field(ge=0, le=LIMITS["units"])]  # the neuron the weight leaves
    target: Annotated[int, Field(ge=0, le=LIMITS["units"])]  # the neuron it enters
    value: Annotated[float, Field(ge=-WEIGHT_LIMIT, le=WEIGHT_LIMIT, allow_inf_nan=False)]


Command = Annotated[
    Configure
    | Start
    | Resume
    | Pause
    | Step
    | Reset
    | Reseed
    | Regenerate
    | SetLive
    | AddPoint
    | SetWeight
    | Ack,
    Field(discriminator="type"),
]
_COMMAND = TypeAdapter(Command)
_SEQUENCE_NUMBER = TypeAdapter(SequenceNumber)
COMMAND_TYPES = (
    "configure, start, resume, pause, step, reset, reseed, regenerate, set, add_point, "
    "set_weight, ack"
)


class CommandError(ValueError):
    """A message the server cannot act on; its text says what to fix, ``fields`` names the
    settings it refused (the page marks those controls) and ``reply_to`` is the refused
    configure's ``seq``, when it had a valid one."""

    def __init__(self, detail: str, fields: tuple[str, ...] = (), reply_to: int | None = None):
        super().__init__(detail)
        self.fields = fields
        self.reply_to = reply_to


def _readable_sequence_number(data: dict) -> int | None:
    """The ``seq`` of a configure (or start) refused for another reason, so the refusal still
    says which configure it answers; None when it has none or it is not a valid one."""
    if data.get("type") not in ("configure", "start"):
        return None
    try:
        return _SEQUENCE_NUMBER.validate_python(data.get("seq"))
    except ValidationError:
        return None


def parse_command(text: str | None) -> Command:
    """Validate one client message; raise CommandError with one English sentence."""
    try:
        data = read_json_object(text, MAX_MESSAGE_CHARS, '{"type": "pause"}')
    except ValueError as error:
        raise CommandError(str(error)) from None
    if "type" not in data:
        raise CommandError(f"The message needs a 'type': one of {COMMAND_TYPES}.")
    try:
        return _COMMAND.validate_python(data)
    except ValidationError as error:
        errors = error.errors()
        for item in errors:
            location = item.get("loc", ())
            if location and location[0] == data.get("type"):
                item["loc"] = location[1:]  # the tag is not a field the user wrote
        if any(item.get("type") == "union_tag_invalid" for item in errors):
            raise CommandError(
                f"Unknown command type {data.get('type')!r}: use one of {COMMAND_TYPES}."
            ) from None
        fields = tuple(refused_fields(errors))
        reply_to = _readable_sequence_number(data)
        raise CommandError(explain_validation_error(errors), fields, reply_to) from None
