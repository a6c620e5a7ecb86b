"""A training session's commands: what each one the learner sends does to the session.

``CommandHandlers`` is the half of ``TrainingSession`` that applies commands between two
epochs: configure (a whole config, or a live change of one), start/pause/step/reset, new
data or new initial weights, a clicked-in point, a typed weight, and a model upload
(``_LoadModel``) or a download's copy of the network (``_Snapshot``). The other half, in
``session``, runs the epochs at their pace and publishes the frames; the handlers reach it
through ``_post``, ``_status``, ``_reset``, ``_halt``, ``_begin_training`` and ``_guarded``.
``measure`` gives a network's numbers without training, and ``restart_reason`` says in a
few words why a configuration rebuilt the session.
"""

from __future__ import annotations

import secrets
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronlab.engine.features import input_labels
from neuronlab.engine.network import Network
from neuronlab.engine.training import EpochReport, Trainer

from . import protocol as p
from .setup import (
    Refused,
    apply_live,
    check_point,
    config_for_model,
    make_data,
    network_inputs,
    value_scale,
)
from .view import config_message, data_message, download_metadata, points_message


@dataclass
class _Snapshot:
    """Internal command: copy the network for a download, between two epochs."""

    future: Future


@dataclass
class _LoadModel:
    """Internal command: train a loaded network (an upload) from here on."""

    network: Network
    name: str
    future: Future
    features: list[str] | None = None  # the input features its file names, if it does


class CommandHandlers:
    """The commands of a ``TrainingSession`` (which inherits them), run by its scheduler
    thread between two epochs."""

    def _apply_safely(self, command: Any) -> None:
        if isinstance(command, _Snapshot):
            if self.network is None:
                command.future.set_exception(
                    ValueError("This session has no network yet: configure the trainer first.")
                )
            else:
                metadata = download_metadata(self.config, self.trainer.epoch if self.trainer else 0)
                command.future.set_result((self.network.copy(), metadata))
            return
        if isinstance(command, _LoadModel):
            try:
                self._load_model(command.network, command.name, command.features)
            except ValueError as error:  # the learner's file: the answer says why, not the socket
                command.future.set_exception(error)
            else:
                command.future.set_result(self.config)
            return
        if isinstance(command, p.Configure | p.Start) and command.config is not None:
            # answered (config or error) with the command's number, so that the client can
            # tell this answer from the configs the session sends on its own
            answer = command.seq
            if not self._guarded(lambda: self._configure(command.config, answer), answer):
                return  # a start whose config was refused does not train
            if isinstance(command, p.Configure):
                return
        self._guarded(lambda: self._apply(command))

    def _apply(self, command: Any) -> None:
        if not isinstance(command, p.Configure | p.Start) and self.config is None:
            raise Refused("Send a configure (or start) command with a config first.")
        if isinstance(command, p.Start | p.Resume):
            self._check_trainable()  # a start's config, if any, is already in force
            self._begin_training()
            self._status()
        elif isinstance(command, p.Pause):
            self._pause()
        elif isinstance(command, p.Step):
            self._check_trainable()
            self.running = False
            self._next_epoch_at = 0.0
            self.view.start_clock()
            self._steps_left = command.epochs
            self._status()
        elif isinstance(command, p.Reset):
            self._reset()
        elif isinstance(command, p.Reseed):
            seed = command.seed if command.seed is not None else secrets.randbelow(1_000_000)
            was_training, trained = self.running, self.trainer.epoch > 0
            self.config = self.config.model_copy(update={"weights_seed": seed})
            self._loaded = None  # new initial weights: the seed's
            self._reset(announce=False)
            self._post(config_message(self.config))
            # like a new architecture: a session that was training trains the new weights on
            restart = was_training or trained
            message = self._restart("New initial weights", was_training) if restart else None
            self._status(message=message)
        elif isinstance(command, p.Regenerate):
            seed = command.seed if command.seed is not None else secrets.randbelow(1_000_000)
            self._configure(self.config.model_copy(update={"seed": seed}), force_data=True)
        elif isinstance(command, p.SetLive):
            changes = command.model_dump(exclude={"type"}, exclude_none=True)
            self._configure(self.config.model_copy(update=changes))
        elif isinstance(command, p.AddPoint):
            self._add_point(command)
        elif isinstance(command, p.SetWeight):
            self._set_weight(command)

    # -------------------------------------------------------------------- configuration
    def _configure(
        self, config: p.TrainerConfig, reply_to: int | None = None, force_data: bool = False
    ) -> None:
        """Apply a whole configuration; its ``config`` message answers the configure
        numbered ``reply_to`` (None: the session changed its own settings)."""
        old = self.config
        was_training = self.running
        trained = self.trainer is not None and self.trainer.epoch > 0
        rebuilt = False
        self.config = config
        try:
            if force_data or old is None or config.data_key() != old.data_key():
                if old is None or config.n_outputs() != old.n_outputs():
                    self._loaded = None  # another number of outputs: the loaded weights do not fit
                self._make_data()
                self._reset(announce=False)
                classes, values = config.n_outputs(), self.view.values
                self._post(data_message(self._data, self.bounds, classes, values))
                rebuilt = True
            elif config.network_key() != old.network_key():
                self._loaded = None  # another network: a loaded model's weights no longer fit
                self._reset(announce=False)
                rebuilt = True
            else:
                apply_live(self.trainer, config, old)
        except Exception:
            # a config the engine refuses leaves the session as it was, never half-built
            self.config = old
            if old is None:
                self.network = self.trainer = None
                self._dirty = False
            raise
        self._follow_features(old)
        if old is not None and config.speed != old.speed:
            self._next_epoch_at = 0.0  # a faster speed applies from the next epoch on
        if old is None or config.grid != old.grid or self.view.grid is None:
            self.view.set_boundary_grid(self.bounds, config.grid)
            self._dirty = True
        message = None
        if rebuilt and old is not None and (was_training or trained):
            message = self._restart(restart_reason(old, config, force_data), was_training)
        self._post(config_message(self.config, reply_to))
        self._status(message=message)

    def _restart(self, reason: str, was_training: bool) -> str:
        """After a rebuild (new data or a new network): a session that was training trains
        the fresh network on; either way the learner reads why the epochs went back to 0."""
        if was_training:
            self._begin_training()
            return f"{reason}: training restarted from epoch 0."
        return f"{reason}: a fresh network at epoch 0. Press Train to train it."

    def _follow_features(self, old: p.TrainerConfig | None) -> None:
        """Other input features: the plane's grids go through them, as the data does."""
        if old is None or self.config.features != old.features:
            self.view.set_features(self.config.features, self.bounds, self.config.grid)
            self._dirty = True

    def _make_data(self) -> None:
        self._data, self.bounds = make_data(self.config)
        self.view.set_values(value_scale(self.config, self._data))
        self._added = []
        self.view.set_plane(self.bounds, self.config.grid)

    def _load_model(self, network: Network, name: str, features: list[str] | None) -> None:
        if self.config is None:
            raise ValueError("This session has no data yet: wait for the trainer to open.")
        old = self.config
        self.config = config_for_model(old, network, features)
        self._follow_features(old)  # the model's inputs: the plane's grids go through them
        self._loaded = network.params.astype(np.float64)
        self._reset(announce=False)
        self._post(config_message(self.config))
        shape = "-".join(map(str, network.layer_sizes))
        inputs = ""
        if self.config.features != old.features:  # the checkboxes moved: say why
            inputs = f" on its own inputs, {', '.join(input_labels(self.config.features))}"
        self._status(
            message=f"Loaded {name}: a {shape} {network.activation} network{inputs}. Press "
            "Train to carry on training it; Reset comes back to these weights."
        )

    def _check_trainable(self) -> None:
        if self.view.diverged_at is not None:  # the loss overflowed: only a reset trains again
            raise Refused(
                "The loss diverged, so these weights are lost: lower the learning rate, "
                "then press Reset before training again."
            )

    def _add_point(self, command: p.AddPoint) -> None:
        """A point the learner clicked in joins the training set: a class, or on a regression
        set a target value (whose variance R² then counts it in)."""
        target = check_point(self.config, command, added=len(self._added))
        point = (float(command.x), float(command.y), target)
        self.trainer.add_point(network_inputs(self.config, np.array([point[:2]]))[0], target)
        self._added.append(point)
        values = self.view.values
        if values is not None:
            self.view.set_values({**values, "variance": float(self.trainer.y.var())})
        self._dirty = True
        self._post(points_message(point, len(self._added), values))

    def _set_weight(self, command: p.SetWeight) -> None:
        """The learner typed a weight: W[layer][source, target] takes it between two epochs,
        and training goes on from it (the optimiser keeps its state)."""
        W = self.network.W
        if command.layer >= len(W):
            raise Refused(f"layer must be between 0 and {len(W) - 1} for this network")
        rows, columns = W[command.layer].shape
        if command.source >= rows:
            raise Refused(f"source must be between 0 and {rows - 1} for layer {command.layer}")
        if command.target >= columns:
            raise Refused(f"target must be between 0 and {columns - 1} for layer {command.layer}")
        W[command.layer][command.source, command.target] = command.value
        if not self._training:  # a paused picture's readouts follow the new weight
            self.view.refresh(measure(self.trainer))
        self._dirty = True
        self._status(message=f"Set the weight to {command.value:g}; training goes on from it.")


def measure(trainer: Trainer) -> EpochReport:
    """The network's data loss and accuracy as it stands, without training: epoch 0's numbers
    (a fresh or loaded network), or the readouts after a weight the learner set."""
    network = trainer.network

    def on(X: np.ndarray | None, Y: np.ndarray | None, y: np.ndarray | None):
        if X is None or len(X) == 0:
            return None, None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = network.loss(X, Y)  # mean over the samples, no penalty (as EpochReport)
            right = network.predict(X) == y if trainer.classification else None
        return loss, None if right is None else float(np.mean(right))

    loss, accuracy = on(trainer.X, trainer.Y, trainer.y)
    val_loss, val_accuracy = on(trainer.X_val, trainer.Y_val, trainer.y_val)
    return EpochReport(trainer.epoch, loss, accuracy, val_loss, val_accuracy, 0.0, False)


RESTART_REASONS = (  # the first changed field names the restart
    ("dataset", "Dataset changed"),
    ("classes", "Data changed"),
    ("points", "Data changed"),
    ("noise", "Data changed"),
    ("validation", "Data changed"),
    ("seed", "New data"),
    ("features", "Input features changed"),
    ("hidden_layers", "Architecture changed"),
    ("units", "Architecture changed"),
    ("activation", "Activation changed"),
    ("weights_seed", "New initial weights"),
)


def restart_reason(old: p.TrainerConfig, new: p.TrainerConfig, new_data: bool) -> str:
    """Why a configuration rebuilt the session, in a few words for its status line."""
    for field, reason in RESTART_REASONS:
        if getattr(old, field) != getattr(new, field):
            return reason
    return "New data" if new_data else "Settings changed"
