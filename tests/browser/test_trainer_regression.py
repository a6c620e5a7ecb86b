"""Regression in the live trainer, in Chromium: choose a value set, train, read MSE and R²."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import numbers

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TRAINER = "[data-widget=trainer]"


def inside(page: Page):
    return page.locator("#trainer")


def open_trainer(page: Page, url: str, width: int = 1400) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(url)
    page.wait_for_function(
        f"document.querySelector('{TRAINER}')?.trainerStats?.frames > 0", timeout=30_000
    )
    page.locator("#trainer").scroll_into_view_if_needed()


def boundary_colour(page: Page, x: float, y: float) -> list[int]:
    """RGB of the shaded plane at data point (x, y); the surface set's plane is ±1.2."""
    return page.evaluate(
        """([x, y]) => {
            const canvas = document.getElementById("tr-boundary");
            const px = Math.round((x + 1.2) / 2.4 * canvas.width);
            const py = Math.round((1.2 - y) / 2.4 * canvas.height);
            return Array.from(canvas.getContext("2d").getImageData(px, py, 1, 1).data).slice(0, 3);
        }""",
        [x, y],
    )


def test_the_surface_set_trains_on_mse_and_shades_the_plane(page: Page, lab_url, artifacts_dir):
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    open_trainer(page, lab_url + "#trainer")
    trainer = inside(page)
    expect(page.locator("#tr-value-legend")).to_be_hidden()  # spirals: classes, no scale
    trainer.get_by_label("Dataset", exact=True).select_option("surface")
    # the readouts say what a regression is measured by
    expect(trainer.get_by_label("Loss (MSE)", exact=True)).to_be_visible()
    expect(trainer.get_by_label("R²", exact=True)).to_be_visible()
    expect(trainer.get_by_label("Validation loss (MSE)", exact=True)).to_be_visible()
    expect(trainer.locator("#tr-value-legend")).to_be_visible()
    expect(trainer.locator(".class-chooser")).to_be_hidden()  # no classes to add points of
    expect(trainer.get_by_label("Classes", exact=True)).to_be_hidden()
    plane = page.locator("#tr-plane")
    expect(plane).to_have_accessible_name(re.compile("predicted value"))
    expect(plane).to_have_accessible_description(re.compile("one linear output"))
    expect(page.locator("#tr-plane-help")).to_be_hidden()
    expect(trainer.locator("#tr-diagram")).to_contain_text("linear output")
    assert parse_qs(urlsplit(page.url).query)["trainer.dataset"] == ["surface"]  # in the link

    trainer.get_by_role("button", name="Train", exact=True).click()
    r_squared = trainer.get_by_label("R²", exact=True)
    page.wait_for_function(
        """(id) => parseFloat(document.getElementById(id).textContent) > 0.9""",
        arg=r_squared.get_attribute("id"),
        timeout=60_000,
    )
    trainer.get_by_role("button", name="Pause", exact=True).click()
    expect(trainer.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    loss = numbers(trainer.get_by_label("Loss (MSE)", exact=True).inner_text())[0]
    assert 0 < loss < 0.05  # eq. 6 on targets of variance about 0.25: R² > 0.9 means < 0.0125
    # y = sin(pi x1) cos(pi x2 / 2): 0.99 at (0.5, 0.1) shades blue, -0.99 at (-0.5, 0.1)
    # orange, and near x1 = 0 the value is 0: white (points off the axes, drawn over it)
    r, g, b = boundary_colour(page, 0.5, 0.1)
    assert b > 120 and r < 90, (r, g, b)
    r, g, b = boundary_colour(page, -0.5, 0.1)
    assert r > 180 and b < 90, (r, g, b)
    assert min(boundary_colour(page, 0.03, 0.6)) > 200  # nearly white where y is 0
    # discretised, the shading keeps the sign alone: the two ends of the table
    page.get_by_label("Discretise output").check()
    assert boundary_colour(page, 0.5, 0.1) == [0, 114, 178]
    assert boundary_colour(page, -0.5, 0.1) == [230, 159, 0]
    page.get_by_label("Discretise output").uncheck()
    r, g, b = boundary_colour(page, 0.03, 0.6)
    assert min(r, g, b) > 200  # the shades again
    legend = trainer.locator("#tr-value-legend")
    expect(legend).to_contain_text(re.compile(r"Predictions from −\d\.\d\d to \d\.\d\d"))
    trainer.screenshot(path=os.path.join(artifacts_dir, "trainer-regression-1400.png"))

    # a click on a regression set's plane adds no point: a sentence says why
    page.locator("#tr-plane").click(position={"x": 100, "y": 100})
    expect(trainer.locator("#tr-error")).to_contain_text("classification sets")

    # and back to a classification set: classes, accuracy, no scale; the line under the
    # plane says why the epochs went back to 0
    trainer.get_by_label("Dataset", exact=True).select_option("circles")
    expect(trainer.locator("#tr-message")).to_contain_text("Dataset changed")
    expect(trainer.get_by_label("Accuracy", exact=True)).to_be_visible()
    expect(trainer.get_by_label("Loss", exact=True)).to_be_visible()
    expect(trainer.locator("#tr-value-legend")).to_be_hidden()
    expect(trainer.locator(".class-chooser")).to_be_visible()
    expect(plane).to_have_accessible_description(re.compile("hollow ones are held out"))
    expect(trainer.locator("#tr-diagram")).to_contain_text("softmax outputs")
    assert problems == []


def test_a_link_opens_the_saddle_set_on_a_phone(page: Page, lab_url, artifacts_dir):
    open_trainer(page, lab_url + "?trainer.dataset=saddle#trainer", width=390)
    trainer = inside(page)
    expect(trainer.get_by_label("Dataset", exact=True)).to_have_value("saddle")
    expect(trainer.get_by_label("Loss (MSE)", exact=True)).to_be_visible()
    trainer.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch >= 1")
    expect(trainer.locator("#tr-value-legend")).to_contain_text("Predictions from")
    # the colour bar fits the phone's width
    box = trainer.locator(".value-bar").bounding_box()
    assert box["width"] > 200 and box["x"] + box["width"] <= 390
    trainer.screenshot(path=os.path.join(artifacts_dir, "trainer-regression-390.png"))
