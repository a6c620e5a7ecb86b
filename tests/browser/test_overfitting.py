"""The overfitting lab in a real browser: curves that grow live, L2 and early stopping
changed mid-run, log axes that read as numbers, a legend off the curves.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import numbers, open_page, readout, section, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

CHART = "#overfitting .w-chart"
POINTS = f"document.querySelector('{CHART}').data?.[0]?.x.length ?? 0"
# the epochs of the run going that the page has received (its chart follows a little later)
RECEIVED = "Number(document.querySelector('[data-widget=overfit]').dataset.points ?? 0)"


def train_again(page: Page) -> None:
    """Start a fresh run with the button, as a learner would (the first run, started as the
    lab came into view, may be far along by the time the test looks)."""
    widget = section(page, "overfitting").locator("[data-widget=overfit]")
    # the first run starts as the lab comes into view; once it has begun, the next begin is
    # the new one's
    widget.locator(".w-overfit").scroll_into_view_if_needed()
    expect(widget).to_have_attribute("data-runs", re.compile(r"^\d+$"), timeout=30_000)
    before = int(widget.get_attribute("data-runs"))
    widget.get_by_role("button", name="Train again").click()
    expect(widget).to_have_attribute("data-runs", str(before + 1), timeout=10_000)


SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def drawn_points(page: Page) -> int:
    """How many epochs the chart's training curve has (plotly keeps its data on the div)."""
    return page.evaluate(POINTS)


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def legend_is_off_the_plot(page: Page) -> None:
    legend = page.locator(f"{CHART} .legend").bounding_box()
    plot = page.locator(f"{CHART} .nsewdrag").first.bounding_box()  # the plot area itself
    assert legend and plot and not boxes_overlap(legend, plot), (legend, plot)


def ticks_read_as_their_values(page: Page) -> list[str]:
    """The y axis's tick labels, each checked against the value it stands at."""
    ticks = page.evaluate(
        f"document.querySelector('{CHART}')._fullLayout.yaxis._vals.map((t) => [t.x, t.text])"
    )
    assert len(ticks) >= 2, ticks
    for position, text in ticks:
        value = float(text.replace("×10⁻", "e-").translate(SUPERSCRIPTS))
        assert value == pytest.approx(10**position, rel=1e-6), (text, position)
    return [text for _, text in ticks]


def test_the_curves_grow_live_and_l2_acts_mid_run(page: Page, lab_url, artifacts_dir):
    problems = open_page(page, f"{lab_url}?overfit.pace=20#overfitting")  # 400 epochs in 20 s
    overfit = section(page, "overfitting")
    widget = overfit.locator("[data-widget=overfit]")
    train_again(page)
    expect(widget).to_have_attribute("data-state", "training", timeout=30_000)
    page.wait_for_function(f"{POINTS} > 10", timeout=30_000)
    first = drawn_points(page)
    # the chart grows while the engine trains: it redraws at most five times a second, and
    # less often on a loaded machine
    page.wait_for_function(f"{POINTS} > {first}", timeout=10_000)
    second = drawn_points(page)
    assert widget.get_attribute("data-state") == "training"

    slider = overfit.get_by_label("L2 strength λ")
    slider.focus()
    for _ in range(6):  # 0 -> 0.03, while it trains
        slider.press("ArrowRight")
    expect(slider).to_have_attribute("aria-valuetext", "0.03")
    expect(readout(page, "overfitting", "changes")).to_contain_text(
        re.compile(r"λ = 0\.03 from epoch \d+"), timeout=5_000
    )
    expect(readout(page, "overfitting", "l2")).to_have_text("0.03")
    change = int(widget.get_attribute("data-last-change"))
    assert first < change < 400
    assert widget.get_attribute("data-state") == "training"  # the same run carries on
    assert drawn_points(page) >= second  # nothing restarted: the curve is still there
    assert "overfit.l2=0.03" in page.url
    page.wait_for_timeout(1500)  # the curves bend after the change
    shot(page, artifacts_dir, "overfitting", "overfitting-live-1400.png")
    section(page, "overfitting").get_by_label("pace (epochs/s)").fill("5")  # 1000 a second

    expect(widget).to_have_attribute("data-state", "finished", timeout=30_000)
    assert drawn_points(page) == 400
    expect(overfit.locator(".annotation-text", has_text="λ 0.03")).to_be_visible()
    legend_is_off_the_plot(page)
    ticks_read_as_their_values(page)
    shot(page, artifacts_dir, "overfitting", "overfitting-l2-mid-run-1400.png")
    assert problems == []


def test_early_stopping_switched_on_mid_run_stops_and_marks_the_best(
    page: Page, lab_url, artifacts_dir
):
    problems = open_page(page, f"{lab_url}?overfit.pace=20#overfitting")
    overfit = section(page, "overfitting")
    widget = overfit.locator("[data-widget=overfit]")
    train_again(page)
    page.wait_for_function(f"{RECEIVED} > 120", timeout=30_000)  # past the best epoch (~53)
    overfit.get_by_label("early stopping (restore the best epoch)").check()
    expect(widget).to_have_attribute("data-state", "finished", timeout=10_000)
    expect(readout(page, "overfitting", "epoch")).to_contain_text("(stopped)")
    stopped = int(numbers(readout(page, "overfitting", "epoch").inner_text())[0])
    best = readout(page, "overfitting", "best").inner_text()
    assert stopped < 400 and stopped - int(best) >= 30
    assert stopped == int(widget.get_attribute("data-last-change")) - 1  # at once
    expect(overfit.locator(".w-overfit-right [role='status']")).to_contain_text(
        f"restored the weights of epoch {best}"
    )
    expect(overfit.locator(".annotation-text", has_text=f"best {best}")).to_be_visible()
    expect(overfit.locator(".annotation-text", has_text=f"stopped {stopped}")).to_be_visible()
    expect(overfit.locator(".w-card")).to_have_count(3)  # the three classic pictures stay
    legend_is_off_the_plot(page)
    shot(page, artifacts_dir, "overfitting", "overfitting-early-stopping-1400.png")
    assert problems == []


def test_log_axis_labels_read_as_numbers(page: Page, lab_url):
    # plotly's defaults wrote "3" for 0.3 over less than a decade, and "100µ" over several
    problems = open_page(page, f"{lab_url}?overfit.pace=1000&overfit.l2=0.03#overfitting")
    widget = section(page, "overfitting").locator("[data-widget=overfit]")
    widget.locator(".w-overfit").scroll_into_view_if_needed()
    expect(widget).to_have_attribute("data-state", "finished", timeout=30_000)
    ticks = ticks_read_as_their_values(page)
    assert any("." in tick for tick in ticks), ticks  # a loss below 1 reads 0.2, not 2
    assert not any(re.search(r"[pnµmk]$", tick) for tick in ticks), ticks
    assert problems == []


def test_the_first_run_waits_for_the_lab_to_come_into_view(page: Page, lab_url):
    problems = open_page(page, f"{lab_url}#perceptron")
    widget = section(page, "overfitting").locator("[data-widget=overfit]")
    page.wait_for_timeout(1500)
    assert widget.get_attribute("data-runs") is None  # nobody is watching it yet
    widget.locator(".w-overfit").scroll_into_view_if_needed()
    expect(widget).to_have_attribute("data-runs", "1", timeout=10_000)
    expect(widget).to_have_attribute("data-state", "training")
    assert problems == []


def test_on_a_phone_it_trains_live_and_fits(page: Page, lab_url, artifacts_dir):
    problems = open_page(page, f"{lab_url}?overfit.pace=80#overfitting", width=390, height=844)
    overfit = section(page, "overfitting")
    overfit.locator(".w-chart").scroll_into_view_if_needed()
    train_again(page)
    page.wait_for_function(f"{POINTS} > 20", timeout=30_000)
    first = drawn_points(page)
    page.wait_for_function(f"{POINTS} > {first}", timeout=10_000)  # it grows as it trains
    overfit.locator(".w-chart").screenshot(
        path=os.path.join(artifacts_dir, "overfitting-live-chart-390.png")
    )
    expect(overfit.locator("[data-widget=overfit]")).to_have_attribute(
        "data-state", "finished", timeout=30_000
    )
    legend_is_off_the_plot(page)
    wide = overfit.evaluate("(s) => s.scrollWidth - s.clientWidth")
    assert wide <= 1, wide
    shot(page, artifacts_dir, "overfitting", "overfitting-390.png")
    assert problems == []


def test_leaving_the_page_ends_its_run(page: Page, lab_url):
    open_page(page, f"{lab_url}?overfit.pace=20#overfitting")  # a run of 20 s
    train_again(page)
    page.wait_for_function(f"{POINTS} > 5", timeout=30_000)
    status = json.loads(page.request.get(f"{lab_url}api/overfitting/live").text())
    assert status["runs"] >= 1
    page.goto("about:blank")
    for _ in range(50):
        status = json.loads(page.request.get(f"{lab_url}api/overfitting/live").text())
        if status["runs"] == 0:
            break
        time.sleep(0.1)
    assert status["runs"] == 0 and status["sockets"] == 0, status


def test_the_trainers_log_axis_has_no_si_suffixes(page: Page, lab_url, artifacts_dir):
    problems = open_page(page, f"{lab_url}?trainer.dataset=xor#trainer")
    page.wait_for_function(
        "document.querySelector('[data-widget=trainer]')?.trainerStats?.frames > 0",
        timeout=30_000,
    )
    section(page, "trainer").get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(
        "document.querySelector('[data-widget=trainer]').trainerStats.epoch > 400",
        timeout=30_000,
    )
    section(page, "trainer").get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_timeout(1000)  # the chart follows a few times a second
    ticks = page.locator("#tr-chart .ytick text").all_text_contents()
    assert ticks and not any(re.search(r"[pnµm]$", tick) for tick in ticks), ticks
    page.locator("#tr-chart").screenshot(path=os.path.join(artifacts_dir, "trainer-log-axis.png"))
    assert problems == []


def test_after_the_server_closes_an_idle_socket_train_opens_a_new_one(
    page: Page, lab_url, artifacts_dir
):
    """The server closes a socket with no run after its idle limit (two minutes); here the
    close comes from a pass-through route at once, with the server's code and sentence."""
    sockets = []

    def pass_through(ws):
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r".*/ws/overfitting$"), pass_through)
    problems = open_page(page, f"{lab_url}?overfit.pace=1000#overfitting")
    widget = section(page, "overfitting").locator("[data-widget=overfit]")
    widget.locator(".w-overfit").scroll_into_view_if_needed()
    expect(widget).to_have_attribute("data-runs", "1", timeout=30_000)
    expect(widget).to_have_attribute("data-state", "finished", timeout=30_000)
    assert len(sockets) == 1
    reason = (
        "The lab closed this connection after 120 s with no run; press Train to open a new one."
    )
    sockets[0].close(code=4000, reason=reason)
    page.wait_for_timeout(300)
    error = widget.locator(".w-error")
    assert not error.is_visible() or error.inner_text().strip() == ""  # not an error to the learner
    widget.get_by_role("button", name="Train again").click()
    expect(widget).to_have_attribute("data-runs", "2", timeout=10_000)
    assert len(sockets) == 2
    expect(widget).to_have_attribute("data-state", "finished", timeout=30_000)
    assert not error.is_visible() or error.inner_text().strip() == ""
    shot(page, artifacts_dir, "overfitting", "overfitting-after-idle-close-1400.png")
    assert problems == []


def test_a_penalty_label_near_the_best_epoch_stays_readable(page: Page, lab_url, artifacts_dir):
    """λ raised a few epochs before the validation loss bottoms out: the label on its dotted
    line and the best epoch's star fall in the same place, and the label must not hide under
    the star."""
    problems = open_page(page, f"{lab_url}?overfit.pace=20#overfitting")
    overfit = section(page, "overfitting")
    widget = overfit.locator("[data-widget=overfit]")
    train_again(page)
    page.wait_for_function(f"{RECEIVED} >= 24", timeout=30_000)
    slider = overfit.get_by_label("L2 strength λ")
    slider.focus()
    slider.press("ArrowRight")  # 0 -> 0.0001, too small to move the best epoch much
    expect(readout(page, "overfitting", "changes")).to_contain_text("λ = 0.0001", timeout=5_000)
    overfit.get_by_label("pace (epochs/s)").fill("5")  # 1000 a second
    expect(widget).to_have_attribute("data-state", "finished", timeout=30_000)
    change = int(widget.get_attribute("data-last-change"))
    best = int(numbers(readout(page, "overfitting", "best").inner_text())[0])
    assert abs(best - change) < 40, (change, best)  # the two are close: the case at hand
    label = overfit.locator(".annotation-text", has_text="λ 0.0001")
    expect(label).to_be_visible()
    star = page.locator(f"{CHART} .scatterlayer .trace").nth(2).locator("path.point")
    label_box, star_box = label.bounding_box(), star.bounding_box()
    assert label_box and star_box and not boxes_overlap(label_box, star_box), (label_box, star_box)
    shot(page, artifacts_dir, "overfitting", "overfitting-l2-near-best-1400.png")
    assert problems == []


def test_stop_pressed_from_the_keyboard_hands_the_focus_to_train_again(page: Page, lab_url):
    """Stop is disabled once the run ends: the focus moves on to Train again, not the page."""
    open_page(page, f"{lab_url}?overfit.pace=20#overfitting")
    overfit = section(page, "overfitting")
    widget = overfit.locator("[data-widget=overfit]")
    train_again(page)
    expect(widget).to_have_attribute("data-state", "training", timeout=30_000)
    overfit.get_by_role("button", name="Stop", exact=True).focus()
    page.keyboard.press("Enter")
    expect(widget).to_have_attribute("data-state", "finished", timeout=30_000)
    expect(overfit.get_by_role("button", name="Train again")).to_be_focused()
