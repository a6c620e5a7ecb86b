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
    expect(section.locator("[role='status']")).to_contain_text("to the minimum at")
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


@pytest.mark.parametrize("width", [1400, 390])
def test_a_walk_stopped_on_the_saddle_is_named_a_saddle_not_converged(
    page, lab_url, artifacts_dir, width
):
    # the case: Saddle, a start at the map's vertical middle left of centre, Descend
    open_section(page, lab_url, "descent", width=width)
    section = page.locator("section#descent")
    section.get_by_label("surface", exact=True).select_option("saddle")
    canvas = section.locator("canvas.w-canvas")
    expect(section.locator("[role='status']")).to_contain_text("Click the map")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)
    expect(section.locator("[role='status']")).to_contain_text("Start placed at (−1.00, 0.00)")
    section.locator("[data-action='descend']").click()
    widget = section.locator(".widget")
    expect(widget).to_have_attribute("data-finished", "saddle", timeout=20_000)
    status = section.locator("[role='status']")
    expect(status).to_contain_text("Stuck on a saddle point")
    expect(status).to_contain_text("falls away both ways along (0, 1)")
    expect(status).to_contain_text("the lowest known minima are at (0, 1.41) and (0, −1.41)")
    expect(status).not_to_contain_text("onverged")
    x, y = numbers(readout(page, "descent", "at").inner_text())
    assert abs(x) < 1e-3 and y == 0  # it did stop on the saddle, at the origin
    # the way down is drawn at the saddle: purple arrow pixels around the map's centre
    purple = canvas.evaluate(
        """(c) => {
            const ctx = c.getContext('2d');
            const {data} = ctx.getImageData(0, 0, c.width, c.height);
            let n = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (Math.abs(data[i] - 123) < 12 && Math.abs(data[i + 1] - 31) < 12
                    && Math.abs(data[i + 2] - 162) < 12) n += 1;
            }
            return n;
        }"""
    )
    assert purple > 40, purple
    shot(page, artifacts_dir, "descent", f"descent-saddle-{width}.png")

    # a Rastrigin dip: a minimum, but not the lowest, and the sentence says where that is
    section.get_by_label("surface", exact=True).select_option("rastrigin")
    expect(status).to_contain_text("Click the map")
    canvas.scroll_into_view_if_needed()
    page.mouse.click(*plane_point(page, canvas, 2.0, -2.0, bounds=(-3, 3, -3, 3)))
    section.locator("[data-action='descend']").click()
    expect(widget).to_have_attribute("data-finished", "local-minimum", timeout=20_000)
    expect(status).to_contain_text("Settled in a local minimum")
    expect(status).to_contain_text("the lowest known minimum is at (0, 0), loss 0")
