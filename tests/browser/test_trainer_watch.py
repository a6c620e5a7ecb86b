"""The trainer as a class watches it: a pace and a Full speed button, restarts that say so,
epoch 0 on the chart, the plane's toggles, and a weight edited in the network diagram."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import open_page, watch

from .test_trainer import TRAINER, inside, open_trainer, stats

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

# a small net, so that the diagram's lines are few and far apart
SMALL = "?trainer.hidden_layers=1&trainer.units=3"


def number(text: str) -> float:
    match = re.search(r"-?[\d.]+", text.replace("−", "-"))
    return float(match.group(0)) if match else float("nan")


def canvas_colours(page: Page, selector: str) -> list[int]:
    """How often each colour appears on a grid of the canvas's cells clear of the axes
    through 0, most frequent first."""
    return page.evaluate(
        """(selector) => {
            const canvas = document.querySelector(selector);
            const ctx = canvas.getContext("2d");
            const seen = new Map();
            for (let i = 0; i < 24; i += 1) {
                for (let j = 0; j < 24; j += 1) {
                    const fx = 0.08 + 0.84 * i / 23, fy = 0.08 + 0.84 * j / 23;
                    if (Math.abs(fx - 0.5) < 0.04 || Math.abs(fy - 0.5) < 0.04) continue;
                    const d = ctx.getImageData(Math.round(fx * canvas.width),
                                               Math.round(fy * canvas.height), 1, 1).data;
                    const key = `${d[0]},${d[1]},${d[2]}`;
                    seen.set(key, (seen.get(key) || 0) + 1);
                }
            }
            return [...seen.values()].sort((a, b) => b - a);
        }""",
        selector,
    )


def two_colour_share(counts: list[int]) -> float:
    return sum(counts[:2]) / sum(counts)


def inked(page: Page, selector: str) -> int:
    """How many pixels of a transparent canvas are drawn on."""
    return page.evaluate(
        """(selector) => {
            const canvas = document.querySelector(selector);
            const { width, height } = canvas;
            const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
            let count = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count += 1;
            return count;
        }""",
        selector,
    )


def test_before_any_training_the_readouts_and_the_chart_show_epoch_0(page: Page, lab_url):
    open_trainer(page, lab_url + "#trainer")
    trainer = inside(page)
    expect(trainer.get_by_label("Accuracy", exact=True)).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
    expect(trainer.get_by_label("Loss", exact=True)).not_to_have_text("–")
    chart = page.locator("#tr-chart")
    # plotly loads with the page's other scripts: on a busy machine it takes a few seconds
    expect(chart.locator(".annotation-text")).to_have_text(
        "Epoch 0: theuntrained network.Press Train towatch it learn.", timeout=20_000
    )
    # the loss and the accuracy, on training and validation points
    expect(chart.locator(".scatterlayer .point")).to_have_count(4)
    trainer.get_by_role("button", name="Step", exact=True).click()
    expect(trainer.get_by_label("Epoch", exact=True)).to_have_text("1")
    expect(chart.locator(".annotation-text")).to_have_count(0)
    expect(chart.locator(".scatterlayer .trace").first.locator(".point")).to_have_count(2)
    # the x axis starts at 0: the first tick label is 0
    expect(chart.locator(".xtick text").first).to_have_text("0")


# the chart's words and numbers: every tick label, the axis titles and the legend
CHART_LABELS = (
    "#tr-chart .xtick text, #tr-chart .ytick text, #tr-chart .y2tick text, "
    "#tr-chart .g-xtitle text, #tr-chart .g-ytitle text, #tr-chart .g-y2title text, "
    "#tr-chart .legend .traces"
)


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("dataset", ["spirals", "saddle"])
def test_the_epoch_0_note_covers_no_label(page: Page, lab_url, artifacts_dir, width, dataset):
    open_trainer(page, f"{lab_url}?trainer.dataset={dataset}#trainer", width=width)
    chart = page.locator("#tr-chart")
    chart.scroll_into_view_if_needed()
    note = chart.locator(".annotation")
    expect(note).to_have_text(re.compile("^Epoch 0: the"), timeout=20_000)
    expect(chart.locator(".y2tick text")).to_have_count(3)  # the accuracy (or R²) axis is up
    # every box in one read: boxes read one call apart can straddle a scroll of the page
    area, box, labels = page.evaluate(
        """(labels) => {
            const rect = (el) => {
                const r = el.getBoundingClientRect();
                return { x: r.x, y: r.y, width: r.width, height: r.height, text: el.textContent };
            };
            return [
                rect(document.querySelector('#tr-chart .draglayer .xy .nsewdrag')),
                rect(document.querySelector('#tr-chart .annotation')),
                [...document.querySelectorAll(labels)].map(rect),
            ];
        }""",
        CHART_LABELS,
    )
    # inside the plot area, where no label is
    assert area["x"] <= box["x"] and box["x"] + box["width"] <= area["x"] + area["width"]
    assert area["y"] <= box["y"] and box["y"] + box["height"] <= area["y"] + area["height"]
    assert len(labels) > 10
    for other in labels:
        apart = (
            other["x"] + other["width"] <= box["x"]
            or box["x"] + box["width"] <= other["x"]
            or other["y"] + other["height"] <= box["y"]
            or box["y"] + box["height"] <= other["y"]
        )
        assert apart, f"the note covers {other['text']!r}"
    page.locator("#tr-chart-box").screenshot(
        path=os.path.join(artifacts_dir, f"trainer-epoch0-{dataset}-{width}.png")
    )


def test_full_speed_is_one_click_away_and_back(page: Page, lab_url):
    open_trainer(page, lab_url + "#trainer")
    trainer = inside(page)
    full = trainer.get_by_role("button", name="Full speed")
    speed = trainer.get_by_label("Epochs/s", exact=True)
    expect(full).to_have_attribute("aria-pressed", "false")
    expect(speed).to_have_value("35")
    full.click()
    expect(full).to_have_attribute("aria-pressed", "true")
    expect(speed).to_have_value("0")
    page.wait_for_function("location.search.includes('trainer.speed=0')")
    full.click()  # back to the pace the learner had
    expect(full).to_have_attribute("aria-pressed", "false")
    expect(speed).to_have_value("35")
    speed.select_option(label="5")
    full.click()
    full.click()
    expect(speed).to_have_value("5")


@pytest.mark.parametrize(
    "control, value, said",
    [
        ("Units per layer", "4", "Architecture changed"),
        ("Activation", "tanh", "Activation changed"),
        ("Dataset", "circles", "Dataset changed"),
    ],
)
def test_a_change_while_training_restarts_and_says_so(page: Page, lab_url, control, value, said):
    problems = watch(page)
    open_trainer(page, lab_url + "?trainer.speed=20#trainer")
    trainer = inside(page)
    trainer.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch >= 5")
    box = trainer.get_by_label(control, exact=True)
    if control == "Units per layer":
        box.fill(value)
        box.press("Enter")
        box.blur()
    else:
        box.select_option(value)
    message = page.locator("#tr-message")
    expect(message).to_have_text(f"{said}: training restarted from epoch 0.")
    # it trains on: Pause is the button to press, the epochs count up from 0 again
    expect(trainer.get_by_role("button", name="Pause", exact=True)).to_be_enabled()
    expect(page.locator(TRAINER)).to_have_attribute("data-state", "training")
    page.wait_for_function(
        f"document.querySelector('{TRAINER}').trainerStats.epoch >= 2", timeout=15_000
    )
    expect(trainer.get_by_label("Accuracy", exact=True)).not_to_have_text("–")
    trainer.get_by_role("button", name="Pause", exact=True).click()
    assert problems == []


def test_a_change_while_paused_says_the_network_is_fresh(page: Page, lab_url, artifacts_dir):
    open_trainer(page, lab_url + "#trainer")
    trainer = inside(page)
    trainer.get_by_role("button", name="Step", exact=True).click()
    expect(trainer.get_by_label("Epoch", exact=True)).to_have_text("1")
    trainer.get_by_label("Activation", exact=True).select_option("tanh")
    expect(page.locator("#tr-message")).to_have_text(
        "Activation changed: a fresh network at epoch 0. Press Train to train it."
    )
    expect(trainer.get_by_label("Epoch", exact=True)).to_have_text("0")
    expect(trainer.get_by_label("Accuracy", exact=True)).to_have_text(re.compile(r"%$"))
    trainer.locator(".trainer-main").screenshot(
        path=os.path.join(artifacts_dir, "trainer-restart-said.png")
    )


def test_the_validation_points_can_be_hidden_and_the_choice_is_kept(page: Page, lab_url, context):
    open_trainer(page, lab_url + "#trainer")
    toggle = page.get_by_label("Show validation points")
    expect(toggle).to_be_checked()
    with_them = inked(page, "#tr-points-layer")
    toggle.uncheck()
    without = inked(page, "#tr-points-layer")
    # 300 points, 20% held out: a fifth of the marks go
    assert 0.6 * with_them < without < 0.95 * with_them
    page.wait_for_function("location.search.includes('trainer.show_validation=0')")
    shared = page.url
    other = context.new_page()
    open_trainer(other, shared)
    expect(other.get_by_label("Show validation points")).not_to_be_checked()
    assert inked(other, "#tr-points-layer") == pytest.approx(without, rel=0.02)
    other.close()


def test_discretise_paints_hard_class_regions(page: Page, lab_url, artifacts_dir):
    open_trainer(page, lab_url + "#trainer")
    trainer = inside(page)
    trainer.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch >= 10")
    trainer.get_by_role("button", name="Pause", exact=True).click()
    expect(page.locator(TRAINER)).to_have_attribute("data-state", "paused")
    graded = canvas_colours(page, "#tr-boundary")
    assert len(graded) > 20  # shades of confidence
    page.get_by_label("Discretise output").check()
    hard = canvas_colours(page, "#tr-boundary")
    # two class colours, but for the cells the picture's smoothing blends along the boundary
    assert two_colour_share(hard) > max(0.85, two_colour_share(graded) + 0.1)
    page.wait_for_function("location.search.includes('trainer.discretise=1')")
    trainer.locator(".trainer-main").screenshot(
        path=os.path.join(artifacts_dir, "trainer-discretised.png")
    )
    page.get_by_label("Discretise output").uncheck()
    # the shades come back at once (a last frame after the Pause may have moved them a little)
    again = canvas_colours(page, "#tr-boundary")
    assert len(again) > 20 and two_colour_share(again) < two_colour_share(hard) - 0.1


def line_point(page: Page, source: str, target: str, t: float) -> tuple[float, float]:
    """A point a fraction t along the line from the first `source` node's right edge to the
    second `target` node's left edge, in the window's coordinates (both read in one go)."""
    a, b = page.evaluate(
        """([source, target]) => [document.querySelectorAll(source)[0],
            document.querySelectorAll(target)[1]].map((el) => el.getBoundingClientRect())
            .map((r) => ({ x: r.x, y: r.y, width: r.width, height: r.height }))""",
        [source, target],
    )
    x0, y0 = a["x"] + a["width"], a["y"] + a["height"] / 2
    x1, y1 = b["x"], b["y"] + b["height"] / 2
    return x0 + t * (x1 - x0), y0 + t * (y1 - y0)


def test_click_a_line_to_edit_its_weight(page: Page, lab_url, artifacts_dir):
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    problems = open_page(page, lab_url + SMALL + "#trainer", width=1400, height=1000)
    page.wait_for_function(f"document.querySelector('{TRAINER}')?.trainerStats?.frames > 0")
    diagram = page.locator("#tr-diagram")
    diagram.scroll_into_view_if_needed()
    expect(diagram.locator(".node")).to_have_count(3)
    # the line from x₁ to hidden neuron 2
    x, y = line_point(page, "#tr-diagram .io-node", "#tr-diagram .node", 0.4)
    before = page.evaluate("document.querySelector('#tr-boundary').toDataURL()")
    page.mouse.click(x, y)
    expect(page.locator("#tr-weight-from")).to_have_value("0:0")
    expect(page.locator("#tr-weight-to")).to_have_value("1")
    value = page.locator("#tr-weight-value")
    expect(value).to_be_focused()
    # the box starts empty: the weight now is a hint beside it, never a value to send back
    expect(page.locator("#tr-weight-now")).to_have_text(re.compile(r"^now ≈ -?\d+\.\d\d$"))
    expect(value).to_have_value("")
    page.get_by_role("button", name="Set weight").click()
    assert value.evaluate("box => box.validationMessage") == "Type a value first."
    expect(page.locator("#tr-message")).not_to_contain_text("Set the weight")
    value.fill("8")
    value.press("Enter")
    expect(page.locator("#tr-message")).to_have_text(
        "Set the weight to 8; training goes on from it."
    )
    # one set_weight: the empty Set sent none
    setting = [m for m in sent if '"set_weight"' in m]
    assert len(setting) == 1 and '"value":8' in setting[0].replace(" ", "")
    # the diagram says so (8 is now the layer's largest weight, drawn at full width), and the
    # plane shows what the network computes with it
    expect(page.locator("#tr-weight-now")).to_have_text("now ≈ 8.00")
    page.wait_for_function(
        "(before) => document.querySelector('#tr-boundary').toDataURL() !== before", arg=before
    )
    page.locator(".network-panel").screenshot(
        path=os.path.join(artifacts_dir, "trainer-weight-edited.png")
    )
    # training goes on from it
    inside(page).get_by_role("button", name="Step", exact=True).click()
    expect(inside(page).get_by_label("Epoch", exact=True)).to_have_text("1")
    assert 7 < number(page.locator("#tr-weight-now").inner_text()) < 9
    assert problems == []


def test_a_weight_from_the_keyboard_and_a_refused_one(page: Page, lab_url):
    open_trainer(page, lab_url + SMALL + "#trainer")
    source = page.get_by_label("Weight from")
    source.select_option(label="hidden 1, neuron 3")
    target = page.locator("#tr-weight-to")
    expect(target.locator("option")).to_have_text(["output 0", "output 1"])
    target.select_option(label="output 1")
    value = page.locator("#tr-weight-value")
    value.fill("-2.5")
    page.get_by_role("button", name="Set weight").click()
    expect(page.locator("#tr-message")).to_have_text(
        "Set the weight to -2.5; training goes on from it."
    )
    value.fill("500")
    page.get_by_role("button", name="Set weight").click()
    expect(page.locator("#tr-error")).to_contain_text("100")
    expect(value).to_have_attribute("aria-invalid", "true")
    # the session carries on as it was: the weight is still the one set before
    expect(page.locator("#tr-weight-now")).to_have_text("now ≈ -2.50")


def test_a_loaded_model_shows_its_accuracy_at_once(page: Page, lab_url, tmp_path):
    from neuronlab.engine.network import Network
    from neuronlab.engine.serialise import save

    open_trainer(page, lab_url + "#trainer")
    trainer = inside(page)
    untrained = trainer.get_by_label("Accuracy", exact=True).inner_text()
    model = save(Network([2, 12, 12, 2], "tanh", seed=5), tmp_path / "model.npz")
    page.set_input_files("#tr-load-model-file", str(model))
    expect(page.locator("#tr-message")).to_contain_text("Loaded model.npz")
    expect(trainer.get_by_label("Epoch", exact=True)).to_have_text("0")
    accuracy = trainer.get_by_label("Accuracy", exact=True)
    expect(accuracy).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
    expect(accuracy).not_to_have_text(untrained)  # the model's own, not the old network's
    assert stats(page)["accuracy"] is not None


@pytest.mark.parametrize("width", [1400, 390])
def test_screenshots_of_the_trainer_to_watch(page: Page, lab_url, artifacts_dir, width):
    problems = open_page(page, lab_url + "?trainer.discretise=1#trainer", width=width)
    page.wait_for_function(f"document.querySelector('{TRAINER}')?.trainerStats?.frames > 0")
    trainer = inside(page)
    trainer.get_by_role("button", name="Step", exact=True).click()
    expect(trainer.get_by_label("Epoch", exact=True)).to_have_text("1")
    for name in ["Full speed", "Set weight"]:
        box = trainer.get_by_role("button", name=name).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # on screen, not clipped
    trainer.screenshot(path=os.path.join(artifacts_dir, f"trainer-watch-{width}.png"))
    assert problems == []
