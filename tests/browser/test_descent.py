"""Gradient descent on 2-D and 3-D surfaces in a real browser.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import numbers, open_section, plane_point, readout, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def camera(page: Page) -> list[float]:
    return numbers(readout(page, "surface3d", "camera").inner_text())


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


def test_rotate_the_3d_surface_by_dragging(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "surface3d")
    section = page.locator("section#surface3d")
    plot = section.locator(".w-plot3d")
    expect(plot.locator(".main-svg").first).to_be_visible(timeout=15_000)
    before = camera(page)
    box = plot.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 160, cy + 40, steps=12)
    page.mouse.up()
    expect(readout(page, "surface3d", "camera")).not_to_have_text(
        f"Viewpoint (eye): x {before[0]:.2f}", timeout=5_000
    )
    after = camera(page)
    assert max(abs(a - b) for a, b in zip(before, after, strict=True)) > 0.2
    assert "surface3d.ex=" in page.url
    section.get_by_role("button", name="above").click()
    assert camera(page)[2] > 2
    shot(page, artifacts_dir, "surface3d", "surface3d-above.png")
