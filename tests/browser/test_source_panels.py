"""The "Show the Python" panels as a learner opens them: plain code first, then what runs."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

READY = "html[data-ready='true']"


def open_panel(page: Page, lab_url: str, section: str, width: int):
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(f"{lab_url.rstrip('/')}/#{section}")
    page.wait_for_selector(READY, timeout=30_000)
    panel = page.locator(f"section#{section} > .source-panel details")
    panel.locator("summary").click()
    expect(panel.locator(".source-tier")).to_have_count(2, timeout=10_000)
    return panel


@pytest.mark.parametrize("width", [1400, 390])
def test_the_backprop_panel_reads_plain_first_with_real_line_numbers(
    page, lab_url, artifacts_dir, width
):
    panel = open_panel(page, lab_url, "backprop", width)
    read, runs = panel.locator(".source-tier").all()
    expect(read.locator(".source-tier-heading")).to_have_text(
        "Read this: the plain Python, one example and one number at a time"
    )
    expect(runs.locator(".source-tier-heading")).to_have_text(
        "What runs: the same numbers, arranged for speed"
    )
    expect(read).to_contain_text("def backprop(")
    expect(read).to_contain_text("neuronlab/engine/reference.py")
    expect(runs).to_contain_text("def _backward(")
    expect(runs.locator(".source-differs")).to_contain_text("minibatch")
    # the first number shown is the def line's number in the file, as the caption says
    first = read.locator(".source").first.locator(".linenos").first.inner_text().strip()
    caption = read.locator(".source-meta").first.inner_text()
    assert f"lines {first}–" in caption
    highlighted = runs.locator(".hll")
    assert highlighted.count() >= 4
    assert any("BP2" in text for text in highlighted.all_inner_texts())
    # nothing wider than the phone: the code scrolls inside its own box
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    panel.screenshot(path=os.path.join(artifacts_dir, f"source-panel-backprop-{width}.png"))


def test_the_training_loop_panel_shows_the_loop(page, lab_url, artifacts_dir):
    panel = open_panel(page, lab_url, "training-loop", 1400)
    read, runs = panel.locator(".source-tier").all()
    expect(read).to_contain_text("def train(")
    expect(read).to_contain_text("rng.shuffle(order)")
    expect(runs).to_contain_text("for i in range(0, n, bs):")
    expect(runs).to_contain_text("opt.step(params, grads)")


def test_the_3d_panel_shows_the_surface_that_is_picked(page, lab_url, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{lab_url.rstrip('/')}/#surface3d")
    page.wait_for_selector(READY, timeout=30_000)
    section = page.locator("section#surface3d")
    section.scroll_into_view_if_needed()  # plotly.js comes when the chart is near
    widget = section.locator("[data-widget='surface3d']")
    expect(widget).to_have_attribute("data-surface", "bowl", timeout=30_000)
    section.locator("select[name='surface']").select_option("valley")
    expect(widget).to_have_attribute("data-surface", "valley", timeout=30_000)
    panel = section.locator(".source-panel details")
    expect(panel.locator("summary")).to_contain_text("surface_grid and the")
    panel.locator("summary").click()
    expect(panel).to_contain_text("def valley(", timeout=10_000)
    expect(panel).not_to_contain_text("def rosenbrock(")


def test_where_next_and_the_history_are_on_the_page(page, lab_url, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{lab_url.rstrip('/')}/#where-next")
    page.wait_for_selector(READY, timeout=30_000)
    where = page.locator("section#where-next")
    expect(where).to_contain_text("Convolutions")
    expect(where).to_contain_text("Attention")
    expect(page.locator("section#intro")).to_contain_text("Why neural networks?")
    expect(page.locator("section#overfitting")).to_contain_text("The test set is touched once")
    expect(page.locator("section#overfitting")).to_contain_text("dropout")
    # the table of contents lists the new sections between the quiz and the references
    toc = page.locator("#toc-list a").all_inner_texts()
    assert toc.index("Where next") == toc.index("References") - 1
    assert toc.index("Backpropagation, step by step") == toc.index("Backpropagation") + 1
    where.screenshot(path=os.path.join(artifacts_dir, "where-next-1400.png"))
