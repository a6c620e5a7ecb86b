"""The live trainer's compact boundary: palette indices that draw the picture RGBA drew."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.lab import render


def colours_of(probabilities: np.ndarray) -> np.ndarray:
    """What the page paints: each cell's index looked up in the palette, (n, 3)."""
    classes = probabilities.shape[1]
    palette = np.frombuffer(render.boundary_palette(classes), np.uint8).reshape(256, 3)
    return palette[np.frombuffer(render.boundary_indices(probabilities), np.uint8)]


def test_two_classes_look_as_rgba_did():
    p = np.random.default_rng(0).random(5000)
    P = np.stack([1 - p, p], axis=1)
    rgba = np.frombuffer(render.boundary_rgba(P), np.uint8).reshape(-1, 4)[:, :3]
    difference = np.abs(colours_of(P).astype(int) - rgba.astype(int))
    assert difference.max() <= 1  # a 254th of p moves a colour by less than one unit


def test_a_byte_per_cell_and_grey_where_the_network_overflowed():
    P = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0], [np.nan, np.nan]])
    assert list(render.boundary_indices(P)) == [0, 127, 254, 255]
    assert tuple(colours_of(P)[3]) == render.UNKNOWN[:3]


def test_more_classes_take_the_likeliest_colour_paler_when_unsure():
    P = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.34, 0.33, 0.33], [0.02, 0.02, 0.96]])
    colours = colours_of(P).astype(float)
    white = np.array([255.0, 255.0, 255.0])
    for row, winner in zip(colours, [0, 1, 0, 2], strict=True):
        towards = np.array(render.CLASS_COLOURS[winner]) - white
        offset = row - white  # along the winner's colour from white
        cosine = offset @ towards / (np.linalg.norm(offset) * np.linalg.norm(towards))
        assert cosine > 0.99
    # the unsure cell is the palest: nearest white
    distances = np.linalg.norm(colours - white, axis=1)
    assert distances.argmin() == 2


@pytest.mark.parametrize("classes", [1, 7])
def test_palette_refuses_class_counts_it_cannot_colour(classes):
    with pytest.raises(ValueError, match="classes"):
        render.boundary_palette(classes)


# ------------------------------------------------------------------- regression values
def test_values_map_onto_the_diverging_table_with_white_at_zero():
    indices = render.value_indices(np.array([-1.0, 0.0, 1.0, -3.0, 3.0, np.nan]), -1.0, 1.0)
    assert list(indices) == [0, 127, 254, 0, 254, 255]  # beyond the range: the end's colour
    table = render.VALUE_COLOURS
    assert len(table) == 256 and table[255] == list(render.UNKNOWN[:3])
    assert table[127] == [255, 255, 255]  # zero is white
    assert table[0] == list(render.CLASS_COLOURS[0]) and table[254] == list(render.CLASS_COLOURS[1])


def test_discretised_values_keep_their_sign_alone():
    hard = render.VALUE_COLOURS_HARD
    low, high = render.VALUE_COLOURS[0], render.VALUE_COLOURS[254]
    assert len(hard) == 256
    assert hard[:127] == [low] * 127 and hard[128:255] == [high] * 127
    assert hard[127] == [255, 255, 255] and hard[255] == list(render.UNKNOWN[:3])


def test_values_need_a_range():
    with pytest.raises(ValueError, match="high"):
        render.value_indices(np.zeros(3), 1.0, 1.0)
