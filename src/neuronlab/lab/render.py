"""Colours and bytes: what the engine computed, made ready for a canvas.

The browser does no arithmetic on the model: it copies these bytes into an ``ImageData``
or looks them up in a 256-entry table. This module decides every colour, so the page and
the downloaded figure agree.

- ``boundary_indices`` and ``boundary_palette``: the live trainer's compact boundary, one
  byte per cell indexing a 256-colour palette the server sends with it (a quarter of RGBA,
  and smooth enough that the socket's compression halves it again). The palette's colours
  are ``boundary_rgba``'s.
- ``boundary_rgba``: class probabilities per grid cell -> RGBA bytes. The cell's colour is
  the probability-weighted mix of the class colours, laid over white with an opacity that
  grows with the network's confidence: a certain cell is strongly coloured, a 50/50 cell
  (the decision boundary) is pale.
- ``value_indices`` and ``VALUE_COLOURS``: a regression network's predicted values per cell
  -> one byte each on a fixed range (0 its low end, 254 its high end, 255 not a number), an
  index into the diverging table ``VALUE_COLOURS`` (palette.py) the page gets from the
  options document; the points' target values go the same way, so they share the shading.
- ``map_indices``: a hidden neuron's activation over the plane -> one byte per cell, an
  index into ``MAP_COLOURS`` (0 = its most negative value, 128 = zero, 255 = its largest),
  scaled per neuron so that each map shows its own shape.
- ``edge_strengths``: weights -> signed bytes, ``round(127 * W / max|W|)`` per layer, for
  edge widths (``|value|``) and colours (sign).
"""

from __future__ import annotations

import functools
import json

import numpy as np

from .. import palette

# The colours every picture of neuronlab uses (palette.py): the lab's boundary and points,
# the plots' figures. Okabe & Ito's colour-blind-safe set, in class order, told apart by shape too.
CLASS_COLOURS: tuple[tuple[int, int, int], ...] = palette.CLASS_RGB
SHAPES = palette.CLASS_SHAPES  # class 0, 1, 2, ...

NEGATIVE = np.array(CLASS_COLOURS[0], dtype=float)
POSITIVE = np.array(CLASS_COLOURS[1], dtype=float)
WHITE = np.array((255.0, 255.0, 255.0))
UNKNOWN = (160, 160, 160, 255)  # cells whose probabilities are not numbers (diverged)


def _map_colours() -> list[list[int]]:
    # 0 -> orange (negative), 127.5 -> white, 255 -> blue (positive)
    t = (np.arange(256) - 127.5) / 127.5  # (256,) in [-1, 1]
    strength = np.abs(t)[:, None] ** 0.8
    end = np.where(t[:, None] < 0, NEGATIVE, POSITIVE)
    return np.rint(WHITE + (end - WHITE) * strength).astype(int).tolist()


MAP_COLOURS: list[list[int]] = _map_colours()  # (256, 3) RGB table for neuron maps


def boundary_rgba(probabilities: np.ndarray) -> bytes:
    """RGBA bytes (n * 4) for the class probabilities (n, k) of n grid cells."""
    P = np.asarray(probabilities, dtype=np.float64)
    n, k = P.shape
    if k > len(CLASS_COLOURS):
        raise ValueError(f"at most {len(CLASS_COLOURS)} classes can be coloured, got {k}")
    bad = ~np.isfinite(P).all(axis=1)
    P = np.where(bad[:, None], 1.0 / k, P)
    colours = np.array(CLASS_COLOURS[:k], dtype=np.float64)  # (k, 3)
    mix = P @ colours  # (n, 3): probability-weighted class colour
    confidence = (P.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)  # 0 at a tie, 1 when certain
    opacity = (0.2 + 0.55 * confidence)[:, None]  # (n, 1)
    rgb = WHITE + (mix - WHITE) * opacity
    rgba = np.empty((n, 4), dtype=np.uint8)
    rgba[:, :3] = np.clip(np.rint(rgb), 0, 255)
    rgba[:, 3] = 255
    rgba[bad] = UNKNOWN
    return rgba.tobytes()


UNKNOWN_INDEX = 255  # the boundary palette's entry for cells that are not numbers


def boundary_levels(classes: int) -> int:
    """Confidence levels per class in the boundary palette (two classes: 255 shades of p)."""
    return 255 if classes == 2 else 255 // classes


@functools.lru_cache(maxsize=8)
def boundary_palette(classes: int) -> bytes:
    """The 256 RGB colours (768 bytes) that ``boundary_indices`` bytes index, for ``classes``.

    Two classes: entry i is the colour ``boundary_rgba`` gives p(class 1) = i / 254, so the
    picture is ``boundary_rgba``'s to within a 254th. More classes: ``boundary_levels`` entries
    per class, its colour at a confidence from 0 to 1, laid over white as ``boundary_rgba``
    lays its mix (the most likely class's colour, where ``boundary_rgba`` mixes them all).
    The last entry is grey, for cells that are not numbers.
    """
    if not 2 <= classes <= len(CLASS_COLOURS):
        raise ValueError(f"classes must be between 2 and {len(CLASS_COLOURS)}, got {classes}")
    levels = boundary_levels(classes)
    if classes == 2:
        p = np.arange(levels) / (levels - 1)  # (levels,) p(class 1)
        rgb = np.frombuffer(boundary_rgba(np.stack([1 - p, p], axis=1)), np.uint8)
        rgb = rgb.reshape(-1, 4)[:, :3]
    else:
        confidence = np.arange(levels) / (levels - 1)  # (levels,)
        opacity = (0.2 + 0.55 * confidence)[None, :, None]  # as in boundary_rgba
        colours = np.array(CLASS_COLOURS[:classes], dtype=np.float64)[:, None, :]  # (k, 1, 3)
        rgb = np.rint(WHITE + (colours - WHITE) * opacity).reshape(-1, 3)  # (k * levels, 3)
    palette = np.tile(np.array(UNKNOWN[:3], dtype=np.uint8), (256, 1))  # (256, 3)
    palette[: len(rgb)] = rgb
    return palette.tobytes()


@functools.lru_cache(maxsize=8)
def hard_boundary_palette(classes: int) -> bytes:
    """``boundary_palette``'s twin for a discretised plane: every entry is the colour of the
    class it stands for at full confidence, so the same indices paint hard class regions.

    Two classes: entries below 127 (p(class 1) < 0.5) are class 0's, above 127 class 1's,
    and 127 itself (a tie) stays the mix. More classes: each class's block is its full colour.
    """
    soft = np.frombuffer(boundary_palette(classes), np.uint8).reshape(256, 3)
    hard = soft.copy()
    levels = boundary_levels(classes)
    if classes == 2:
        hard[:127] = soft[0]
        hard[128:levels] = soft[levels - 1]
    else:
        for k in range(classes):
            hard[k * levels : (k + 1) * levels] = soft[(k + 1) * levels - 1]
    return hard.tobytes()


def boundary_indices(probabilities: np.ndarray) -> bytes:
    """One byte per grid cell (n): its entry in ``boundary_palette(k)`` for the class
    probabilities (n, k). Two classes: round(254 p(class 1)); more: the most likely class's
    block, at its confidence. 255 marks a cell whose probabilities are not numbers."""
    P = np.asarray(probabilities)
    n, k = P.shape
    levels = boundary_levels(k)
    if k == 2:
        index = np.rint(P[:, 1] * (levels - 1))  # (n,)
    else:
        winner = P.argmax(axis=1)  # (n,)
        confidence = (P.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)  # 0 at a tie, 1 when certain
        index = winner * levels + np.rint(confidence * (levels - 1))
    bad = ~np.isfinite(index)
    index[bad] = UNKNOWN_INDEX
    return np.clip(index, 0, UNKNOWN_INDEX).astype(np.uint8).tobytes()


VALUE_LEVELS = 255  # shades of a predicted value; index 255 is grey, a cell not a number
VALUE_COLOURS: list[list[int]] = [list(c) for c in palette.diverging(VALUE_LEVELS)] + [
    list(UNKNOWN[:3])
]  # (256, 3) RGB table for regression values
# "Discretise output" on a regression set: the sign of the value alone, the low end's colour
# below 0 and the high end's above, white at 0 itself and grey for not a number
VALUE_COLOURS_HARD: list[list[int]] = (
    [VALUE_COLOURS[0]] * ((VALUE_LEVELS - 1) // 2)
    + [VALUE_COLOURS[(VALUE_LEVELS - 1) // 2]]
    + [VALUE_COLOURS[VALUE_LEVELS - 1]] * ((VALUE_LEVELS - 1) // 2)
    + [VALUE_COLOURS[-1]]
)


def value_indices(values: np.ndarray, low: float, high: float) -> bytes:
    """One byte per value (n,): round(254 (v - low) / (high - low)), clipped to [0, 254]; a
    value beyond the range takes the end's colour, one that is not a number 255 (grey)."""
    if not high > low:
        raise ValueError(f"high must be greater than low, got low={low}, high={high}")
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    with np.errstate(invalid="ignore", over="ignore"):
        index = np.rint((v - low) * ((VALUE_LEVELS - 1) / (high - low)))
    index = np.clip(index, 0, VALUE_LEVELS - 1)
    index[~np.isfinite(v)] = UNKNOWN_INDEX
    return index.astype(np.uint8).tobytes()


def map_indices(activations: list[np.ndarray]) -> bytes:
    """One byte per cell and neuron: hidden layer by layer, neuron by neuron, cells in order.

    ``activations`` holds one (n, units) array per hidden layer (``hidden_activations``).
    """
    parts = []
    for A in activations:
        A = np.nan_to_num(np.asarray(A, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        scale = np.abs(A).max(axis=0)  # (units,) largest |a| of each neuron
        scale[scale == 0] = 1.0
        index = np.rint(127.5 + 127.5 * (A / scale))  # (n, units) in [0, 255]
        parts.append(np.clip(index, 0, 255).astype(np.uint8).T)  # (units, n)
    return b"".join(np.ascontiguousarray(part).tobytes() for part in parts)


def edge_strengths(weights: list[np.ndarray]) -> bytes:
    """Signed bytes per weight, layer by layer, each W (n_in, n_out) in row order."""
    parts = []
    for W in weights:
        W = np.nan_to_num(np.asarray(W, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        largest = float(np.abs(W).max()) or 1.0
        parts.append(np.clip(np.rint(127 * W / largest), -127, 127).astype(np.int8))
    return b"".join(part.tobytes() for part in parts)


def pack_frame(header: dict, parts: list[tuple[str, bytes]]) -> bytes:
    """One binary WebSocket message: a JSON header, then the payload parts.

    Layout: a uint32 (little-endian) header length H; H bytes of UTF-8 JSON; then each part,
    every one starting at a multiple of 4 bytes (zero padding between). The header lists the
    parts in order as ``"parts": [{"name": ..., "length": ...}, ...]``.
    """
    header = {**header, "parts": [{"name": name, "length": len(data)} for name, data in parts]}
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    chunks = [len(header_bytes).to_bytes(4, "little"), header_bytes]
    size = 4 + len(header_bytes)
    for _name, data in parts:
        pad = (-size) % 4
        chunks += [b"\0" * pad, data]
        size += pad + len(data)
    return b"".join(chunks)
