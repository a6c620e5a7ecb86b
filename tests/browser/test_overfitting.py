"""The overfitting lab in a real browser: the L2 slider, the best epoch, log-loss axes.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import numbers, open_page, open_section, readout, section, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_the_best_epoch_label_stays_inside_the_chart(page: Page, lab_url):
    open_page(
        page, f"{lab_url}?overfit.l2=0.01&overfit.dataset=circles&overfit.noise=0.5#overfitting"
    )
    overfit = section(page, "overfitting")
    label = overfit.locator(".annotation-text", has_text="best")
    expect(label).to_be_visible(timeout=30_000)
    chart = overfit.locator(".main-svg").first.bounding_box()
    box = label.bounding_box()
    assert box["x"] >= chart["x"] and box["x"] + box["width"] <= chart["x"] + chart["width"]


def test_log_loss_axes_read_as_powers_of_ten(page: Page, lab_url, artifacts_dir):
    # plotly's defaults wrote "100µ" and "10n", or "1, 5, 2, 0.1, 5, 2" over two decades
    problems = open_page(page, f"{lab_url}#overfitting")
    overfit = section(page, "overfitting")
    expect(overfit.locator("[data-widget=overfit]")).to_have_attribute(
        "data-state", "finished", timeout=30_000
    )
    ticks = overfit.locator(".ytick text").all_text_contents()
    assert ticks and all(re.fullmatch(r"0\.0*1|1|10.*", tick) for tick in ticks), ticks
    page.goto(f"{lab_url}?trainer.dataset=xor#trainer")
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
