"""The loss surface in 3-D in a real browser: rotate it, and descend on it with its own
controls, watching the path slide down.

Each test drives the real server in Chromium as a learner would and reads what the page and
its plot show; screenshots land in the artifacts folder.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.support import numbers, open_section, readout, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

# what plotly holds for the plot: the traces' names and point counts, and the ranges it draws
PLOT = """() => {
    const plot = document.querySelector('section#surface3d .w-plot3d');
    const scene = plot._fullLayout.scene;
    return {
        traces: plot.data.map((t) => ({
            name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || []),
            z: t.type === 'surface' ? null : Array.from(t.z || []),
        })),
        x: scene.xaxis.range, y: scene.yaxis.range, z: scene.zaxis.range,
    };
}"""


WATCH_SHOWN = """() => {
    window.shown = [];
    const widget = document.querySelector('section#surface3d .widget');
    new MutationObserver(() => {
        if (widget.dataset.shown) window.shown.push(Number(widget.dataset.shown));
    }).observe(widget, { attributes: true, attributeFilter: ['data-shown'] });
}"""


def camera(page: Page) -> list[float]:
    return numbers(readout(page, "surface3d", "camera").inner_text())


def trace(plot: dict, name: str) -> dict:
    return next(t for t in plot["traces"] if t["name"] == name)


def open_3d(page: Page, lab_url: str, query: str = "", width: int = 1400):
    open_section(page, lab_url, "surface3d", query=query, width=width)
    section = page.locator("section#surface3d")
    expect(section.locator(".w-plot3d .main-svg").first).to_be_visible(timeout=15_000)
    return section


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


def test_descend_on_rosenbrock_and_watch_the_path_slide_down(page, lab_url, artifacts_dir):
    # the slide lasts two seconds of the page's clock, in as many frames as the machine paints
    # meanwhile (six, on a loaded one): the test holds that clock and moves it on itself, so
    # that every frame is painted
    page.clock.install()
    section = open_3d(page, lab_url)
    widget = section.locator(".widget")
    section.get_by_label("surface", exact=True).select_option("rosenbrock")
    expect(widget).to_have_attribute("data-surface", "rosenbrock")
    section.get_by_label("optimiser").select_option("adam")
    rate = section.get_by_label("learning rate η")
    rate.focus()
    for _ in range(20):  # down the log scale to η = 0.05
        if "0.05" == rate.get_attribute("aria-valuetext"):
            break
        rate.press(
            "ArrowLeft" if float(rate.get_attribute("aria-valuetext")) > 0.05 else "ArrowRight"
        )
    expect(rate).to_have_attribute("aria-valuetext", "0.05")
    steps = section.get_by_label("most steps")
    steps.focus()
    steps.press("End")  # 5000 steps
    # every count of points on show, as the page sets it while the path slides
    page.evaluate(WATCH_SHOWN)
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    section.locator("[data-action='descend']").click()
    page.wait_for_function("() => window.shown.length > 0", timeout=15_000)  # the walk is in
    for _ in range(100):  # 50 ms of the page's time at once: three frames
        page.clock.run_for(50)
        if page.evaluate("window.shown.length") == 4:  # a few frames into the slide
            shot(page, artifacts_dir, "surface3d", "surface3d-rosenbrock-sliding.png")
        if widget.get_attribute("data-finished") is not None:
            break
    page.clock.resume()
    expect(widget).to_have_attribute("data-finished", "converged", timeout=15_000)

    plot = page.evaluate(PLOT)
    path, start, end = trace(plot, "descent path"), trace(plot, "start"), trace(plot, "end")
    assert len(path["x"]) > 50  # long enough to see, not a stub
    # the path slid down: many counts on show, rising one frame after another to the whole walk
    shown = page.evaluate("window.shown")
    assert len(shown) > 10 and shown == sorted(shown) and shown[-1] == len(path["x"])
    assert (start["x"][0], start["y"][0]) == (path["x"][0], path["y"][0]) == (-1.2, 1.0)
    assert (end["x"][0], end["y"][0]) == (path["x"][-1], path["y"][-1])
    assert abs(end["x"][0] - 1) < 0.01 and abs(end["y"][0] - 1) < 0.01  # Rosenbrock's minimum
    # every point inside the plotted box, above the surface's lowest value
    assert all(-2 <= x <= 2 for x in path["x"]) and all(-1 <= y <= 3 for y in path["y"])
    assert min(path["z"]) > plot["z"][0]
    x, y = numbers(readout(page, "surface3d", "at").inner_text())
    assert abs(x - 1) < 0.01 and abs(y - 1) < 0.01
    shot(page, artifacts_dir, "surface3d", "surface3d-rosenbrock.png")


def test_a_diverging_walk_is_cut_at_the_edge_and_the_view_keeps_its_size(
    page, lab_url, artifacts_dir
):
    section = open_3d(page, lab_url)
    widget = section.locator(".widget")
    before = page.evaluate(PLOT)
    rate = section.get_by_label("learning rate η")
    rate.focus()
    rate.press("End")  # η = 2 on the bowl flies off
    section.locator("[data-action='descend']").click()
    expect(widget).to_have_attribute("data-finished", "diverged", timeout=15_000)
    expect(section.locator("[role='status']")).to_contain_text("left the plotted map at step")
    # the readouts give where the walk really ended, far off the map
    x, y = numbers(readout(page, "surface3d", "at").inner_text())
    assert max(abs(x), abs(y)) > 2
    after = page.evaluate(PLOT)
    assert after["z"] == before["z"] and after["x"] == [-2, 2] and after["y"] == [-2, 2]
    path = trace(after, "descent path")
    assert all(-2 <= x <= 2 for x in path["x"]) and all(z <= after["z"][1] for z in path["z"])
    shot(page, artifacts_dir, "surface3d", "surface3d-diverged.png")


def test_a_typed_start_is_where_the_walk_begins(page, lab_url):
    section = open_3d(page, lab_url, query="?surface3d.surface=saddle")
    section.get_by_label("start x").fill("-1.5")
    section.get_by_label("start y").fill("0.5")
    section.get_by_label("start y").press("Enter")
    section.get_by_label("start y").blur()
    page.wait_for_function(
        "() => document.querySelector('section#surface3d .w-plot3d').data?.[3]?.x[0] === -1.5"
    )
    section.locator("[data-action='descend']").click()
    expect(section.locator(".widget")).to_have_attribute(
        "data-finished", "converged", timeout=15_000
    )
    path = trace(page.evaluate(PLOT), "descent path")
    assert (path["x"][0], path["y"][0]) == (-1.5, 0.5)
    assert abs(path["y"][-1] - 2**0.5) < 0.01  # the saddle's upper minimum, at (0, √2)
    assert "surface3d.x=-1.5" in page.url

    # from the saddle's ridge line the walk stops on the saddle point, and the page says so
    section.get_by_label("start y").fill("0")
    section.get_by_label("start y").press("Enter")
    section.locator("[data-action='descend']").click()
    expect(section.locator(".widget")).to_have_attribute("data-finished", "saddle", timeout=15_000)
    expect(section.locator("[role='status']")).to_contain_text("saddle")


def test_the_3d_plot_fits_a_phone(page, lab_url, artifacts_dir):
    section = open_3d(page, lab_url, width=390)
    section.locator("[data-action='descend']").click()
    expect(section.locator(".widget")).to_have_attribute(
        "data-finished", "converged", timeout=15_000
    )
    box = section.locator(".w-plot3d").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    svg = section.locator(".w-plot3d .main-svg").first.bounding_box()
    assert svg["x"] + svg["width"] <= 390 + 0.5
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("section#surface3d").screenshot(
        path=os.path.join(artifacts_dir, "surface3d-390.png")
    )
    # the box and its labels fit inside the plot: nothing dark (a tick label, the axis title)
    # is cut by the plot's left or right edge
    picture = Image.open(io.BytesIO(section.locator(".w-plot3d").screenshot())).convert("L")
    picture.save(os.path.join(artifacts_dir, "surface3d-plot-390.png"))
    pixels = np.asarray(picture)
    edges = np.concatenate([pixels[:, :3], pixels[:, -3:]], axis=1)
    assert edges.min() > 140, "a label of the 3-D plot is cut by the edge of a phone's screen"
