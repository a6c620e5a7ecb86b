"""plots: each figure draws on the axes it is given, with the marks the issue promises."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from PIL import Image

from neuronlab import plots
from neuronlab.engine import Network, Trainer, make_optimizer
from neuronlab.engine.datasets import make_dataset, train_val_test_split
from neuronlab.engine.surfaces import descend


@pytest.fixture(scope="module")
def blobs():
    """A network trained on two separable blobs: class 0 upper right, class 1 lower left."""
    X, y = make_dataset("gaussian", n=120, noise=0.05, seed=1)
    X_train, y_train, X_val, y_val, _, _ = train_val_test_split(X, y, val=0.25, seed=1)
    network = Network([2, 8, 2], "tanh", seed=1)
    trainer = Trainer(network, make_optimizer("adam", 0.05), X_train, y_train, X_val, y_val)
    for _ in trainer.train(60):
        pass
    return network, trainer, X_train, y_train, X_val, y_val


def new_axes():
    return Figure(figsize=(5, 5)).subplots()


def test_no_display_means_the_agg_backend():
    assert matplotlib.get_backend().lower() == "agg"


def test_probability_image_is_white_when_undecided_and_coloured_when_sure():
    image = plots.probability_image(np.array([[[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]]]))
    np.testing.assert_allclose(image[0, 0], [1, 1, 1])  # p = 1/k: no colour
    orange, blue = (matplotlib.colors.to_rgb(c) for c in plots.CLASS_COLOURS[:2])
    for got, colour in ((image[0, 1], orange), (image[0, 2], blue)):
        # a blend of white towards the class colour: closer to it than to the other class
        assert np.linalg.norm(got - colour) < np.linalg.norm(
            got - (blue if colour is orange else orange)
        )


def test_decision_boundary_shades_marks_and_outlines(blobs, tmp_path):
    network, _, X_train, y_train, X_val, y_val = blobs
    ax = new_axes()
    assert (
        plots.plot_decision_boundary(
            network, X_train, y_train, ax=ax, X_val=X_val, y_val=y_val, resolution=60
        )
        is ax
    )
    assert len(ax.images) == 1
    shading = ax.images[0].get_array()  # (60, 60, 3), image rows from the top
    # the class-0 blob sits upper right (angle pi/4), class 1 lower left (angle 5 pi/4)
    orange = np.array(matplotlib.colors.to_rgb(plots.class_colour(0)))
    blue = np.array(matplotlib.colors.to_rgb(plots.class_colour(1)))
    upper_right, lower_left = shading[12, 48], shading[48, 12]
    assert np.linalg.norm(upper_right - orange) < np.linalg.norm(upper_right - blue)
    assert np.linalg.norm(lower_left - blue) < np.linalg.norm(lower_left - orange)
    # four point sets: training filled and validation outlined, for each class
    train_0, train_1, val_0, val_1 = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(train_0.get_offsets()) == np.sum(y_train == 0)
    assert len(val_1.get_offsets()) == np.sum(y_val == 1)
    assert len(train_0.get_paths()[0].vertices) == 5  # a square
    assert len(train_1.get_paths()[0].vertices) > 8  # a circle
    np.testing.assert_allclose(train_0.get_facecolors()[0][:3], orange)  # filled
    np.testing.assert_allclose(val_0.get_facecolors()[0][:3], [1, 1, 1])  # outlined
    np.testing.assert_allclose(val_0.get_edgecolors()[0][:3], orange)
    ax.figure.savefig(tmp_path / "boundary.png")
    assert Image.open(tmp_path / "boundary.png").size == (500, 500)


def test_decision_boundary_takes_any_classifier_and_more_classes():
    from sklearn.linear_model import LogisticRegression

    X, y = make_dataset("gaussian", n=90, noise=0.05, seed=2, classes=3)
    model = LogisticRegression().fit(X, y)
    ax = plots.plot_decision_boundary(model, X, y, ax=new_axes(), resolution=40)
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    shapes = [len(c.get_paths()[0].vertices) for c in points]
    assert len(shapes) == 3 and len(set(shapes)) == 3  # square, circle, triangle
    with pytest.raises(TypeError, match="predict_proba"):
        plots.plot_decision_boundary(object(), X, y, ax=new_axes())
    with pytest.raises(ValueError, match="n_samples, 2"):
        plots.plot_decision_boundary(model, np.zeros((3, 4)), y[:3], ax=new_axes())


def test_loss_curves_mark_the_best_epoch():
    history = [
        {"epoch": e, "train_loss": 1.0 / e, "val_loss": 0.2 + (e - 4) ** 2 / 50, "is_best": e <= 4}
        for e in range(1, 11)
    ]
    ax = plots.plot_loss_curves(history, ax=new_axes())
    train, val, marker_line, star = (line for line in ax.get_lines())
    np.testing.assert_allclose(train.get_ydata(), [1.0 / e for e in range(1, 11)])
    assert list(marker_line.get_xdata()) == [4, 4]  # the vertical line at the best epoch
    assert list(star.get_xdata()) == [4] and star.get_ydata()[0] == pytest.approx(0.2)
    assert "best epoch 4" in [t.get_text() for t in ax.get_legend().get_texts()][-1]


def test_loss_curves_from_a_trainer_pick_log_scale_for_a_wide_range(blobs):
    _, trainer, *_ = blobs
    ax = plots.plot_loss_curves(trainer, ax=new_axes(), log=True)
    assert ax.get_yscale() == "log"
    assert len(ax.get_lines()[0].get_xdata()) == len(trainer.history)
    with pytest.raises(ValueError, match="empty"):
        plots.plot_loss_curves([], ax=new_axes())


def test_descent_paths_one_line_per_optimiser():
    paths = {
        name: descend("himmelblau", (0.5, -0.5), make_optimizer(name, 0.01), steps=80)
        for name in ("sgd", "adam")
    }
    ax = plots.plot_descent_paths("himmelblau", paths, ax=new_axes())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [label.split()[0] for label in labels] == ["sgd", "adam"]
    lines = {
        line.get_label().split()[0]: line
        for line in ax.get_lines()
        if line.get_label().split()[0] in paths
    }
    np.testing.assert_allclose(lines["adam"].get_xydata(), paths["adam"].points)
    assert ax.get_xlim() == (-5.0, 5.0)


def test_confusion_matrix_counts_true_against_predicted():
    y_true = np.array([0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0, 2])
    np.testing.assert_array_equal(
        plots.confusion_matrix(y_true, y_pred), [[1, 1, 0], [0, 2, 0], [1, 0, 2]]
    )
    ax = plots.plot_confusion_matrix(y_true, y_pred, ax=new_axes())
    assert [t.get_text() for t in ax.texts] == ["1", "1", "0", "0", "2", "0", "1", "0", "2"]
    assert ax.get_title() == "accuracy 71.4% (5 of 7)"


def test_boundary_animation_writes_a_gif(tmp_path):
    X, y = make_dataset("xor", n=40, seed=0)
    grid = np.full((20, 20, 2), 0.5)
    frames = [(epoch, grid * 0 + [1 - epoch / 10, epoch / 10]) for epoch in range(0, 11, 2)]
    path = tmp_path / "learning.gif"
    plots.save_boundary_animation(frames, X, y, path, bounds=(-1.2, 1.2, -1.2, 1.2), fps=4)
    with Image.open(path) as gif:
        assert gif.n_frames == len(frames)
        first = gif.info["duration"]
        gif.seek(gif.n_frames - 1)
        assert gif.info["duration"] >= 4 * first  # the last frame is held for a second
