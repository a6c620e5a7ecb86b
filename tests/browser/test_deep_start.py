"""Why deep networks are hard to start, as a learner uses it: pick, read the charts, train."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from playwright.sync_api import expect

from neuronlab.engine.datasets import make_dataset
from neuronlab.engine.deep_start import initialise
from neuronlab.engine.network import Network
from tests.browser.support import open_section

pytestmark = pytest.mark.browser

SECTION = "section#deep-start"


def gradients(depth, activation, init):
    X, y = make_dataset("moons", n=200, noise=0.1, seed=0)
    net = Network([2] + [8] * depth + [2], activation=activation, seed=0)
    initialise(net, init, seed=1)
    net.forward(X)
    net.backward(np.eye(2)[y])
    return [float(np.sqrt(np.mean(dW**2))) for dW in net.dW]


def test_pick_a_start_read_the_layers_and_train(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "deep-start")
    section = page.locator(SECTION)
    widget = section.locator("[data-widget='deepstart']")
    readout = lambda key: section.locator(f"[data-readout='{key}']")  # noqa: E731
    # the default: 10 sigmoid layers, Xavier: the gradient vanishes towards the input
    expect(readout("loss")).not_to_have_text("–")
    shown = json.loads(widget.get_attribute("data-gradients"))
    assert shown == pytest.approx(gradients(10, "sigmoid", "xavier"), rel=1e-9)
    assert float(readout("ratio").inner_text().replace("−", "-")) < 1e-4
    section.screenshot(path=os.path.join(artifacts_dir, "deep-start-sigmoid-1400.png"))

    section.locator("select[name='init']").select_option("zeros")
    expect(readout("identical")).to_have_text("10 of 10")
    expect(readout("ratio")).to_have_text("no gradient (0)")
    section.locator("select[name='activation']").select_option("relu")
    expect(readout("dead")).to_have_text("80")

    # ReLU at 6 layers with He learns; the same with zeros does not
    section.locator("select[name='init']").select_option("he")
    depth = section.locator("input[name='depth']")
    depth.focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
    expect(depth).to_have_value("6")
    shown = None
    expect(readout("dead")).not_to_have_text("80")
    page.wait_for_function(
        "el => JSON.parse(el.dataset.gradients).length === 7", arg=widget.element_handle()
    )
    shown = json.loads(widget.get_attribute("data-gradients"))
    assert shown == pytest.approx(gradients(6, "relu", "he"), rel=1e-9)
    section.locator("[data-action='train']").click()
    expect(section.locator(".w-status")).to_contain_text("This start learns", timeout=60_000)
    accuracy = float(readout("accuracy").inner_text().rstrip("%"))
    assert accuracy > 95
    section.screenshot(path=os.path.join(artifacts_dir, "deep-start-trained-1400.png"))

    section.locator("select[name='init']").select_option("zeros")
    expect(readout("accuracy")).to_have_text("–")  # a new start forgets the old training
    section.locator("[data-action='train']").click()
    expect(section.locator(".w-status")).to_contain_text("does not learn", timeout=60_000)
    expect(readout("accuracy")).to_have_text("50.0%")

    # leaky ReLU, 10 layers, weights drawn large: the loss overflows at once, and says so
    section.locator("select[name='activation']").select_option("leaky_relu")
    section.locator("select[name='init']").select_option("large")
    depth.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(depth).to_have_value("10")
    section.locator("[data-action='train']").click()
    expect(section.locator(".w-status")).to_contain_text("overflowed in epoch 1", timeout=60_000)
    expect(readout("final")).to_have_text("overflowed")
    section.screenshot(path=os.path.join(artifacts_dir, "deep-start-overflow-1400.png"))


def test_the_section_on_a_phone(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "deep-start", width=390)
    section = page.locator(SECTION)
    expect(section.locator("[data-readout='loss']")).not_to_have_text("–")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    section.screenshot(path=os.path.join(artifacts_dir, "deep-start-390.png"))


def test_the_charts_say_they_scroll_on_a_phone_and_the_leaky_relus_say_their_slope(
    page, lab_url, artifacts_dir
):
    open_section(page, lab_url, "deep-start", width=390)
    section = page.locator(SECTION)
    hint = section.locator(".w-ds-charts").locator("xpath=preceding-sibling::p[1]")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("scroll sideways →")
    menu = section.locator("select[name='activation']")
    labels = menu.locator("option").all_inner_texts()
    assert "leaky ReLU, slope 0.1" in labels and "leaky ReLU, slope 0.01" in labels
    menu.select_option("leaky_relu_0.1")
    page.wait_for_function("location.search.includes('deepstart.activation=leaky_relu_0.1')")
    expect(section.locator("[data-readout='loss']")).not_to_have_text("–")
    section.screenshot(path=os.path.join(artifacts_dir, "deep-start-leaky-390.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})
    expect(hint).to_be_hidden()


def test_the_keyboard_keeps_its_place_while_it_trains(page, lab_url):
    """Train 200 epochs is disabled while it trains; pressed with Enter, the focus comes back
    to it afterwards instead of falling to the page."""
    open_section(page, lab_url, "deep-start")
    section = page.locator("section#deep-start")
    button = section.get_by_role("button", name="Train 200 epochs")
    button.focus()
    page.keyboard.press("Enter")
    expect(section.locator("[data-readout='final']")).not_to_have_text("–", timeout=60_000)
    expect(button).to_be_enabled()
    expect(button).to_be_focused()
