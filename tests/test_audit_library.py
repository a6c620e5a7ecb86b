"""An audit of the library as a user meets it: the README's examples, and bad arguments at
every public entry point named by issue 2 (each error must name the argument at fault)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from neuronlab import MLPClassifier, MLPRegressor
from neuronlab.engine import Network, Trainer, gradient_check, load, make_optimizer, reference, save
from neuronlab.engine.datasets import make_dataset
from neuronlab.engine.optimisers import Optimizer
from neuronlab.engine.surfaces import descend
from neuronlab.lab.playground.outcome import _code_outcome
from neuronlab.lab.playground.runner import Limits

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_library_examples_run_as_written_without_warnings(capsys):
    blocks = readme_python_blocks()
    assert len(blocks) == 2  # the estimator in ten lines, then the engine driven by hand
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a quick start that warns (ConvergenceWarning) fails
        for block in blocks:
            exec(compile(block, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    accuracy = float(printed[0].rsplit(" ", 1)[1])
    assert printed[0].startswith("validation accuracy") and accuracy >= 0.95
    assert len(printed) == 1 + 100  # then one line per epoch of the Trainer example
    assert printed[-1].split()[0] == "100"


# --- bad arguments of issue 2, at each public entry point -----------------------------------
X, y = make_dataset("xor", n=40, noise=0.1, seed=0)
X_NAN = X.copy()
X_NAN[3, 0] = np.nan


def network() -> Network:
    return Network([2, 4, 2], seed=0)


def adam() -> Optimizer:
    return make_optimizer("adam", learning_rate=0.01)


BAD = {
    "Network: zero units": (lambda: Network([2, 0, 2]), "layer_sizes"),
    "Network: unknown activation": (lambda: Network([2, 3, 2], activation="relux"), "activation"),
    "make_optimizer: negative learning rate": (
        lambda: make_optimizer("sgd", learning_rate=-0.1),
        "learning_rate",
    ),
    "Trainer: mismatched X/y": (lambda: Trainer(network(), adam(), X, y[:-1]), "y_train"),
    "Trainer: NaN in X": (lambda: Trainer(network(), adam(), X_NAN, y), "X_train"),
    "Trainer: wrong label count": (lambda: Trainer(network(), adam(), X, y * 2), "y_train"),
    "make_dataset: unknown name": (lambda: make_dataset("spiral"), "name"),
    "make_dataset: zero points": (lambda: make_dataset("spirals", n=0), "n"),
    "descend: start of three numbers": (lambda: descend("bowl", (0, 0, 0), adam()), "start"),
    "descend: unknown optimiser": (lambda: descend("bowl", (1, 1), "adamw"), "optimizer"),
    "gradient_check: NaN in X": (lambda: gradient_check(network(), X_NAN, y), "X"),
    "gradient_check: mismatched X/y": (lambda: gradient_check(network(), X, y[:-1]), "y"),
    "gradient_check: wrong label count": (lambda: gradient_check(network(), X, y * 5), "y"),
    "gradient_check: not a network": (lambda: gradient_check("net", X, y), "network"),
    "save: not a network": (lambda: save("net", "model.npz"), "network"),
    "MLPClassifier: negative learning rate": (
        lambda: MLPClassifier(learning_rate_init=-0.1).fit(X, y),
        "learning_rate_init",
    ),
    "MLPClassifier: zero units": (
        lambda: MLPClassifier(hidden_layer_sizes=(0,)).fit(X, y),
        "hidden_layer_sizes",
    ),
    "MLPClassifier: unknown activation": (
        lambda: MLPClassifier(activation="relux").fit(X, y),
        "activation",
    ),
    "MLPClassifier: mismatched X/y": (lambda: MLPClassifier().fit(X, y[:-1]), "y"),
    "MLPClassifier: NaN in X": (lambda: MLPClassifier().fit(X_NAN, y), "X"),
    "MLPRegressor: zero units": (
        lambda: MLPRegressor(hidden_layer_sizes=(4, 0)).fit(X, y * 1.0),
        "hidden_layer_sizes",
    ),
    "MLPRegressor: NaN in X": (lambda: MLPRegressor().fit(X_NAN, y * 1.0), "X"),
}


@pytest.mark.parametrize("call, name", BAD.values(), ids=BAD.keys())
def test_bad_argument_raises_naming_the_argument(call, name):
    with pytest.raises((ValueError, TypeError)) as caught:
        call()
    assert re.search(rf"\b{re.escape(name)}\b", str(caught.value)), str(caught.value)


def test_save_into_a_missing_folder_says_to_create_it(tmp_path):
    target = tmp_path / "no-such-folder" / "model.npz"
    with pytest.raises(ValueError, match="does not exist; create it first"):
        save(network(), target)
    assert not target.parent.exists()


def test_a_directory_as_model_path_is_refused_both_ways(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        save(network(), tmp_path)
    with pytest.raises(ValueError, match="is a directory"):
        load(tmp_path)


def test_gradient_check_still_checks_once_its_inputs_are_valid():
    errors = gradient_check(network(), X[:6], y[:6])
    assert list(errors) == ["W1", "b1", "W2", "b2"]
    assert max(errors.values()) < 1e-6


def test_reference_functions_carry_the_course_names():
    # DESIGN.md: the playground uses them as is
    for name in ("make_network", "forward", "softmax", "backprop", "apply_gradients", "predict"):
        assert callable(getattr(reference, name)), name
    net = reference.make_network([2, 3, 2], seed=1)
    grads = reference.backprop(net, [0.5, -0.5], 1, "tanh")
    before = reference.forward(net, [0.5, -0.5], "tanh")[1][-1][1]
    reference.apply_gradients(net, grads, 0.5)
    after = reference.forward(net, [0.5, -0.5], "tanh")[1][-1][1]
    assert after > before  # one step of eq. 9 raises the probability of the true class
    assert reference.predict(net, [0.5, -0.5], "tanh") in (0, 1)


def test_a_file_too_large_in_the_playground_is_reported_in_words():
    limits = Limits()
    done = {"outcome": "error", "type": "OSError", "message": "[Errno 27] File too large"}
    status, message = _code_outcome(done, limits)
    assert status == "error"
    assert message.startswith("File limit:") and "16 MB" in message
    assert "File too large" in message  # the error the learner's traceback shows
    other = {"outcome": "error", "type": "OSError", "message": "[Errno 2] No such file"}
    assert _code_outcome(other, limits)[1].startswith("The code raised OSError")


# --- the figures from a notebook ---------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_decision_boundary_of_an_estimator_fitted_on_string_labels():
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
    from matplotlib.figure import Figure

    from neuronlab import plots

    model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=7, random_state=0).fit(X, y)
    for history in (model, model.loss_curve_):
        ax = plots.plot_loss_curves(history, ax=Figure().subplots())
        line = ax.get_lines()[0]
        np.testing.assert_array_equal(line.get_ydata(), model.loss_curve_)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 8))
