"""The concept widgets' endpoints, through a real client: good answers and readable refusals.

Where a test checks a number it recomputes it here independently (plain NumPy, the formula
from the course), so a wrong engine call or a mixed-up field would show.
"""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from neuronlab.engine.optimisers import OPTIMIZERS
from neuronlab.engine.surfaces import SURFACES
from neuronlab.lab.app import STATIC_DIR, create_app


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as test_client:
        yield test_client


def post(client, path, body, status=200):
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def refused(client, path, body, *words):
    """A 4xx whose message names what to fix (the name may open the sentence, capitalised)."""
    response = client.post(path, json=body)
    assert 400 <= response.status_code < 500, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    for word in words:
        assert word.lower() in detail.lower(), detail
    return detail


def pixels(image: str, size: int) -> np.ndarray:
    data = np.frombuffer(base64.b64decode(image), dtype=np.uint8)
    assert data.size == size * size * 4
    return data.reshape(size, size, 4)


# --- perceptron -----------------------------------------------------------------------------
def test_perceptron_z_and_output_flip_across_the_line(client):
    weights = {"w1": 1.5, "w2": -2.0, "b": 0.25}
    for point in ([0.5, 0.1], [0.5, 0.9]):
        answer = post(client, "/api/perceptron/evaluate", {**weights, "point": point})
        z = 1.5 * point[0] - 2.0 * point[1] + 0.25  # eq. 1
        assert answer["z"] == pytest.approx(z, abs=1e-6)
        assert answer["output"] == (1 if z >= 0 else 0)  # eq. 2
    below = post(client, "/api/perceptron/evaluate", {**weights, "point": [0.5, 0.1]})
    above = post(client, "/api/perceptron/evaluate", {**weights, "point": [0.5, 0.9]})
    assert (below["output"], above["output"]) == (1, 0)


def test_perceptron_line_lies_on_the_boundary_and_the_frame(client):
    answer = post(client, "/api/perceptron/evaluate", {"w1": 1.0, "w2": 2.0, "b": -0.5})
    (x0, y0), (x1, y1) = answer["line"]
    for x, y in answer["line"]:
        assert 1.0 * x + 2.0 * y - 0.5 == pytest.approx(0, abs=1e-5)
        assert max(abs(x), abs(y)) == pytest.approx(1.2)  # on the frame of the plane
    assert math.hypot(x1 - x0, y1 - y0) > 1.0
    flat = post(client, "/api/perceptron/evaluate", {"w1": 0.0, "w2": 0.0, "b": 1.0})
    assert flat["line"] is None


def test_perceptron_image_is_shaded_by_the_side_that_fires(client):
    answer = post(client, "/api/perceptron/evaluate", {"w1": 1.0, "w2": 0.0, "b": 0.0, "grid": 20})
    image = pixels(answer["image"], 20)
    left, right = image[10, 2, :3].astype(int), image[10, 17, :3].astype(int)
    # x1 < 0 stays silent (class 0, orange: more red than blue), x1 > 0 fires (class 1, blue)
    assert left[0] > left[2] and right[2] > right[0]
    assert np.all(image[:, :10] == image[0, 0]) and np.all(image[:, 10:] == image[0, 19])


def test_perceptron_refuses_bad_input(client):
    refused(client, "/api/perceptron/evaluate", {"w1": 9}, "w1", "3")
    refused(client, "/api/perceptron/evaluate", {"point": [3, 0]}, "point")
    refused(client, "/api/perceptron/evaluate", {"grid": 1}, "grid")
    refused(client, "/api/perceptron/evaluate", {"weight": 1}, "unknown field", "weight")
    refused(client, "/api/perceptron/evaluate", {"w2": "heavy"}, "w2")


def test_perceptron_learns_a_separable_set(client):
    run = post(client, "/api/perceptron/learn", {"dataset": "separable", "seed": 4})
    assert run["converged"] and "Settled" in run["message"]
    X, y = np.array(run["points"]), np.array(run["labels"])
    last = run["steps"][-1]
    z = X @ [last["w1"], last["w2"]] + last["b"]
    np.testing.assert_array_equal((z >= 0).astype(int), y)  # every point on its side
    assert run["mistakes_per_epoch"][-1] == 0 and run["mistakes_per_epoch"][0] > 0


def test_perceptron_replay_moves_only_on_mistakes(client):
    run = post(client, "/api/perceptron/learn", {"dataset": "xor", "steps": 200})
    X, y = np.array(run["points"]), np.array(run["labels"])
    w, b = np.zeros(2), 0.0
    for step in run["steps"]:
        prediction = int(X[step["index"]] @ w + b >= 0)
        assert step["prediction"] == prediction
        assert step["updated"] == (prediction != y[step["index"]])
        if step["updated"]:  # Rosenblatt: w += η (y − ŷ) x with η = 0.2
            w = w + 0.2 * (y[step["index"]] - prediction) * X[step["index"]]
            b = b + 0.2 * (y[step["index"]] - prediction)
        assert [step["w1"], step["w2"], step["b"]] == pytest.approx([*w, b], abs=1e-4)


def test_perceptron_never_settles_on_xor(client):
    run = post(client, "/api/perceptron/learn", {"dataset": "xor", "steps": 1000})
    assert not run["converged"] and len(run["steps"]) == 1000
    assert min(run["mistakes_per_epoch"]) > 0
    assert "XOR" in run["message"]
    # the run ends inside an epoch: the message counts the steps and the whole epochs, so it
    # agrees with "Epoch 17, step 1000" shown beside it
    whole = len(run["mistakes_per_epoch"])
    assert run["steps"][-1]["epoch"] == whole + 1
    assert f"After 1000 steps ({whole} whole epochs)" in run["message"]


def test_perceptron_learn_refuses_bad_input(client):
    refused(client, "/api/perceptron/learn", {"dataset": "spirals"}, "dataset", "separable")
    refused(client, "/api/perceptron/learn", {"steps": 10**6}, "steps")
    refused(client, "/api/perceptron/learn", {"learning_rate": 0}, "learning rate")


# --- activations ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "z", "value", "slope"),
    [
        ("gelu", 0.0, 0.0, 0.5),
        ("sigmoid", 0.0, 0.5, 0.25),
        ("sigmoid", 2.0, 1 / (1 + math.exp(-2)), math.exp(-2) / (1 + math.exp(-2)) ** 2),
        ("tanh", 1.0, math.tanh(1), 1 - math.tanh(1) ** 2),
        ("relu", -1.5, 0.0, 0.0),
        ("relu", 2.0, 2.0, 1.0),
        ("leaky_relu", -2.0, -0.02, 0.01),
        ("leaky_relu_0.1", -2.0, -0.2, 0.1),
        ("leaky_relu_0.1", 1.5, 1.5, 1.0),
    ],
)
def test_activation_value_and_derivative(client, name, z, value, slope):
    answer = post(client, "/api/activations/evaluate", {"activation": name, "z": z})
    assert answer["value"] == pytest.approx(value, abs=1e-6)
    assert answer["derivative"] == pytest.approx(slope, abs=1e-6)


def test_activation_curves_cover_the_range(client):
    answer = post(client, "/api/activations/evaluate", {"activation": "sigmoid", "z": 1.0})
    curve = answer["curve"]
    z = np.array(curve["z"])
    assert z[0] == -6 and z[-1] == 6 and len(z) == len(curve["f"]) == len(curve["df"])
    sigma = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(curve["f"], sigma, atol=1e-6)
    np.testing.assert_allclose(curve["df"], sigma * (1 - sigma), atol=1e-6)
    gelu = post(client, "/api/activations/evaluate", {"activation": "gelu", "z": 1.0})
    assert gelu["curve"]["f"] != curve["f"] and gelu["description"]


def test_activation_refuses_bad_input(client):
    refused(client, "/api/activations/evaluate", {"activation": "swish"}, "activation", "gelu")
    refused(client, "/api/activations/evaluate", {"z": 7}, "z", "6")
    refused(client, "/api/activations/evaluate", {"z": None}, "z")


# --- forward pass ---------------------------------------------------------------------------
def test_forward_pass_follows_eq_5_and_softmax(client):
    run = post(client, "/api/forward/run", {"x1": 0.7, "x2": -1.2, "activation": "tanh"})
    W0, W1 = (np.array(W) for W in run["weights"])
    b0, b1 = (np.array(b) for b in run["biases"])
    assert W0.shape == (2, 3) and W1.shape == (3, 2) and run["layer_sizes"] == [2, 3, 2]
    z = np.array([0.7, -1.2]) @ W0 + b0  # eq. 5
    np.testing.assert_allclose(run["hidden_z"], z, atol=2e-3)
    np.testing.assert_allclose(run["hidden_a"], np.tanh(z), atol=2e-3)
    logits = np.tanh(z) @ W1 + b1
    np.testing.assert_allclose(run["logits"], logits, atol=2e-3)
    p = np.exp(logits) / np.exp(logits).sum()  # eq. 7
    np.testing.assert_allclose(run["probabilities"], p, atol=2e-3)
    assert run["prediction"] == int(np.argmax(p))


def test_forward_weights_are_fixed_by_the_seed(client):
    first = post(client, "/api/forward/run", {"x1": 0.1, "seed": 3})
    again = post(client, "/api/forward/run", {"x1": -2.0, "seed": 3})
    other = post(client, "/api/forward/run", {"x1": 0.1, "seed": 4})
    assert first["weights"] == again["weights"] and first["weights"] != other["weights"]
    assert first["biases"] == again["biases"] and first["biases"] != other["biases"]
    assert first["hidden_z"] != again["hidden_z"]
    # the biases take part: none is 0, so the learner sees eq. 5's "+ b" do something
    assert all(b != 0 for layer in first["biases"] for b in layer)


def test_forward_refuses_bad_input(client):
    refused(client, "/api/forward/run", {"x1": 10}, "x1")
    refused(client, "/api/forward/run", {"activation": "step"}, "activation")
    refused(client, "/api/forward/run", {"seed": -1}, "seed")


# --- loss -----------------------------------------------------------------------------------
def test_loss_at_an_even_guess(client):
    answer = post(client, "/api/loss/evaluate", {"margin": 0})
    assert answer["probabilities"] == pytest.approx([0.5, 0.5])
    assert answer["cross_entropy"] == pytest.approx(math.log(2), abs=1e-6)  # −log ½
    assert answer["mse"] == pytest.approx(0.25, abs=1e-6)  # ½((½)² + (½)²)
    assert answer["delta"] == pytest.approx([0.5, -0.5])  # BP1′: p − y


def test_cross_entropy_punishes_confident_mistakes_far_more(client):
    wrong = post(client, "/api/loss/evaluate", {"margin": -6})
    p = 1 / (1 + math.exp(6))
    assert wrong["cross_entropy"] == pytest.approx(-math.log(p), rel=1e-4)
    assert wrong["mse"] == pytest.approx((1 - p) ** 2, rel=1e-4)
    assert wrong["cross_entropy"] > 5 * wrong["mse"]
    curve = wrong["curve"]
    assert np.all(np.diff(curve["probability"]) > 0)
    assert np.all(np.diff(curve["cross_entropy"]) < 0) and np.all(np.diff(curve["mse"]) < 0)


def test_loss_refuses_bad_input(client):
    refused(client, "/api/loss/evaluate", {"margin": 100}, "margin")
    refused(client, "/api/loss/evaluate", {"margin": "big"}, "margin")


# --- descent --------------------------------------------------------------------------------
def test_surface_map_image(client):
    answer = post(client, "/api/descent/map", {"surface": "bowl", "size": 41})
    image = pixels(answer["image"], 41)
    centre, corner = image[20, 20, :3].astype(int), image[0, 0, :3].astype(int)
    assert centre.sum() > corner.sum()  # low values pale, high values dark
    assert answer["low"] == pytest.approx(0, abs=0.01) and answer["high"] > 7
    assert answer["bounds"] == list(SURFACES["bowl"].bounds)


def test_surface_grid_values(client):
    answer = post(client, "/api/descent/grid", {"surface": "bowl", "resolution": 11})
    xs, ys, z = np.array(answer["xs"]), np.array(answer["ys"]), np.array(answer["z"])
    assert xs.shape == ys.shape == (11,) and z.shape == (11, 11)
    np.testing.assert_allclose(z, xs[None, :] ** 2 + ys[:, None] ** 2, atol=1e-4)
    assert answer["minima"] == [[0.0, 0.0, 0.0]]


def test_descent_reaches_the_bowl_minimum(client):
    run = post(client, "/api/descent/path", {"surface": "bowl", "start": [1.5, -1.0]})
    assert run["points"][0] == [1.5, -1.0] and run["converged"] and not run["diverged"]
    assert np.hypot(*run["points"][-1]) < 1e-3
    assert len(run["points"]) == len(run["losses"]) == run["steps"] + 1
    assert np.all(np.diff(run["losses"]) < 0)
    x, y = run["points"][1]  # eq. 9 with the bowl's gradient (2x, 2y) and η = 0.1
    assert (x, y) == pytest.approx((1.5 * 0.8, -1.0 * 0.8))


def test_descent_with_too_high_a_rate_diverges_and_says_so(client):
    run = post(
        client, "/api/descent/path", {"surface": "bowl", "start": [1, 1], "learning_rate": 1.2}
    )
    assert run["diverged"] and not run["converged"]
    assert "Diverged" in run["message"] and "Lower the learning rate" in run["message"]
    assert run["losses"][-1] > run["losses"][0]


def test_descent_on_the_saddle_says_saddle_and_where_the_minima_are(client):
    # the case: Saddle, start at the map's vertical middle left of centre
    run = post(client, "/api/descent/path", {"surface": "saddle", "start": [-1.0, 0.0]})
    assert not run["converged"] and run["stalled"] and not run["diverged"]  # stopped, no minimum
    ending = run["outcome"]
    assert ending["kind"] == "saddle" and ending["sentence"] == run["message"]
    assert run["message"].startswith("Stuck on a saddle point at (")
    assert "converged" not in run["message"].lower()
    assert ending["direction"] == [0.0, 1.0] and ending["eigenvalues"] == pytest.approx([-2, 2])
    assert ending["lowest_minima"] == [[0.0, 1.41421], [0.0, -1.41421]]
    assert ending["lowest_loss"] == pytest.approx(-1.0)
    assert "(0, 1.41) and (0, −1.41), loss −1" in run["message"]
    assert ending["point"] == pytest.approx(run["points"][-1], abs=1e-9)


def test_descent_tells_a_local_minimum_from_the_lowest(client):
    dip = post(client, "/api/descent/path", {"surface": "rastrigin", "start": [2.0, -2.0]})
    assert dip["outcome"]["kind"] == "local minimum" and not dip["converged"]
    assert "the lowest known minimum is at (0, 0), loss 0" in dip["message"]
    centre = post(client, "/api/descent/path", {"surface": "rastrigin", "start": [0.2, 0.1]})
    assert centre["outcome"]["kind"] == "converged" and centre["converged"]
    assert centre["message"].startswith("Converged after")
    short = post(client, "/api/descent/path", {"surface": "rosenbrock", "steps": 10})
    assert short["outcome"]["kind"] == "still descending" and not short["converged"]
    assert short["outcome"]["gradient_norm"] > 1e-3


def test_descent_refuses_bad_input(client):
    refused(client, "/api/descent/path", {"surface": "teacup"}, "surface", "rosenbrock")
    refused(client, "/api/descent/path", {"start": [5, 0]}, "start", "bowl")
    refused(client, "/api/descent/path", {"learning_rate": -1}, "learning rate")
    refused(client, "/api/descent/path", {"steps": 0}, "steps")
    refused(client, "/api/descent/path", {"optimizer": "lbfgs"}, "optimizer", "adam")
    refused(client, "/api/descent/map", {"size": 5000}, "size")
    refused(client, "/api/descent/grid", {"resolution": 1}, "resolution")


# --- race -----------------------------------------------------------------------------------
def test_race_on_rosenbrock_adam_reaches_the_minimum(client):
    race = post(client, "/api/race/run", {"surface": "rosenbrock", "steps": 1000})
    runners = {r["optimizer"]: r for r in race["runners"]}
    assert list(runners) == list(OPTIMIZERS)
    for runner in runners.values():
        assert runner["points"][0] == race["start"] == list(SURFACES["rosenbrock"].start)
        gaps = np.hypot(*(np.array(runner["points"]) - [1.0, 1.0]).T)
        np.testing.assert_allclose(runner["distances"], gaps, rtol=1e-3, atol=1e-6)
    adam, sgd = runners["adam"], runners["sgd"]
    assert adam["reached"] is not None and adam["distances"][-1] < race["near"]
    assert adam["distances"][adam["reached"]] < 0.1 <= adam["distances"][adam["reached"] - 1]
    assert sgd["reached"] is None and sgd["distances"][-1] > 0.5  # plain SGD is still crawling


def test_the_race_headline_and_rows_agree(client):
    # the issue, on the bowl: "Momentum reached the minimum first, at step 5" in the headline
    # beside "converged at step 239" in its row: one definition of reached, from the server
    race = post(client, "/api/race/run", {"surface": "bowl"})
    runners = race["runners"]
    first = min(r["reached"] for r in runners)
    winner = next(r for r in runners if r["reached"] == first)
    assert race["headline"].startswith(
        f"{winner['label']} reached the minimum first, at step {first}"
    )
    for runner in runners:
        k = runner["reached"]
        assert f"reached the minimum at step {k}" in runner["summary"]
        assert max(runner["distances"][k:]) < race["near"] <= runner["distances"][k - 1]
        assert runner["converged"] and runner["outcome"]["kind"] == "converged"
    saddle = post(client, "/api/race/run", {"surface": "saddle", "start": [1.5, 0.0]})
    assert saddle["headline"].startswith("No optimiser reached the minimum")
    assert {r["summary"] for r in saddle["runners"]} == {"stuck on a saddle point"}


def test_the_options_stack_the_race_paths_thinner_over_wider(client):
    styles = {o["name"]: o for o in client.get("/api/options").json()["optimizers"]}
    assert styles["sgd"]["label"] == "SGD"
    assert styles["sgd"]["layer"] > styles["adam"]["layer"]  # SGD's dots drawn over Adam
    assert styles["sgd"]["width"] < styles["adam"]["width"]
    assert styles["sgd"]["head"] < styles["adam"]["head"]
    assert len({tuple(o["dash"]) for o in styles.values()}) == 4


def test_race_takes_a_start_and_rates(client):
    race = post(
        client,
        "/api/race/run",
        {"surface": "bowl", "start": [-1, 1.5], "steps": 50, "learning_rates": {"sgd": 0.3}},
    )
    runners = {r["optimizer"]: r for r in race["runners"]}
    assert runners["sgd"]["learning_rate"] == 0.3
    assert runners["sgd"]["points"][1] == pytest.approx([-1 * 0.4, 1.5 * 0.4])
    assert all(len(r["points"]) <= 51 for r in race["runners"])


def test_race_refuses_bad_input(client):
    refused(client, "/api/race/run", {"learning_rates": {"adamw": 0.1}}, "adamw", "adam")
    refused(client, "/api/race/run", {"learning_rates": {"adam": 0}}, "the learning rate of Adam")
    answer = client.post("/api/race/run", json={"learning_rates": {"sgd": 0}}).json()
    assert answer["detail"].startswith("The learning rate of SGD should be greater than 0")
    assert "sgd" not in answer["detail"] and answer["fields"] == ["sgd"]  # the page's key
    refused(client, "/api/race/run", {"steps": 5000}, "steps")
    refused(client, "/api/race/run", {"surface": "rosenbrock", "start": [0, 9]}, "start")


def test_a_refused_setting_is_named_for_the_page_to_mark(client):
    answer = client.post("/api/race/run", json={"learning_rates": {"momentum": 0, "sgd": 0.1}})
    assert answer.status_code == 422
    assert answer.json()["fields"] == ["momentum"]
    answer = client.post("/api/race/run", json={"steps": 5000, "surface": "nowhere"})
    assert answer.json()["fields"] == ["steps", "surface"]
    answer = client.post(
        "/api/race/run", content=b"[1, 2]", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422 and "fields" not in answer.json()  # no setting to name


# --- overfitting ----------------------------------------------------------------------------
def test_overfitting_run_without_help_overfits(client):
    run = post(client, "/api/overfitting/run", {"l2": 0, "epochs": 300})
    assert run["layer_sizes"] == [2, 16, 16, 2]
    assert run["epochs"] == list(range(1, 301)) and len(run["val_loss"]) == 300
    val = np.array(run["val_loss"])
    assert run["best_epoch"] == int(np.argmin(val)) + 1
    assert val[-1] > 1.5 * val.min()  # validation loss climbs back up
    assert run["train_loss"][-1] < run["train_loss"][0] / 4  # while training loss keeps falling
    assert run["stopped_epoch"] is None and run["shown_epoch"] == 300
    n_train, n_val = len(run["train"]["points"]), len(run["validation"]["points"])
    assert n_train + n_val == 60 and n_val == 30
    assert [s["epoch"] for s in run["snapshots"]] == list(range(10, 301, 10))
    pixels(run["final"]["image"], run["grid"])


def test_overfitting_l2_changes_the_outcome(client):
    plain = post(client, "/api/overfitting/run", {"l2": 0})
    decayed = post(client, "/api/overfitting/run", {"l2": 0.03})
    assert decayed["val_loss"][-1] < 0.7 * plain["val_loss"][-1]
    assert decayed["train_loss"][-1] > plain["train_loss"][-1]  # it no longer memorises
    assert decayed["final"]["image"] != plain["final"]["image"]


def test_overfitting_early_stopping_restores_the_best_epoch(client):
    run = post(client, "/api/overfitting/run", {"early_stopping": True, "patience": 20})
    best, stopped = run["best_epoch"], run["stopped_epoch"]
    assert stopped == best + 20 and run["epochs"][-1] == stopped
    assert run["shown_epoch"] == best == run["final"]["epoch"]
    assert f"restored the weights of epoch {best}" in run["message"]
    assert run["snapshots"][-1]["epoch"] == stopped


def test_overfitting_refuses_bad_input(client):
    refused(client, "/api/overfitting/run", {"l2": -0.1}, "l2")
    refused(client, "/api/overfitting/run", {"epochs": 100000}, "epochs")
    refused(client, "/api/overfitting/run", {"dataset": "spirals"}, "dataset")
    refused(client, "/api/overfitting/run", {"points": 500}, "points")
    refused(client, "/api/overfitting/classic", {"noise": 5}, "noise")


def test_three_classic_pictures(client):
    answer = post(client, "/api/overfitting/classic", {})
    small, right, large = answer["models"]
    assert small["layer_sizes"] == [2, 2] and large["layer_sizes"] == [2, 64, 64, 2]
    assert "underfit" in small["title"] and "overfit" in large["title"]
    assert large["train_loss"] < right["train_loss"] < small["train_loss"]
    assert right["val_loss"] < large["val_loss"] and right["val_loss"] < small["val_loss"]
    assert len({m["image"] for m in answer["models"]}) == 3
    for model in answer["models"]:
        pixels(model["image"], answer["grid"])


# --- the "Show the Python" panels of these sections -----------------------------------------
def section_sources() -> list[str]:
    names = []
    for path in sorted((STATIC_DIR / "sections").glob("*.html")):
        if re.match(r"(0\d|1[134])-", path.name):
            for panel in re.findall(r'data-source="([^"]+)"', Path(path).read_text("utf-8")):
                names += panel.split()
    return names


def test_every_source_panel_of_the_concept_sections_is_served(client):
    names = section_sources()
    assert len(names) >= 8
    for name in names:
        response = client.get(f"/api/source/{name}")
        assert response.status_code == 200, (name, response.text)
        assert "def " in response.json()["text"] or "class " in response.json()["text"]
