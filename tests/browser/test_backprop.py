"""The backpropagation stepper as a learner uses it: move the point, step, read, check a slope.

The numbers read off the page are compared with the fast engine (``Network``), computed here
independently of the stepper's server code (which runs ``reference.py``).
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from neuronlab.engine.network import Network
from tests.browser.support import open_section

pytestmark = pytest.mark.browser

SECTION = "section#backprop-stepper"


def open_stepper(page: Page, lab_url: str, width: int = 1400) -> None:
    open_section(page, lab_url, "backprop-stepper", width=width)
    expect(page.locator(f"{SECTION} [data-node-value='2-0']")).not_to_have_text("–")


def value(page: Page, selector: str) -> float:
    text = page.locator(f"{SECTION} {selector}").text_content()
    return float(re.search(r"−?\d+\.\d+(?:e−?\d+)?", text).group().replace("−", "-"))


def engine(x, label, activation="sigmoid"):
    net = Network([2, 3, 2], activation=activation, output="softmax", seed=3)
    X, Y = np.array([x]), np.eye(2)[[label]]
    p = net.forward(X).copy()
    net.backward(Y)
    return net, p[0], X, Y


def test_move_the_point_step_through_backprop_and_check_a_weight(page, lab_url, artifacts_dir):
    open_stepper(page, lab_url)
    section = page.locator(SECTION)
    # drag the point to (1.5, 1.0) on the plane: [-3, 3] both ways, 220 px
    box = section.locator("canvas.w-canvas").bounding_box()
    page.mouse.move(box["x"] + 110, box["y"] + 110)
    page.mouse.down()
    page.mouse.move(
        box["x"] + (1.5 + 3) / 6 * box["width"], box["y"] + (3 - 1.0) / 6 * box["height"]
    )
    page.mouse.up()
    expect(section.locator("input[name='x1']")).to_have_value("1.5")
    expect(section.locator("input[name='x2']")).to_have_value("1")
    section.locator("select[name='label']").select_option("0")
    net, p, X, Y = engine([1.5, 1.0], 0)
    # step 1: the forward pass; the output nodes show p
    expect(section.locator("[data-node-value='2-0']")).to_have_text(f"{p[0]:.3f}")
    expect(section.locator(".w-phase")).to_contain_text("Step 1 of 5")
    loss = -np.log(p[0])
    # the class is sent to the server and the loss comes back with its answer; the outputs
    # above do not depend on the class, so they showed p before that answer: poll the loss
    page.wait_for_function(
        """([selector, want]) => {
            const text = document.querySelector(selector).textContent.replace('−', '-');
            return Math.abs(parseFloat(text) - want) < 1e-4;
        }""",
        arg=[f"{SECTION} [data-readout='loss']", float(loss)],
        timeout=10_000,
    )
    assert value(page, "[data-readout='loss']") == pytest.approx(loss, abs=1e-4)

    step = section.locator("[data-action='step']")
    step.click()  # BP1′: δ on the outputs is p − y
    expect(section.locator(".w-phase")).to_contain_text("BP1′")
    assert value(page, "[data-node-value='2-0']") == pytest.approx(p[0] - 1, abs=1e-3)
    assert value(page, "[data-node-value='2-1']") == pytest.approx(p[1], abs=1e-3)
    expect(section.locator("[data-role='equations']")).to_contain_text("p − y")

    step.click()  # BP2: δ on the hidden nodes, which the engine has as ∂C/∂b of layer 0
    expect(section.locator(".w-phase")).to_contain_text("BP2")
    for i in range(3):
        assert value(page, f"[data-node-value='1-{i}']") == pytest.approx(net.db[0][i], abs=1e-3)
    expect(section.locator("[data-role='equations'] p")).to_have_count(3)

    step.click()  # BP3/BP4: every edge shows ∂C/∂w
    section.locator("select[name='pick']").select_option(label="weight h₂ → class 1")
    dW = net.dW[1][1, 1]  # engine W[i, j]: from h₂ (i = 1) to class 1 (j = 1)
    label_text = section.locator("[data-edge-label='1-1-1']").text_content()
    assert float(label_text.replace("∂", "").replace("−", "-")) == pytest.approx(dW, abs=1e-3)
    expect(section.locator("[data-role='equations']")).to_contain_text("BP4")

    # the check: finite differences beside backprop, against a difference taken here
    section.locator("[data-action='check']").click()
    expect(section.locator("[data-readout='numeric']")).not_to_have_text("–")
    backprop = float(section.locator("[data-readout='backprop']").inner_text())
    numeric = float(section.locator("[data-readout='numeric']").inner_text())
    h = 1e-5
    W = net.W[1]
    W[1, 1] += h
    up = net.loss(X, Y)
    W[1, 1] -= 2 * h
    down = net.loss(X, Y)
    W[1, 1] += h
    assert numeric == pytest.approx((up - down) / (2 * h), rel=1e-5)
    assert backprop == pytest.approx(dW, rel=1e-6)
    section.screenshot(path=os.path.join(artifacts_dir, "backprop-stepper-check-1400.png"))

    step.click()  # the update: the loss on the point falls
    expect(section.locator(".w-phase")).to_contain_text("Step 5 of 5")
    after = value(page, "[data-readout='loss-after']")
    assert after < loss
    expect(step).to_have_text("Next round")
    step.click()  # round two starts from the updated weights, at the forward pass
    expect(section.locator("[data-readout='round']")).to_have_text("1")
    expect(section.locator(".w-phase")).to_contain_text("Step 1 of 5")
    assert value(page, "[data-readout='loss']") == pytest.approx(after, abs=1e-4)


def test_the_stepper_on_a_phone(page, lab_url, artifacts_dir):
    open_stepper(page, lab_url, width=390)
    section = page.locator(SECTION)
    for _ in range(2):
        section.locator("[data-action='step']").click()
    expect(section.locator(".w-phase")).to_contain_text("BP2")
    handle = section.locator("[data-role='point']")
    handle.focus()
    page.keyboard.press("ArrowRight")  # the point moves from the keyboard too
    expect(section.locator("input[name='x1']")).to_have_value("0.6")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    section.screenshot(path=os.path.join(artifacts_dir, "backprop-stepper-390.png"))


def test_the_courses_leaky_relu_backpropagates_its_slope(page: Page, lab_url, artifacts_dir):
    open_stepper(page, lab_url, width=390)
    section = page.locator(SECTION)
    menu = section.get_by_label("hidden activation")
    labels = menu.locator("option").all_inner_texts()
    assert "leaky ReLU, slope 0.1" in labels and "leaky ReLU, slope 0.01" in labels
    menu.select_option("leaky_relu_0.1")
    page.wait_for_function("location.search.includes('backprop.activation=leaky_relu_0.1')")
    expect(section.locator(".w-detail")).to_contain_text("leaky_relu_0.1(")
    # every hidden a is z where z > 0 and 0.1 z below: read them off the forward stage
    for line in section.locator(".w-detail p").all_inner_texts()[:3]:
        z, a = (float(t.replace("−", "-")) for t in re.findall(r"= (−?\d+\.\d+)", line)[-2:])
        assert a == pytest.approx(z if z > 0 else 0.1 * z, abs=2e-3), line
    # the menu's longer labels fit a phone: the menu has the whole width under its name
    box = menu.bounding_box()
    assert box["x"] + box["width"] <= 390
    section.screenshot(path=os.path.join(artifacts_dir, "backprop-stepper-leaky-390.png"))
