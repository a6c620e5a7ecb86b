"""The figures a data scientist makes: framed on the data, curves of an estimator, string
labels in the confusion matrix, legends beside the data, race paths told apart."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning

from neuronlab import MLPClassifier, MLPRegressor, palette, plots
from neuronlab.engine.datasets import make_dataset
from neuronlab.engine.surfaces import descend

ARTIFACTS = None  # set by the fixture below: where the figures are written to be looked at


@pytest.fixture(scope="module")
def shifted_moons():
    X, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    X = X + [20.0, 10.0]  # far from the origin
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier((16, 16), learning_rate_init=0.01, batch_size=32, max_iter=200,
                              random_state=0, early_stopping=True).fit(X, y)  # fmt: skip
    return X, y, model


def test_the_plane_is_framed_on_the_data_wherever_it_lies(shifted_moons, tmp_path):
    X, y, model = shifted_moons
    figure = Figure(figsize=(7, 5))
    ax = plots.plot_decision_boundary(model, X, y, ax=figure.subplots())
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 < X[:, 0].min() < X[:, 0].max() < x1 and y0 < X[:, 1].min() < X[:, 1].max() < y1
    # the points fill the frame: the margin is a small share, not a square around the origin
    assert (X[:, 0].max() - X[:, 0].min()) / (x1 - x0) > 0.8
    assert (X[:, 1].max() - X[:, 1].min()) / (y1 - y0) > 0.8
    figure.savefig(tmp_path / "moons.png")


def test_the_regression_surface_is_framed_on_the_data_too():
    rng = np.random.default_rng(0)
    X = rng.uniform([100, -5], [110, -3], size=(150, 2))
    y = X[:, 0] - 100 + X[:, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor((8,), max_iter=50, random_state=0).fit(X, y)
    ax = plots.plot_regression_surface(model, X, y, ax=Figure().subplots())
    assert ax.get_xlim()[0] > 99 and ax.get_xlim()[1] < 111
    assert ax.get_ylim()[0] > -5.5 and ax.get_ylim()[1] < -2.5
    assert ax.get_aspect() == "auto"  # a 10-wide and 2-high cloud is not squeezed into a strip


def test_the_legend_sits_beside_the_plane_not_on_it(shifted_moons):
    X, y, model = shifted_moons
    figure = Figure(figsize=(7, 5))
    ax = plots.plot_decision_boundary(model, X, y, ax=figure.subplots())
    figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    plane = ax.get_window_extent()
    assert legend.x0 >= plane.x1  # entirely to the right of the axes


def test_a_figure_the_plot_makes_itself_keeps_its_legend_on_a_plain_savefig(tmp_path):
    # `ax = plot_decision_boundary(...); ax.figure.savefig("b.png")`, no bbox_inches: the
    # legend beside the plane must be inside the picture, long class names and all
    from matplotlib import pyplot as plt

    X, y = make_dataset("xor", n=200, noise=0.1, seed=0)
    names = np.array(["north-east and south-west", "north-west and south-east"])[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier((8,), max_iter=30, random_state=0).fit(X, names)
    ax = plots.plot_decision_boundary(model, X, names)
    try:
        ax.figure.savefig(tmp_path / "xor.png")  # draws the figure as it is written
        legend = ax.get_legend().get_window_extent()
        picture = ax.figure.bbox
        assert picture.x0 <= legend.x0 and legend.x1 <= picture.x1, (legend, picture)
        assert ax.get_window_extent().x1 <= legend.x0  # and still beside the plane
    finally:
        plt.close(ax.figure)


def test_accuracy_and_validation_curves_of_a_fitted_estimator(shifted_moons):
    X, y, model = shifted_moons
    ax = plots.plot_accuracy_curves(model, ax=Figure().subplots())
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["training accuracy"], model.accuracy_curve_)
    np.testing.assert_array_equal(lines["validation accuracy"], model.validation_scores_)
    assert model.accuracy_curve_[-1] > 0.8
    regressor = MLPRegressor((4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        regressor.fit(X, y.astype(float))
    with pytest.raises(ValueError, match="regression model"):
        plots.plot_accuracy_curves(regressor, ax=Figure().subplots())


def test_the_confusion_matrix_takes_string_labels_through_scikit_learn():
    truth = np.array(["cat", "dog", "dog", "bird", "cat", "dog"])
    guess = np.array(["cat", "dog", "cat", "bird", "cat", "bird"])
    ax = plots.plot_confusion_matrix(truth, guess, ax=Figure().subplots())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["bird", "cat", "dog"]
    cells = [t.get_text() for t in ax.texts]
    assert cells == ["1", "0", "0", "0", "2", "0", "1", "1", "1"]  # rows: true bird, cat, dog
    assert "accuracy 66.7%" in ax.get_title()
    named = plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0], ax=Figure().subplots(),
                                        labels=["no", "yes"])  # fmt: skip
    assert [t.get_text() for t in named.get_yticklabels()] == ["no", "yes"]


def test_race_paths_differ_by_dash_and_marker_as_in_the_lab():
    paths = {name: descend("valley", None, name, steps=300) for name in ("sgd", "adam")}
    ax = plots.plot_descent_paths("valley", paths, ax=Figure().subplots())
    sgd, adam = (line for line in ax.get_lines() if line.get_label().split()[0] in paths)
    assert sgd.get_marker() != adam.get_marker() and sgd.get_linestyle() != adam.get_linestyle()
    assert sgd.get_color() == palette.OPTIMIZER_COLOURS["sgd"]
    assert "(converged" in sgd.get_label()
    # where they overlap, SGD's thinner dotted line lies on top of Adam's wider solid one
    assert sgd.get_zorder() > adam.get_zorder() and sgd.get_linewidth() < adam.get_linewidth()


def test_the_race_figure_names_a_saddle_a_saddle():
    path = descend("saddle", (1.5, 0.0), "sgd", steps=300)
    ax = plots.plot_descent_paths("saddle", {"SGD": path}, ax=Figure().subplots())
    (line,) = (line for line in ax.get_lines() if line.get_label().startswith("SGD"))
    assert "(saddle" in line.get_label() and "converged" not in line.get_label()


def test_one_palette_for_the_plots_and_the_lab():
    from neuronlab.lab import render

    assert plots.CLASS_COLOURS == palette.CLASS_COLOURS
    assert tuple(render.CLASS_COLOURS) == palette.CLASS_RGB  # what the lab paints with today
    assert matplotlib.colors.to_hex(plots.class_colour(1)) == "#0072b2"


# --- the figures from a notebook ---------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_decision_boundary_of_an_estimator_fitted_on_string_labels():
    X, y = make_dataset("xor", n=40, noise=0.1, seed=0)
    from matplotlib.figure import Figure

    from neuronlab import plots

    names = np.array(["cat", "dog"])
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    model.fit(X, names[y])
    ax = Figure().subplots()
    plots.plot_decision_boundary(model, X, names[y], ax=ax, X_val=X[:5], y_val=names[y[:5]])
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend[:2] == ["class cat", "class dog"]
    with pytest.raises(ValueError, match="cow"):
        plots.plot_decision_boundary(model, X, np.array(["cat", "cow"])[y], ax=Figure().subplots())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_loss_curves_of_an_estimator_or_a_plain_list():
    X, y = make_dataset("xor", n=40, noise=0.1, seed=0)
    from matplotlib.figure import Figure

    from neuronlab import plots

    model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=7, random_state=0).fit(X, y)
    for history in (model, model.loss_curve_):
        ax = plots.plot_loss_curves(history, ax=Figure().subplots())
        line = ax.get_lines()[0]
        np.testing.assert_array_equal(line.get_ydata(), model.loss_curve_)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 8))


def test_the_regression_surface_is_drawn_by_decision_boundary_display(tmp_path):
    """scikit-learn's DecisionBoundaryDisplay draws the surface (one mesh, as its
    from_estimator does for a regressor), framed on the data with our margin, and the mesh
    holds what the model predicts at its points."""
    from sklearn.inspection import DecisionBoundaryDisplay

    rng = np.random.default_rng(1)
    X = rng.uniform([-300.0, 40.0], [-200.0, 60.0], size=(120, 2))  # far off, unequal extents
    y = (X[:, 0] + 250.0) / 50.0 - (X[:, 1] - 50.0) / 10.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor((8,), max_iter=30, random_state=0).fit(X, y)
    calls = []
    original = DecisionBoundaryDisplay.plot

    def spy(self, *args, **kwargs):
        calls.append(self)
        return original(self, *args, **kwargs)

    figure = Figure(figsize=(6, 5))
    DecisionBoundaryDisplay.plot = spy
    try:
        ax = plots.plot_regression_surface(model, X, y, ax=figure.subplots(), resolution=40)
    finally:
        DecisionBoundaryDisplay.plot = original
    assert len(calls) == 1 and calls[0].n_classes == 2
    display = calls[0]
    bounds = plots.boundary.data_bounds(X)
    assert display.xx0.min() == bounds[0] and display.xx0.max() == bounds[1]
    assert display.xx1.min() == bounds[2] and display.xx1.max() == bounds[3]
    grid = np.c_[display.xx0.ravel(), display.xx1.ravel()]
    np.testing.assert_allclose(display.response.ravel(), model.predict(grid), rtol=1e-6)
    assert display.surface_ in ax.collections
    assert ax.get_xlim() == (bounds[0], bounds[1]) and ax.get_ylim() == (bounds[2], bounds[3])
    figure.savefig(tmp_path / "regression.png")


def test_the_regression_surface_takes_bounds_and_refuses_what_it_cannot_draw():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    y = np.array([0.0, 1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor((4,), max_iter=5, random_state=0).fit(X, y)
    ax = plots.plot_regression_surface(model, X, y, ax=Figure().subplots(), bounds=(-3, 3, -2, 2))
    assert ax.get_xlim() == (-3, 3) and ax.get_ylim() == (-2, 2)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\)"):
        plots.plot_regression_surface(model, np.c_[X, X], y, ax=Figure().subplots())
    with pytest.raises(ValueError, match="y must have one target per row of X"):
        plots.plot_regression_surface(model, X, y[:2], ax=Figure().subplots())
    classifier = MLPClassifier((4,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(X, [0, 1, 1])
    with pytest.raises(ValueError, match="plot_decision_boundary"):
        plots.plot_regression_surface(classifier, X, y, ax=Figure().subplots())


def test_a_figure_the_plot_makes_itself_takes_a_later_tight_layout(shifted_moons, tmp_path):
    # a user's habit: plot, then plt.tight_layout(), then savefig; a constrained figure with
    # a colour bar refuses to change its layout engine, so the regression surface has none
    import matplotlib.pyplot as plt

    X, y, _ = shifted_moons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor((8,), max_iter=30, random_state=0).fit(X, X[:, 0] - X[:, 1])
    ax = plots.plot_regression_surface(model, X, X[:, 0] - X[:, 1])
    try:
        plt.tight_layout()  # raised RuntimeError when the figure was constrained
        ax.figure.savefig(tmp_path / "surface-tight.png")
        colour_bar = ax.figure.axes[-1]
        assert colour_bar is not ax and colour_bar.get_ylabel() == "prediction"
        renderer = ax.figure.canvas.get_renderer()
        figure_box = ax.figure.bbox
        for axes in (ax, colour_bar):  # both inside the picture
            box = axes.get_tightbbox(renderer)
            assert figure_box.x0 - 1 <= box.x0 and box.x1 <= figure_box.x1 + 1
    finally:
        plt.close(ax.figure)
