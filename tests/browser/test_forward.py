"""The forward-pass stepper in a real browser.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import numbers, open_section, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_step_the_forward_pass_through_five_phases(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "forward")
    section = page.locator("section#forward")
    phase = section.locator(".w-phase")
    expect(phase).to_contain_text("Phase 1 of 5: inputs")
    expected = ["hidden pre-activations", "hidden activations", "output logits", "softmax"]
    for number, title in enumerate(expected, start=2):
        section.locator("[data-action='step']").click()
        expect(phase).to_contain_text(f"Phase {number} of 5: {title}")
    probabilities = [numbers(t)[-1] for t in section.locator(".w-detail p").all_inner_texts()[:2]]
    assert sum(probabilities) == pytest.approx(1.0, abs=2e-3)
    expect(section.locator("[data-action='step']")).to_be_disabled()
    expect(section.locator("[data-node='2-0'] .w-node-name")).to_contain_text("class 0: p")
    shot(page, artifacts_dir, "forward", "forward-softmax.png")
    section.locator("[data-action='reset']").click()
    expect(phase).to_contain_text("Phase 1 of 5")


def test_a_negative_bias_reads_as_a_subtraction_and_the_sums_add_up(page, lab_url):
    open_section(page, lab_url, "forward")
    section = page.locator("section#forward")
    section.locator("[data-action='step']").click()  # phase 2: the hidden pre-activations
    expect(section.locator(".w-phase")).to_contain_text("Phase 2 of 5")
    lines = section.locator(".w-detail p").all_inner_texts()
    assert len(lines) == 3
    signs = []
    for line in lines:
        # "z₁ = (w)(x) + (w)(x) − 0.41 = z": a sign never follows a plus
        assert "+ −" not in line and "− −" not in line, line
        right = line.split("=", 1)[1]
        w1, x1, w2, x2, bias, z = numbers(right.replace("− ", "-"))
        assert w1 * x1 + w2 * x2 + bias == pytest.approx(z, abs=0.02), line
        signs.append(bias < 0)
    assert any(signs), "the default weights have a negative hidden bias to show"
    for _ in range(2):  # phase 4: the logits, with their output biases
        section.locator("[data-action='step']").click()
    expect(section.locator(".w-phase")).to_contain_text("Phase 4 of 5")
    for line in section.locator(".w-detail p").all_inner_texts():
        assert "+ −" not in line, line


def test_the_hidden_activation_menu_names_each_leaky_relus_slope(page, lab_url):
    open_section(page, lab_url, "forward")
    menu = page.locator("section#forward").get_by_label("hidden activation")
    labels = menu.locator("option").all_inner_texts()
    assert "leaky ReLU, slope 0.1" in labels and "leaky ReLU, slope 0.01" in labels
    menu.select_option("leaky_relu_0.1")
    assert "forward.activation=leaky_relu_0.1" in page.url


def test_on_a_phone_the_diagram_says_it_scrolls_to_the_outputs(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "forward", width=390)
    section = page.locator("section#forward")
    box = section.locator(".w-network-scroll")
    hint = section.locator(".w-network-scroll").locator("xpath=preceding-sibling::p[1]")
    expect(hint).to_have_class("scroll-hint")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("scroll sideways →")
    output = section.locator("[data-node='2-0'] circle").first
    assert output.bounding_box()["x"] > 390  # off-screen until scrolled: hence the hint
    shot(page, artifacts_dir, "forward", "forward-390.png")
    box.evaluate("(b) => b.scrollTo({ left: b.scrollWidth })")
    page.wait_for_timeout(200)
    where = output.bounding_box()
    assert where["x"] >= 0 and where["x"] + where["width"] <= 390
    # on a desktop the whole diagram fits, and the hint stays out of the way
    page.set_viewport_size({"width": 1400, "height": 1000})
    expect(hint).to_be_hidden()
