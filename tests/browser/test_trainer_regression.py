"""Regression in the live trainer, in Chromium: choose a value set, train, read MSE and R²."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from neuronlab.lab import render
from tests.browser.support import numbers, settle
from tests.browser.test_trainer import stats

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
    settle(page)  # every widget mounted and the scroll to a link's #trainer done
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
    expect(trainer.get_by_label("Value of new points")).to_be_visible()  # a value instead
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

    # the chart: the loss and, on the right axis, R² per epoch
    expect(trainer.locator("#tr-chart-title")).to_have_text("Loss and R²")
    expect(page.locator("#tr-chart .legendtext")).to_have_text(
        ["training", "validation", "R²", "val. R²"]
    )

    # and back to a classification set: classes, accuracy, no scale; the line under the
    # plane says why the epochs went back to 0
    trainer.get_by_label("Dataset", exact=True).select_option("circles")
    expect(trainer.locator("#tr-message")).to_contain_text("Dataset changed")
    expect(trainer.get_by_label("Accuracy", exact=True)).to_be_visible()
    expect(trainer.get_by_label("Loss", exact=True)).to_be_visible()
    expect(trainer.locator("#tr-value-legend")).to_be_hidden()
    expect(trainer.locator(".class-chooser")).to_be_visible()
    expect(trainer.get_by_label("Value of new points")).to_be_hidden()
    expect(trainer.locator("#tr-chart-title")).to_have_text("Loss and accuracy")
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


def points_pixel(page: Page, x: float, y: float) -> list[int]:
    """RGBA of the points layer at CSS position (x, y) inside the plane."""
    return page.evaluate(
        """([x, y]) => {
            const canvas = document.getElementById("tr-points-layer");
            const box = canvas.getBoundingClientRect();
            const px = Math.round(x / box.width * canvas.width);
            const py = Math.round(y / box.height * canvas.height);
            return Array.from(canvas.getContext("2d").getImageData(px, py, 1, 1).data);
        }""",
        [x, y],
    )


def empty_spots(page: Page, count: int) -> list[tuple[float, float]]:
    """``count`` places on the plane (CSS px inside it) with no point within 12 px, far apart."""
    return page.evaluate(
        """(count) => {
            const canvas = document.getElementById("tr-points-layer");
            const box = canvas.getBoundingClientRect();
            const scale = canvas.width / box.width;
            const { width, height } = canvas;
            const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
            const clear = (x, y) => {
                for (let dy = -12; dy <= 12; dy += 3) for (let dx = -12; dx <= 12; dx += 3) {
                    const px = Math.round((x + dx) * scale), py = Math.round((y + dy) * scale);
                    if (data[(py * canvas.width + px) * 4 + 3] > 0) return false;
                }
                return true;
            };
            const found = [];
            const step = box.width / 14;
            for (let y = step; y < box.height - step && found.length < count; y += step) {
                for (let x = step; x < box.width - step && found.length < count; x += step) {
                    const far = found.every(([u, v]) => Math.hypot(u - x, v - y) > 40);
                    if (far && clear(x, y)) found.push([x, y]);
                }
            }
            return found;
        }""",
        count,
    )


def value_colour(page: Page, lab_url: str, value: float) -> list[int]:
    """The colour the server's palette gives ``value`` on the legend's range."""
    low, high = (
        numbers(page.locator("#tr-value-legend .value-ticks span").nth(i).inner_text())[0]
        for i in (0, 2)
    )
    table = page.request.get(f"{lab_url}api/options").json()["value_colours"]
    index = render.value_indices(np.array([value]), low, high)[0]
    return table[index]


@pytest.mark.parametrize("width", [1400, 390])
def test_clicking_a_saddle_plane_adds_a_point_of_the_typed_value(
    page: Page, lab_url, artifacts_dir, width
):
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    open_trainer(page, lab_url + "?trainer.dataset=saddle&trainer.points=60#trainer", width)
    trainer = inside(page)
    box = trainer.get_by_label("Value of new points")
    expect(box).to_be_visible()
    # the middle of the targets' range (the saddle's are about -1 to 1, with noise)
    assert abs(float(box.input_value())) <= 0.3
    # the colour bar's range as the hint, and the bounds the server takes
    expect(box).to_have_accessible_description(
        re.compile(r"colour bar spans −\d\.\d to \d\.\d; any number from −10 to 10")
    )
    page.locator("#tr-plane").scroll_into_view_if_needed()
    first, second, third, fourth = empty_spots(page, 4)
    plane = page.locator("#tr-plane")

    box.fill("0.9")
    plane.click(position={"x": first[0], "y": first[1]})
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.added === 1")
    # drawn at once in the value's colour, as the set's own points are
    assert points_pixel(page, *first) == [*value_colour(page, lab_url, 0.9), 255]
    expect(page.locator("#tr-plane-status")).to_contain_text("Added a point of value 0.90")

    # training goes on with it
    trainer.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch >= 3")

    # a value beyond the bounds is refused in a sentence, the box marked; nothing is lost
    box.fill("11")
    plane.click(position={"x": second[0], "y": second[1]})
    alert = trainer.locator("#tr-error")
    expect(alert).to_have_text("Value should be less than or equal to 10, got 11.")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_value("11")  # what was typed stays, to be corrected
    assert points_pixel(page, *second)[3] == 0
    assert stats(page)["added"] == 1
    epoch = stats(page)["epoch"]
    page.wait_for_function(
        f"document.querySelector('{TRAINER}').trainerStats.epoch > {epoch + 2}"
    )  # still training
    # an empty box: the server asks for a value
    box.fill("")
    expect(box).not_to_have_attribute("aria-invalid", "true")  # a new value, not the refused one
    plane.click(position={"x": third[0], "y": third[1]})
    expect(alert).to_contain_text("A regression set's new point needs a value")
    expect(box).to_have_attribute("aria-invalid", "true")

    # a good value again: added, and the alert and the mark go
    box.fill("-0.9")
    plane.click(position={"x": fourth[0], "y": fourth[1]})
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.added === 2")
    expect(alert).to_be_hidden()
    expect(box).not_to_have_attribute("aria-invalid", "true")
    assert points_pixel(page, *fourth) == [*value_colour(page, lab_url, -0.9), 255]
    trainer.get_by_role("button", name="Pause", exact=True).click()
    expect(trainer.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    assert points_pixel(page, *first) == [*value_colour(page, lab_url, 0.9), 255]  # kept
    trainer.screenshot(path=os.path.join(artifacts_dir, f"trainer-regression-points-{width}.png"))
    if width == 1400:
        # as for a class's points: the link holds the settings, not the points
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        trainer.get_by_role("button", name="Copy link").click()
        expect(page.locator("#tr-copy-status")).to_have_text(
            "Link copied: the settings, without the points you added."
        )
    assert problems == []


def test_a_regression_point_from_the_keyboard(page: Page, lab_url):
    open_trainer(page, lab_url + "?trainer.dataset=surface#trainer")
    trainer = inside(page)
    trainer.get_by_label("Value of new points").fill("-0.5")
    plane = page.locator("#tr-plane")
    plane.focus()
    plane.press("1")  # no classes to choose here: the key does nothing
    plane.press("ArrowUp")
    plane.press("Enter")
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.added === 1")
    expect(page.locator("#tr-plane-status")).to_have_text(
        re.compile(r"Added a point of value −0\.50 at \(0\.00, 0\.\d\d\)\.")
    )


def test_the_chart_draws_r2_per_epoch_on_the_accuracy_axis(page: Page, lab_url, artifacts_dir):
    open_trainer(page, lab_url + "?trainer.dataset=saddle#trainer")
    trainer = inside(page)
    chart = page.locator("#tr-chart")
    for _ in range(4):
        trainer.get_by_role("button", name="Step", exact=True).click()
        expect(trainer.get_by_role("button", name="Step", exact=True)).to_be_enabled()
    page.wait_for_function(
        "document.querySelector('#tr-chart').data?.find((t) => t.name === 'R²')?.x.length >= 5",
        timeout=20_000,
    )
    expect(chart.locator(".legendtext")).to_have_text(["training", "validation", "R²", "val. R²"])
    expect(chart.locator(".g-y2title")).to_have_text("R²")
    expect(chart.locator(".y2tick text")).to_have_text(["≤0", "0.5", "1"])
    traces = page.evaluate(
        """() => document.querySelector('#tr-chart').data.map(
            (t) => ({name: t.name, axis: t.yaxis || 'y', y: t.y, real: t.customdata || null}))"""
    )
    r2 = next(trace for trace in traces if trace["name"] == "R²")
    assert r2["axis"] == "y2"
    # drawn clipped at the axis's foot when below 0 (worse than the mean), the value kept
    assert r2["y"] == [max(value, 0) for value in r2["real"]]
    assert r2["real"][-1] == pytest.approx(
        numbers(trainer.get_by_label("R²", exact=True).inner_text())[0], abs=1e-3
    )
    assert {trace["axis"] for trace in traces if trace["name"] in ("training", "validation")} == {
        "y"
    }
    trainer.locator("#tr-chart-box").screenshot(
        path=os.path.join(artifacts_dir, "trainer-regression-chart.png")
    )
