"""What a live training session sends the browser: paced binary frames and JSON messages.

A ``SessionView`` keeps what the picture needs beyond the network itself: the history of
every curve, the throughput readout, the grids the network is evaluated on, and when the
neuron maps and the loss chart were last sent. It lives on the session's thread and takes no
lock: the session calls it between two epochs. The functions after it build the JSON
messages (``status``, ``config``, ``data``, ``points``, ``error``) and a download's metadata.

Binary frame layout (``render.pack_frame``): a uint32 header length, a JSON header, then
4-byte-aligned parts named in ``header["parts"]``:

``boundary``  768 bytes of palette (256 RGB colours), then width x height bytes, image order
              (top row first), each cell's index into that palette: the decision boundary.
              Two classes: index round(254 p(class 1)); more: a block of levels per class,
              the most likely class's at its confidence; 255 is grey, a cell that is not a
              number (``render.boundary_palette``). The page colours the indices, nothing more
              A regression set's frame instead has format "value8" and no palette: one byte
              per cell, the predicted value on the range ``header["values"]`` gives
              (``low`` to ``high``, with the predictions' own ``min`` and ``max``), an index
              into the options document's ``value_colours`` (``render.value_indices``)
``maps``      (optional, ~5 per second) one byte per cell for each hidden neuron, layer by
              layer, ``maps.size`` squared cells each: an index into ``map_colours``
``edges``     (with ``maps``) one signed byte per weight, W[0], W[1], ... each (n_in, n_out)
              in row order: ``round(127 * w / max|W_l|)``; width = |value|, colour = sign;
              the header's ``edges.scales`` gives each max|W_l| (what the editor shows)
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from neuronlab.engine.features import feature_map
from neuronlab.engine.grid import plane_grid
from neuronlab.engine.losses import r_squared
from neuronlab.engine.network import Network
from neuronlab.engine.training import EpochReport

from .. import render
from ..settings import Settings
from .protocol import TrainerConfig

CHART_POINTS = 600  # the loss chart gets at most this many points per curve
HISTORY_KEYS = ("epoch", "loss", "val_loss", "accuracy", "val_accuracy")
# a regression set's curves: R² where a classifier has its accuracy (which it has not)
VALUE_HISTORY_KEYS = ("epoch", "loss", "val_loss", "r2", "val_r2")
THROUGHPUT_WINDOW = 0.5  # seconds of wall-clock time averaged into the Throughput readout


class SessionView:
    """The history, throughput and grids of one session, packed into frames on request."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.grid: np.ndarray | None = None  # (grid * grid, 2) float32: where the boundary is
        self.map_grid: np.ndarray | None = None  # (map_size ** 2, 2) float32: the neuron maps
        self.features: tuple[str, ...] = ()  # the grids' extra columns, as the network's inputs
        self.history: dict[str, list[float | None]] = {}
        self.last: dict[str, float | None] = dict.fromkeys(HISTORY_KEYS)
        self.throughput = 0.0
        self.diverged_at: int | None = None  # the epoch whose loss overflowed, if one did
        # a regression set's value range and target variances (setup.value_scale), else None
        self.values: dict | None = None
        self._twin: Network | None = None  # the network in float32, for the pictures
        self._seq = 0
        self._last_maps = 0.0
        self._last_chart = 0.0
        self._force_maps = True
        self._force_chart = True
        self._window = [0, time.perf_counter()]  # samples trained since, window start

    def set_plane(self, bounds: tuple[float, float, float, float], size: int) -> None:
        """New data bounds: a ``size`` x ``size`` boundary grid and the neuron-map grid."""
        self.set_boundary_grid(bounds, size)
        self.map_grid = self._inputs(plane_grid(bounds, self.settings.map_size))

    def set_boundary_grid(self, bounds: tuple[float, float, float, float], size: int) -> None:
        """A new boundary resolution on the same bounds."""
        self.grid = self._inputs(plane_grid(bounds, size))

    def set_features(self, features, bounds, size: int) -> None:
        """The network's inputs gained or lost features: both grids go through them too."""
        self.features = tuple(features)
        self.set_plane(bounds, size)

    def _inputs(self, points: np.ndarray) -> np.ndarray:
        """A grid's cells (m, 2) as the network's inputs (m, 2 + features), in float32."""
        return feature_map(points, self.features).astype(np.float32)

    def set_values(self, values: dict | None) -> None:
        """A regression set's range and variances (``setup.value_scale``); None to classify."""
        self.values = values

    def release(self) -> None:
        """Let go of the grids, the float32 twin and the history (the session has closed)."""
        self.grid = self.map_grid = self._twin = None
        self.history = {key: [] for key in HISTORY_KEYS}

    def clear(self) -> None:
        """A fresh run: no history, no throughput, and the next frame complete. The curves
        are the loss and accuracy ones, or the loss and R² ones for a regression set."""
        keys = HISTORY_KEYS if self.values is None else VALUE_HISTORY_KEYS
        self.history = {key: [] for key in keys}
        self.last = dict.fromkeys(HISTORY_KEYS)  # the newest epoch's numbers, unrounded
        self.throughput = 0.0
        self.diverged_at = None
        self.force_complete()

    def force_complete(self) -> None:
        """The next frame carries the maps and the chart too (a paused picture must be whole)."""
        self._force_chart = self._force_maps = True

    def record(self, report: EpochReport, samples: int, period: float = 0.0) -> None:
        """Add an epoch to the curves; ``samples`` is the size of the training set and
        ``period`` the pace's seconds per epoch (0: as fast as it can)."""
        self._remember(report)
        if report.diverged and self.diverged_at is None:
            self.diverged_at = report.epoch
        self._count_samples(samples, period)

    def record_untrained(self, report: EpochReport) -> None:
        """Epoch 0: the fresh (or loaded) network's numbers, the first point of every curve."""
        self.clear()
        self._remember(report)

    def refresh(self, report: EpochReport) -> None:
        """New readouts for the weights as they are now (a weight the learner set), at the
        same epoch: the curves keep the numbers the epochs had."""
        self.last = {**self._numbers(report), "epoch": self.last["epoch"] or 0}

    def _numbers(self, report: EpochReport) -> dict[str, float | None]:
        numbers = {
            "epoch": report.epoch,
            "loss": json_number(report.train_loss),
            "val_loss": json_number(report.val_loss),
            "accuracy": json_number(report.train_accuracy),
            "val_accuracy": json_number(report.val_accuracy),
        }
        if self.values is not None:
            numbers.update(self._r_squared(numbers))
        return numbers

    def _remember(self, report: EpochReport) -> None:
        self.last = self._numbers(report)
        history = self.history
        history["epoch"].append(report.epoch)
        for key in list(history)[1:]:
            # four digits draw the same chart as seventeen, and encode in half the time
            value = self.last[key]
            history[key].append(None if value is None else float(f"{value:.4g}"))

    def start_clock(self) -> None:
        """Training (re)starts now: the throughput counts from here, paused time left out."""
        self._window = [0, time.perf_counter()]

    def _count_samples(self, samples: int, period: float) -> None:
        """Throughput: samples trained over the wall-clock time they took, pacing, frames
        and evaluation included (timing the gradient steps alone overstated it 1.5-1.8x).

        Before the first full window, the first epoch gives a figure at once, counted over
        at least the pace's ``period``: an epoch is over in a millisecond and the pace then
        waits, so its compute time alone overstated a paced rate some 30x."""
        window = self._window
        window[0] += samples
        now = time.perf_counter()
        elapsed = now - window[1]
        if elapsed >= THROUGHPUT_WINDOW or self.throughput == 0.0:
            self.throughput = window[0] / max(elapsed, period, 1e-9)
            self._window = [0, now]

    def _r_squared(self, numbers: dict) -> dict[str, float | None]:
        """A regression set has no accuracy: R² takes its place, from the same losses."""
        values = self.values
        return {
            "r2": json_number(r_squared(numbers["loss"], values["variance"])),
            "val_r2": json_number(r_squared(numbers["val_loss"], values["val_variance"])),
        }

    def _value_frame(self, network: Network, size: int) -> tuple[dict, bytes, dict]:
        """A regression network's predicted values on the grid: the boundary header, one byte
        per cell on the set's range, and the range with the predictions' own extremes."""
        low, high = self.values["low"], self.values["high"]
        with np.errstate(over="ignore", invalid="ignore"):
            predicted = network.forward(self.grid)[:, 0]  # (size * size,)
            finite = predicted[np.isfinite(predicted)]
        values = {
            "low": low,
            "high": high,
            "min": json_number(float(finite.min())) if finite.size else None,
            "max": json_number(float(finite.max())) if finite.size else None,
        }
        boundary = {"width": size, "height": size, "format": "value8", "palette": 0}
        return boundary, render.value_indices(predicted, low, high), values

    def _picture_of(self, network: Network) -> Network:
        """A float32 twin of ``network`` with its current weights, to draw it with.

        The pictures need three digits, not sixteen, and float32 evaluates the 10,000 cells
        of a 100 x 100 boundary about four times faster here (0.5 ms instead of 2.3, most of
        a frame's cost): a class of 30 gets its frames from the time saved. (The default
        grid is now 64 x 64, which the page's canvas scales up smoothly: 4,096 cells.)
        """
        twin = self._twin
        if (
            twin is None
            or twin.layer_sizes != network.layer_sizes
            or twin.activation != network.activation
            or twin.output != network.output
        ):
            twin = self._twin = Network(
                network.layer_sizes, network.activation, network.output, dtype=np.float32
            )
        with np.errstate(over="ignore", invalid="ignore"):
            twin.params[...] = network.params  # past float32's range: inf, drawn grey
        return twin

    def build_frame(self, network: Network, size: int, running: bool) -> bytes:
        """Evaluate ``network`` on the grids and pack a binary frame (see module docstring).

        ``size`` is the boundary grid's side; the maps and the chart come at most
        ``settings.map_rate`` and ``settings.chart_rate`` times a second, unless forced.
        """
        now = time.perf_counter()
        self._seq += 1
        history = self.history
        last = self.last
        header: dict[str, Any] = {
            "type": "frame",
            "seq": self._seq,
            "epoch": last["epoch"] or 0,
            "loss": last["loss"],
            "accuracy": last["accuracy"],
            "val_loss": last["val_loss"],
            "val_accuracy": last["val_accuracy"],
            "samples_per_second": json_number(self.throughput),
            "running": running,
            "diverged_at": self.diverged_at,  # the loss is null from there on: it overflowed
            "boundary": {"width": size, "height": size, "format": "palette8", "palette": 768},
        }
        weights = network.W  # the edges' strengths, from the weights themselves
        network = self._picture_of(network)
        if network.output == "identity":
            header["boundary"], boundary, header["values"] = self._value_frame(network, size)
            header["r2"], header["val_r2"] = last.get("r2"), last.get("val_r2")
        else:
            probabilities = network.predict_proba(self.grid)  # (size * size, k)
            classes = probabilities.shape[1]
            boundary = render.boundary_palette(classes) + render.boundary_indices(probabilities)
        parts = [("boundary", boundary)]

        if self._force_maps or now - self._last_maps >= 1.0 / self.settings.map_rate:
            hidden = network.hidden_activations(self.map_grid)  # per layer (m * m, units)
            header["maps"] = {
                "size": self.settings.map_size,
                "layers": [int(A.shape[1]) for A in hidden],
                "format": "u8 index into map_colours",
            }
            header["edges"] = {
                "layer_sizes": list(network.layer_sizes),
                "format": "i8",
                "scales": edge_scales(weights),  # a byte of 127 is this weight, per layer
            }
            parts.append(("maps", render.map_indices(hidden)))
            parts.append(("edges", render.edge_strengths(weights)))
            self._last_maps = now
            self._force_maps = False

        if self._force_chart or now - self._last_chart >= 1.0 / self.settings.chart_rate:
            header["chart"] = downsample(history, CHART_POINTS)
            self._last_chart = now
            self._force_chart = False
        return render.pack_frame(header, parts)


# ---------------------------------------------------------------------- JSON messages
def status_message(running: bool, epoch: int, message: str | None, diverged: bool) -> dict:
    """The ``status`` message: training or paused, at which epoch, and why if it stopped."""
    return {
        "type": "status",
        "running": running,
        "epoch": epoch,
        "message": message,
        "diverged": diverged,
    }


def config_message(config: TrainerConfig, reply_to: int | None = None) -> dict:
    """The ``config`` message: the config in force, for the controls and the URL, with the
    ``seq`` of the configure it answers as ``reply_to`` (none when nobody asked for it)."""
    message = {"type": "config", "config": config.model_dump()}
    if reply_to is not None:
        message["reply_to"] = reply_to
    return message


def points_message(
    point: tuple[float, float, float], count: int, values: dict | None = None
) -> dict:
    """The ``points`` message: a point the learner added, [x, y, label] (or [x, y, value] on
    a regression set, with ``index``: that value's colour in ``value_colours`` on the range
    ``values`` gives, as the ``data`` message's points have), and how many there are now."""
    message = {"type": "points", "added": [list(point)], "count": count}
    if values is not None:
        target = np.array([point[2]])
        message["index"] = list(render.value_indices(target, values["low"], values["high"]))
    return message


def error_message(detail: str, fields: tuple[str, ...] = (), reply_to: int | None = None) -> dict:
    """The ``error`` message: one English sentence saying what to do, the names of the
    settings it refused, and the ``seq`` of the configure it answers as ``reply_to``."""
    message: dict = {"type": "error", "detail": detail}
    if fields:
        message["fields"] = list(fields)
    if reply_to is not None:
        message["reply_to"] = reply_to
    return message


def data_message(
    data: tuple, bounds: tuple[float, ...], classes: int, values: dict | None = None
) -> dict:
    """The ``data`` message: the training and validation points, for the scatter plot.

    For a regression set (``values``, from ``setup.value_scale``) ``classes`` is 1, every
    point's ``label`` 0, and each point also has its target ``value`` and that value's
    ``index`` into ``value_colours`` on the range ``values`` gives (``low``, ``high``; its
    ``middle``, the middle of the targets' range, is the first value of new points).
    """
    X_train, y_train, X_val, y_val = data

    def points(X: np.ndarray, y: np.ndarray) -> dict:
        part = {
            "x": np.round(X[:, 0], 5).tolist(),
            "y": np.round(X[:, 1], 5).tolist(),
            "label": (np.zeros(len(y)) if values else y).astype(int).tolist(),
        }
        if values:
            part["value"] = np.round(y, 4).tolist()
            part["index"] = list(render.value_indices(y, values["low"], values["high"]))
        return part

    message = {
        "type": "data",
        "bounds": list(bounds),
        "ticks": plane_ticks(bounds),
        "classes": classes,
        "task": "regression" if values else "classification",
        "train": points(X_train, y_train),
        "validation": points(X_val, y_val),
        # the boundary's indices in hard class colours, for "Discretise output"
        "hard_palette": hard_palette(classes),
    }
    if values:
        message["values"] = {key: values[key] for key in ("low", "high", "middle")}
    return message


def hard_palette(classes: int) -> list[int] | None:
    """``render.hard_boundary_palette`` as numbers for JSON; None where the plane is not
    coloured by class (the page then draws it as it comes)."""
    if not 2 <= classes <= len(render.CLASS_COLOURS):
        return None
    return list(render.hard_boundary_palette(classes))


TICK_STEPS = (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100)
EDGE = 0.92  # ticks stay within this fraction of the plane's half-width


def plane_ticks(bounds: tuple[float, ...], per_side: int = 2) -> list[float]:
    """Where the plane's axes get a numbered tick: multiples of a round step, at most
    ``per_side`` on each side of 0 and well inside the bounds (±1.2 gives ±0.5 and ±1).
    0 itself is left out: the axes cross there. The same ticks serve both axes; a plane too
    wide for the largest step has none."""
    half = max(abs(value) for value in bounds)
    step = next((s for s in TICK_STEPS if math.floor(half / s + 1e-9) <= per_side), None)
    if step is None:
        return []
    ticks = (round(k * step, 6) for k in range(-per_side, per_side + 1) if k)
    # none in the outer 8%: a number there would run into the frame and the other axis's
    return [tick for tick in ticks if abs(tick) <= EDGE * half]


def download_metadata(config: TrainerConfig, epoch: int) -> dict:
    """What a downloaded model records of where it came from."""
    return {
        "source": "neuronlab lab trainer",
        "epoch": epoch,
        "classes": None if config.is_regression() else config.n_classes(),
        "config": config.model_dump(),
    }


def divergence_advice(message: str) -> str:
    """The engine's divergence report as a sentence, with what to try next."""
    text = message[0].upper() + message[1:]
    if not text.endswith("."):
        text += "."
    return (
        f"{text} The steps overshot until the numbers overflowed. Try a learning rate ten "
        "times smaller, a larger batch, or Adam, then press Reset."
    )


def downsample(history: dict[str, list], limit: int) -> dict[str, list]:
    """At most ``limit`` evenly spaced epochs (always the last) of every curve."""
    count = len(history.get("epoch", ()))
    if count <= limit:
        return {key: list(values) for key, values in history.items()}
    keep = np.unique(np.linspace(0, count - 1, limit).round().astype(int))
    return {key: [values[i] for i in keep] for key, values in history.items()}


def json_number(value: float | None) -> float | None:
    """JSON has no NaN or infinity: send null instead."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def edge_scales(weights: list[np.ndarray]) -> list[float | None]:
    """The largest |w| of each layer: the weight a byte of 127 in ``edges`` stands for, so the
    diagram can say what a weight is before the learner edits it."""
    return [json_number(float(np.nanmax(np.abs(W)))) if W.size else None for W in weights]
