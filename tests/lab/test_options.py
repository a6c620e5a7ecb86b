"""GET /api/options: the one document from which the page reads what it shares with Python."""

from __future__ import annotations

import re

import pytest
from pydantic import Field, ValidationError

from neuronlab.engine.activations import ACTIVATIONS
from neuronlab.engine.datasets import DATASETS
from neuronlab.engine.optimisers import OPTIMIZERS
from neuronlab.engine.surfaces import SURFACES
from neuronlab.lab import render
from neuronlab.lab.api import options as options_module
from neuronlab.lab.app import STATIC_DIR
from neuronlab.lab.trainer import protocol as p
from neuronlab.lab.validation import PLANE


@pytest.fixture
def options(lab_client) -> dict:
    response = lab_client.get("/api/options")
    assert response.status_code == 200
    return response.json()


def test_the_old_option_endpoints_are_gone(lab_client):
    # one document, not two serving the same registries
    assert lab_client.get("/api/widgets/catalogue").status_code == 404
    assert lab_client.get("/api/trainer/options").status_code == 404


def test_menus_come_from_the_engine_registries(options):
    assert [a["name"] for a in options["activations"]] == list(ACTIVATIONS)
    assert [o["name"] for o in options["optimizers"]] == list(OPTIMIZERS)
    assert [s["name"] for s in options["surfaces"]] == list(SURFACES)
    rosenbrock = next(s for s in options["surfaces"] if s["name"] == "rosenbrock")
    assert rosenbrock["minima"] == [[1.0, 1.0]]
    names = [d["name"] for d in options["datasets"]]
    assert {"spirals", "circles", "xor", "gaussian", "moons"} <= set(names)
    assert names == list(DATASETS)  # the trainer classifies, and regresses on value sets
    assert options["trainer"]["regression"] == ["surface", "saddle"]
    assert len(options["value_colours"]) == 256  # the regression plane's diverging table
    assert options["value_colours_hard"] == render.VALUE_COLOURS_HARD  # its discretised twin
    assert all(d["description"] for d in options["datasets"])
    labels = {
        item["name"]: item["label"] for item in options["activations"] + options["optimizers"]
    }
    assert labels["relu"] == "ReLU" and labels["adam"] == "Adam" and labels["tanh"] == "tanh"
    # the two leaky ReLUs say their slope, the course's 0.1 first
    assert labels["leaky_relu_0.1"] == "leaky ReLU, slope 0.1"
    assert labels["leaky_relu"] == "leaky ReLU, slope 0.01"
    menu = [a["name"] for a in options["activations"]]
    assert menu.index("leaky_relu_0.1") < menu.index("leaky_relu")


def test_dataset_display_names_are_written_as_people_write_them(options):
    labels = {d["name"]: d["label"] for d in options["datasets"]}
    assert labels["xor"] == "XOR"
    assert labels["spirals"] == "Spirals" and labels["gaussian"] == "Gaussian blobs"
    assert labels["saddle"] == "Saddle (regression)"  # a regression set says so in the menu
    assert all(label[0].isupper() for label in labels.values())


def test_plane_colours_and_shapes_are_the_servers(options):
    assert options["plane"] == list(PLANE)
    assert [tuple(c) for c in options["classes"]["colours"]] == list(render.CLASS_COLOURS)
    assert options["classes"]["shapes"] == list(render.SHAPES)
    assert len(options["map_colours"]) == 256


def test_trainer_defaults_and_ladders(options):
    trainer = options["trainer"]
    assert trainer["defaults"] == p.TrainerConfig().model_dump()
    assert trainer["multiclass"] == {"spirals": "arms", "gaussian": "classes"}
    # every rung of a ladder is a value the server takes
    for rate in trainer["learning_rates"]:
        p.TrainerConfig(learning_rate=rate)
    for penalty in trainer["penalties"]:
        p.TrainerConfig(l2=penalty, l1=penalty)
    for speed in trainer["speeds"]:
        p.TrainerConfig(speed=speed)
    assert trainer["learning_rates"] == sorted(trainer["learning_rates"])


def test_trainer_inputs_take_the_models_bounds(options):
    inputs = options["inputs"]["trainer"]
    # the two the page used to get wrong (noise max 1, validation max 0.5)
    assert inputs["noise"] == {"min": 0, "max": 2, "step": 0.05}
    assert inputs["validation"] == {"min": 0, "max": 0.9, "step": 0.05}
    assert inputs["points"] == {"min": 10, "max": 5000, "step": 10}
    for field, bounds in inputs.items():
        p.TrainerConfig(**{field: bounds["min"]})
        p.TrainerConfig(**{field: bounds["max"]})
        with pytest.raises(ValidationError):
            p.TrainerConfig(**{field: bounds["max"] + bounds["step"]})
        with pytest.raises(ValidationError):
            p.TrainerConfig(**{field: bounds["min"] - bounds["step"]})


def test_other_widgets_inputs_take_their_models_bounds(options, lab_client):
    inputs = options["inputs"]
    assert inputs["activations"]["z"] == {"min": -6, "max": 6, "step": 0.05}
    assert inputs["forward"]["x1"] == inputs["forward"]["x2"] == {"min": -3, "max": 3, "step": 0.1}
    assert inputs["loss"]["margin"] == {"min": -8, "max": 8, "step": 0.1}
    beyond = lab_client.post("/api/loss/evaluate", json={"margin": 8.1})
    assert beyond.status_code == 422


@pytest.mark.parametrize(
    ("widget", "path", "fields", "step"),
    [
        ("perceptron", "/api/perceptron/evaluate", ("w1", "w2", "b"), 0.05),
        ("backprop", "/api/backprop/step", ("x1", "x2"), 0.1),
        ("backprop", "/api/backprop/step", ("learning_rate",), 0.05),
    ],
)
def test_slider_bounds_are_the_servers_and_hold(options, lab_client, widget, path, fields, step):
    # the sliders' bounds used to be written in JavaScript (the perceptron's ±3 against the
    # server's ±5): now the request model owns them and the page reads them from here
    expected = {
        ("perceptron", "w1"): (-3, 3),
        ("perceptron", "w2"): (-3, 3),
        ("perceptron", "b"): (-3, 3),
        ("backprop", "x1"): (-3, 3),
        ("backprop", "x2"): (-3, 3),
        ("backprop", "learning_rate"): (0.05, 2),
    }
    for field in fields:
        bounds = options["inputs"][widget][field]
        assert (bounds["min"], bounds["max"]) == expected[widget, field]
        assert bounds["step"] == step
        for edge in (bounds["min"], bounds["max"]):
            assert lab_client.post(path, json={field: edge}).status_code == 200, (field, edge)
        for past in (bounds["min"] - 0.01, bounds["max"] + 0.01):
            refused = lab_client.post(path, json={field: past})
            assert refused.status_code == 422, (field, past)
            assert field.replace("_", " ") in refused.json()["detail"].lower()


def test_no_widget_script_writes_its_slider_bounds():
    widgets = STATIC_DIR / "js" / "widgets"
    for name in ("perceptron.js", "backprop.js"):
        text = (widgets / name).read_text(encoding="utf-8")
        assert not re.search(r"slider\(\{[^}]*\bmin:\s*-?[0-9]", text), name


def test_a_changed_limit_is_the_limit_in_the_document(lab_client, monkeypatch):
    class Narrower(p.TrainerConfig):
        noise: float = Field(0.1, ge=0, le=0.7)

    model, fields = options_module.INPUTS["trainer"]
    monkeypatch.setitem(options_module.INPUTS, "trainer", (Narrower, fields))
    assert lab_client.get("/api/options").json()["inputs"]["trainer"]["noise"]["max"] == 0.7


def test_a_float_input_without_a_step_is_refused():
    with pytest.raises(ValueError, match="needs a step"):
        options_module.input_bounds(p.TrainerConfig, ("noise",), {})


def test_no_page_file_writes_the_shared_values_again():
    # the plane, the class colours and the trainer's bounds live on the server only
    scripts = {path: path.read_text(encoding="utf-8") for path in STATIC_DIR.rglob("*.js")}
    pages = {path: path.read_text(encoding="utf-8") for path in STATIC_DIR.rglob("*.html")}
    for path, text in scripts.items():
        assert "-1.2, 1.2" not in text, path
        assert not re.search(r"\[\s*230,\s*159,\s*0\s*\]", text), path
    for path, text in pages.items():
        assert not re.search(r'type="(range|number)"[^>]*\bmax=', text), path


def test_the_lab_and_the_figures_share_one_palette(options):
    # neuronlab.plots draws with palette.py; the page gets the same colours from here
    from neuronlab import palette

    assert [tuple(c) for c in options["classes"]["colours"]] == list(palette.CLASS_RGB)
    assert options["classes"]["shapes"] == list(palette.CLASS_SHAPES)
    styles = {o["name"]: (o["colour"], tuple(o["dash"]), o["shape"]) for o in options["optimizers"]}
    expected = {
        n: (s["colour"], tuple(s["dash"]), s["shape"]) for n, s in palette.OPTIMIZER_STYLES.items()
    }
    assert styles == expected
    assert options["curves"] == {
        "train": palette.TRAIN_COLOUR,
        "validation": palette.VAL_COLOUR,
        "best": palette.BEST_COLOUR,
    }
    # and the widgets that draw them no longer write these colours themselves
    drawn = {
        "race.js": palette.OPTIMIZER_COLOURS.values(),
        "landscape.js": palette.OPTIMIZER_COLOURS.values(),
        "overfit.js": (palette.TRAIN_COLOUR, palette.VAL_COLOUR),
    }
    for widget, colours in drawn.items():
        text = (STATIC_DIR / "js" / "widgets" / widget).read_text(encoding="utf-8").lower()
        for colour in colours:
            assert colour.lower() not in text, (widget, colour)
