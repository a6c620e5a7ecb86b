"""The activation functions in a real browser.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import open_section, readout, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_pick_gelu_and_read_f_of_zero(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "activations")
    section = page.locator("section#activations")
    section.get_by_label("activation").select_option("gelu")
    slider = section.get_by_label("input z")
    slider.focus()
    for _ in range(20):  # from z = 1 down to 0 in steps of 0.05
        slider.press("ArrowLeft")
    expect(readout(page, "activations", "z")).to_have_text("0.00")
    expect(readout(page, "activations", "f")).to_have_text("0.0000")
    expect(readout(page, "activations", "df")).to_have_text("0.5000")
    expect(section.locator(".source-panel summary")).to_contain_text("activations.gelu")
    assert "activations.name=gelu" in page.url
    shot(page, artifacts_dir, "activations", "activations-gelu.png")


def test_hiding_the_derivative_hides_its_curve_readout_and_legend(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "activations")
    section = page.locator("section#activations")
    slope_readout = readout(page, "activations", "df")
    derivative_key = section.locator("[data-legend='df']")
    expect(slope_readout).to_be_visible()
    expect(derivative_key).to_be_visible()
    expect(derivative_key).to_contain_text("f′(z)")
    section.get_by_label("show the derivative f′(z)").uncheck()
    # the f′ readout, its name and the legend's f′ entry all go with the curve
    expect(slope_readout).to_be_hidden()
    expect(section.locator(".readout dt", has_text="f′(z)")).to_be_hidden()
    expect(derivative_key).to_be_hidden()
    expect(section.locator(".w-legend")).not_to_contain_text("f′", use_inner_text=True)
    expect(readout(page, "activations", "f")).to_be_visible()
    assert "activations.slope=0" in page.url
    shot(page, artifacts_dir, "activations", "activations-no-derivative.png")
    # a shared link without the derivative opens that way, and showing it brings all back
    page.goto(page.url)
    page.wait_for_selector("html[data-ready='true']")
    expect(slope_readout).to_be_hidden()
    expect(derivative_key).to_be_hidden()
    section.get_by_label("show the derivative f′(z)").check()
    expect(slope_readout).to_be_visible()
    expect(slope_readout).not_to_have_text("–")
    expect(derivative_key).to_be_visible()


@pytest.mark.parametrize("width", [1400, 390])
def test_the_courses_leaky_relu_has_slope_a_tenth(page, lab_url, artifacts_dir, width):
    open_section(
        page, lab_url, "activations", "?activations.name=leaky_relu_0.1&activations.z=-2", width
    )
    section = page.locator("section#activations")
    menu = section.get_by_label("activation")
    # both leaky ReLUs are offered, each named with its slope, the course's first
    labels = menu.locator("option").all_inner_texts()
    assert "leaky ReLU, slope 0.1" in labels and "leaky ReLU, slope 0.01" in labels
    assert labels.index("leaky ReLU, slope 0.1") < labels.index("leaky ReLU, slope 0.01")
    expect(readout(page, "activations", "z")).to_have_text("−2.00")
    expect(readout(page, "activations", "f")).to_have_text("−0.2000")  # 0.1 × (−2)
    expect(readout(page, "activations", "df")).to_have_text("0.1000")
    expect(section.locator("p.w-small[aria-live='polite']")).to_contain_text("slope 0.1")
    shot(page, artifacts_dir, "activations", f"activations-leaky-0.1-{width}.png")
    menu.select_option("leaky_relu")
    expect(readout(page, "activations", "f")).to_have_text("−0.0200")  # the library's 0.01
    expect(readout(page, "activations", "df")).to_have_text("0.0100")
