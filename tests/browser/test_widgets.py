"""The concept widgets, used in a real browser as a person would: drag, click, type, read.

Each test opens the page at one section (some with a configuration in the address, as a
teacher's link would), acts through the mouse or the keyboard, reads what the page shows,
and keeps a screenshot in the artifacts folder.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

READY = "html[data-ready='true']"


def open_section(page: Page, lab_url: str, section: str, query: str = "") -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{lab_url.rstrip('/')}/{query}#{section}")
    page.wait_for_selector(READY, timeout=30_000)
    page.locator(f"section#{section}").scroll_into_view_if_needed()


def shot(page: Page, artifacts_dir: str, section: str, name: str) -> None:
    page.locator(f"section#{section}").screenshot(path=os.path.join(artifacts_dir, name))


def readout(page: Page, section: str, key: str):
    return page.locator(f"section#{section} [data-readout='{key}']")


def numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text.replace("−", "-"))]


def plane_point(page: Page, canvas, x: float, y: float, bounds=(-1.2, 1.2, -1.2, 1.2)):
    """Screen coordinates of the data point (x, y) on a canvas showing `bounds`."""
    box = canvas.bounding_box()
    x_min, x_max, y_min, y_max = bounds
    return (
        box["x"] + (x - x_min) / (x_max - x_min) * box["width"],
        box["y"] + (y_max - y) / (y_max - y_min) * box["height"],
    )


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


def camera(page: Page) -> list[float]:
    return numbers(readout(page, "surface3d", "camera").inner_text())


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


def test_race_adam_reaches_the_rosenbrock_minimum(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "race", "?race.speed=20")
    section = page.locator("section#race")
    widget = section.locator(".widget")
    expect(section.locator("[role='status']")).to_contain_text("Press Play")
    section.locator("[data-action='play']").click()
    expect(widget).to_have_attribute("data-state", "finished", timeout=20_000)
    adam = section.locator("tr[data-runner='adam']")
    expect(adam.locator("[data-cell='status']")).to_contain_text("reached the minimum at step")
    assert numbers(adam.locator("[data-cell='distance']").inner_text())[0] < 0.1
    sgd = section.locator("tr[data-runner='sgd']")
    assert numbers(sgd.locator("[data-cell='distance']").inner_text())[0] > 0.5
    expect(section.locator("[role='status']")).to_contain_text("reached the minimum first")
    shot(page, artifacts_dir, "race", "race-rosenbrock.png")

    # move the start with the keyboard: a new race from there, back at step 0
    handle = section.locator("[data-role='start']")
    handle.focus()
    handle.press("Shift+ArrowUp")
    expect(section.locator("[role='status']")).to_contain_text("from (−1.20, 1.25)")
    expect(readout(page, "race", "step")).to_have_text("step 0 of 1000")


def test_l2_slider_changes_the_validation_loss(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "overfitting")
    section = page.locator("section#overfitting")
    widget = section.locator(".widget")
    expect(widget).to_have_attribute("data-state", "finished", timeout=20_000)
    plain = numbers(readout(page, "overfitting", "val").inner_text())[0]
    shot(page, artifacts_dir, "overfitting", "overfitting-l2-0.png")

    slider = section.get_by_label("L2 strength λ")
    slider.focus()
    for _ in range(6):  # 0 -> 0.03
        slider.press("ArrowRight")
    expect(slider).to_have_attribute("aria-valuetext", "0.03")
    expect(widget).to_have_attribute("data-state", "finished", timeout=20_000)
    decayed = numbers(readout(page, "overfitting", "val").inner_text())[0]
    assert decayed < 0.8 * plain
    assert "overfit.l2=0.03" in page.url
    shot(page, artifacts_dir, "overfitting", "overfitting-l2-0.03.png")

    # early stopping: stops, marks and restores the best epoch
    section.get_by_label("early stopping (restore the best epoch)").check()
    expect(widget).to_have_attribute("data-state", "finished", timeout=20_000)
    expect(readout(page, "overfitting", "epoch")).to_contain_text("(stopped)")
    best = readout(page, "overfitting", "best").inner_text()
    expect(section.locator(".w-overfit-right [role='status']")).to_contain_text(
        f"restored the weights of epoch {best}"
    )
    expect(section.locator(".w-card")).to_have_count(3)
    shot(page, artifacts_dir, "overfitting", "overfitting-early-stopping.png")


def test_answer_the_quiz_and_see_the_score(page, lab_url, artifacts_dir):
    open_section(page, lab_url, "quiz")
    section = page.locator("section#quiz")
    rights = 0
    for number in range(1, 6):
        expect(readout(page, "quiz", "progress")).to_contain_text(f"Question {number} of 5")
        check = section.locator("[data-action='check']")
        if number == 1:  # pressed before a choice: it says what to do
            check.click()
            expect(section.locator(".w-quiz-feedback")).to_have_text(re.compile("Pick one"))
            expect(section.locator("input[type='radio']").first).to_be_focused()
        # the question (a legend, often two lines) sits inside the card's border, not on it
        legend, card = section.locator("legend").bounding_box(), section.locator("fieldset")
        assert legend["y"] > card.bounding_box()["y"] + 2
        section.locator("input[type='radio']").first.check()
        check.click()
        feedback = section.locator(".w-quiz-feedback")
        expect(feedback).to_contain_text(re.compile(r"Right|Not quite"))
        rights += "Right" in feedback.inner_text()
        assert len(feedback.inner_text()) > 60  # it explains why
        if number == 2:  # its BP2 is typeset as the backpropagation section's is
            expect(section.locator("legend math mi", has_text="𝛅").first).to_be_visible()
            expect(section.locator("legend")).to_contain_text("Why do the first layers")
            shot(page, artifacts_dir, "quiz", "quiz-feedback.png")
        section.locator("[data-action='next']").click()
    expect(readout(page, "quiz", "score")).to_have_text(f"You scored {rights} of 5.")
    assert rights >= 1
    shot(page, artifacts_dir, "quiz", "quiz-score.png")
    # the answers survive a reload, in this browser only: never in a link to share
    assert "quiz" not in page.url.split("#")[0]
    page.reload()
    expect(readout(page, "quiz", "score")).to_have_text(f"You scored {rights} of 5.")
    section.locator("[data-action='restart']").click()
    expect(readout(page, "quiz", "progress")).to_contain_text("Question 1 of 5")


def test_show_the_python_of_the_perceptron(page, lab_url):
    open_section(page, lab_url, "perceptron")
    panel = page.locator("section#perceptron > .source-panel details")
    panel.locator("summary").click()
    expect(panel.locator(".source")).to_have_count(3, timeout=10_000)
    expect(panel).to_contain_text("def learn_step")
    expect(panel).to_contain_text("neuronlab/engine/perceptron.py")
