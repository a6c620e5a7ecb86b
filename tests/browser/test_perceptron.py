"""The perceptron in a real browser: drag a point, learn with Rosenblatt's rule, its code.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import numbers, open_section, plane_point, readout, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_perceptron_point_dragged_across_the_line_flips_the_output(page, lab_url, artifacts_dir):
    query = "?perceptron.w1=1&perceptron.w2=1&perceptron.b=0&perceptron.x=0.5&perceptron.y=0.3"
    open_section(page, lab_url, "perceptron", query)
    output = readout(page, "perceptron", "output")
    expect(output).to_have_text("1 · fires")
    expect(readout(page, "perceptron", "z")).to_have_text("0.800")  # 0.5 + 0.3 + 0

    canvas = page.locator("section#perceptron canvas.w-canvas")
    page.mouse.move(*plane_point(page, canvas, 0.5, 0.3))
    page.mouse.down()
    page.mouse.move(*plane_point(page, canvas, 0.0, -0.2), steps=5)
    page.mouse.move(*plane_point(page, canvas, -0.6, -0.5), steps=5)
    page.mouse.up()
    # the readouts follow the drag; wait for the answer at the point where it ended
    expect(readout(page, "perceptron", "x")).to_have_text(
        re.compile(r"\(−0\.(59|60|61), −0\.(49|50|51)\)")
    )
    expect(output).to_have_text("0 · silent")
    z = numbers(readout(page, "perceptron", "z").inner_text())[0]
    assert z == pytest.approx(-1.1, abs=0.03)  # w·x + b at about (−0.6, −0.5)
    assert "perceptron.x=" in page.url  # the point is part of the shareable address
    shot(page, artifacts_dir, "perceptron", "perceptron-silent.png")

    # back across the line with the keyboard alone
    handle = page.locator("section#perceptron [data-role='point']")
    handle.focus()
    for _ in range(5):
        handle.press("Shift+ArrowRight")
    for _ in range(4):
        handle.press("Shift+ArrowUp")
    expect(output).to_have_text("1 · fires")


@pytest.mark.parametrize("data", ["separable", "xor"])
def test_perceptron_shows_the_chosen_data_before_learning(page, lab_url, data):
    # the points are on the plane before Learn is pressed, each in its class's colour
    open_section(page, lab_url, "perceptron", f"?perceptron.data={data}")
    answer = page.request.post(
        f"{lab_url.rstrip('/')}/api/perceptron/learn", data={"dataset": data, "steps": 1}
    ).json()
    check = """([points, labels]) => {
        const canvas = document.querySelector("section#perceptron canvas.w-canvas");
        const ctx = canvas.getContext("2d");
        const colours = [[230, 159, 0], [0, 114, 178]];  // render.py CLASS_COLOURS
        const shown = points.filter(([x, y], i) => {
            const px = Math.round(((x + 1.2) / 2.4) * canvas.width);
            const py = Math.round(((1.2 - y) / 2.4) * canvas.height);
            const [r, g, b] = ctx.getImageData(px, py, 1, 1).data;
            const [R, G, B] = colours[labels[i]];
            return Math.abs(r - R) + Math.abs(g - G) + Math.abs(b - B) < 12;
        });
        return shown.length >= 0.9 * points.length;  // a few may hide under the learner's point
    }"""
    page.wait_for_function(check, arg=[answer["points"], answer["labels"]], timeout=10_000)


def test_perceptron_rule_settles_on_separable_points(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "perceptron", "?perceptron.speed=20")
    section = page.locator("section#perceptron")
    section.get_by_role("button", name="Step").click()
    status = section.locator(".w-learn [role='status']")
    expect(status).to_contain_text("Epoch 1, step 1")
    section.locator("[data-action='learn-play']").click()
    expect(status).to_contain_text("Settled after", timeout=20_000)
    expect(section.locator(".w-learn .w-small")).to_contain_text(re.compile(r", 0$"))
    shot(page, artifacts_dir, "perceptron", "perceptron-learned.png")


def test_a_double_click_on_learn_still_pauses(page, lab_url):
    open_section(page, lab_url, "perceptron", "?perceptron.speed=20&perceptron.data=xor")
    section = page.locator("section#perceptron")
    play = section.locator("[data-action='learn-play']")
    play.dblclick()  # the second click lands while the first waits for the run
    status = section.locator(".w-learn [role='status']")
    expect(status).to_contain_text("Epoch")
    play.click()  # Pause
    expect(play).to_have_text("Learn")
    paused_at = status.inner_text()
    page.wait_for_timeout(600)  # 12 steps at 20 a second, had a second timer survived
    assert status.inner_text() == paused_at


def test_show_the_python_of_the_perceptron(page, lab_url):
    open_section(page, lab_url, "perceptron")
    panel = page.locator("section#perceptron > .source-panel details")
    panel.locator("summary").click()
    expect(panel.locator(".source")).to_have_count(3, timeout=10_000)
    expect(panel).to_contain_text("def learn_step")
    expect(panel).to_contain_text("neuronlab/engine/perceptron.py")


@pytest.mark.parametrize("width", [1400, 390])
def test_the_controls_sit_beside_the_plane_with_no_gap(page, lab_url, artifacts_dir, width):
    open_section(page, lab_url, "perceptron", width=width)
    section = page.locator("section#perceptron")
    plane = section.locator("canvas.w-canvas").bounding_box()
    side = section.locator(".w-side").bounding_box()
    legend = section.locator(".w-legend").bounding_box()
    # the legend wraps under the plane instead of widening its column
    assert legend["x"] + legend["width"] <= plane["x"] + plane["width"] + 1
    if width == 1400:
        # beside the plane, one column gap (2rem) away: no empty band between them
        assert side["y"] < plane["y"] + plane["height"]
        assert 0 <= side["x"] - (plane["x"] + plane["width"]) <= 40
    else:
        # on a phone the controls go under the plane, and all of it fits the screen
        assert side["y"] >= plane["y"] + plane["height"]
        assert plane["x"] + plane["width"] <= width and side["x"] + side["width"] <= width
    shot(page, artifacts_dir, "perceptron", f"perceptron-{width}.png")
