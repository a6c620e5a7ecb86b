"""Gradient descent on 2-D and 3-D surfaces in a real browser.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import numbers, open_section, plane_point, readout, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_click_a_start_and_descend_to_the_bowl_minimum(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "descent")
    section = page.locator("section#descent")
    canvas = section.locator("canvas.w-canvas")
    page.mouse.click(*plane_point(page, canvas, 1.5, -1.0, bounds=(-2, 2, -2, 2)))
    expect(section.locator("[role='status']")).to_contain_text("Start placed at (1.50, −1.00)")
    section.locator("[data-action='descend']").click()
    expect(section.locator(".widget")).to_have_attribute(
        "data-finished", "converged", timeout=10_000
    )
    x, y = numbers(readout(page, "descent", "at").inner_text())
    assert abs(x) < 1e-3 and abs(y) < 1e-3
    assert numbers(readout(page, "descent", "loss").inner_text())[0] < 1e-5
    expect(section.locator("[role='status']")).to_contain_text("Converged after")
    shot(page, artifacts_dir, "descent", "descent-bowl.png")

    # too high a rate: the widget shows the walk flying off and says so
    rate = section.get_by_label("learning rate η")
    rate.focus()
    rate.press("End")  # η = 2
    section.locator("[data-action='descend']").click()
    expect(section.locator(".widget")).to_have_attribute(
        "data-finished", "diverged", timeout=10_000
    )
    expect(section.locator("[role='status']")).to_contain_text("Lower the learning rate")
