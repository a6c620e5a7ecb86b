"""The trainer as a teacher shares and projects it, and as a learner opens it on a phone:
links that hide controls or sections, the Share panel, the presentation layout, input
features drawn as inputs, Train and the plane first on a phone, scroll-sideways hints."""

from __future__ import annotations

import json
import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.support import page_boxes, settle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TRAINER = "[data-widget=trainer]"


def open_trainer(page: Page, url: str, width: int = 1400, height: int = 900) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.wait_for_function(
        f"document.querySelector('{TRAINER}')?.trainerStats?.frames > 0", timeout=30_000
    )
    # every widget mounted: until then the sections below the trainer are short (a scroll to
    # the trainer stops at the page's end), and each mount scrolls a link's #trainer back
    # into view, smoothly
    settle(page)


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def configs_taken(page: Page) -> list[dict]:
    """The configurations the server took on this page's sockets, in order."""
    taken: list[dict] = []

    def on_frame(frame) -> None:
        if isinstance(frame, str):
            message = json.loads(frame)
            if message["type"] == "config":
                taken.append(message["config"])

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    return taken


def test_a_link_hides_the_controls_it_names_and_keeps_their_values(page: Page, lab_url):
    taken = configs_taken(page)
    query = "?trainer.hide=noise,validation,l1,chart,bogus&trainer.noise=0.3&trainer.l1=0.001"
    open_trainer(page, f"{lab_url}{query}#trainer")
    for hidden in ("#tr-noise", "#tr-validation", "#tr-l1", "#tr-chart"):
        expect(page.locator(hidden)).to_be_hidden()
    for shown in ("#tr-points", "#tr-dataset", "#tr-l2", "#tr-lr", "#tr-train", "#tr-plane"):
        expect(page.locator(shown)).to_be_visible()
    # an unknown name is ignored; the ones that took effect are listed on the widget
    expect(page.locator(TRAINER)).to_have_attribute("data-hidden", "noise,validation,l1,chart")
    # hidden is not forgotten: the server trains with the link's values
    page.wait_for_function("location.search.includes('trainer.noise=0.3')")
    assert taken and taken[-1]["noise"] == 0.3 and taken[-1]["l1"] == 0.001
    # and the learner's own changes keep the link's hide list
    page.locator("#tr-points").fill("200")
    page.locator("#tr-points").press("Enter")
    page.wait_for_function("location.search.includes('trainer.points=200')")
    assert parse_qs(urlsplit(page.url).query)["trainer.hide"] == ["noise,validation,l1,chart,bogus"]


def test_a_whole_settings_box_can_go_and_the_plane_takes_the_room(
    page: Page, lab_url, artifacts_dir
):
    open_trainer(page, f"{lab_url}?trainer.hide=data,network,training,tips&sections=trainer")
    expect(page.locator("#tr-form")).to_be_hidden()
    plane, chart = box(page, "#tr-plane"), box(page, "#tr-chart-box")
    assert plane["x"] < 120  # where the settings were
    assert chart["x"] >= plane["x"] + plane["width"]
    page.locator("#trainer").screenshot(path=os.path.join(artifacts_dir, "teacher-hidden.png"))


def test_share_this_setup_builds_the_link_a_class_opens(page: Page, lab_url, context):
    open_trainer(page, f"{lab_url}?trainer.units=8#trainer")
    page.locator("#tr-share > summary").click()
    for name in ("Noise", "Data seed", "L1", "Network diagram"):
        page.locator("#tr-share").get_by_label(name, exact=True).check()
    page.get_by_label("Show only this section (the trainer)").check()
    page.get_by_label("Open in the presentation layout (for a projector)").check()
    link = page.locator("#tr-share-link").input_value()
    query = parse_qs(urlsplit(link).query)
    assert query["trainer.hide"] == ["noise,seed,l1,diagram"]
    assert query["sections"] == ["trainer"] and query["present"] == ["1"]
    assert query["trainer.units"] == ["8"] and link.endswith("#trainer")
    # ticking changes the link, not the teacher's own page
    expect(page.locator("#tr-noise")).to_be_visible()

    learner = context.new_page()
    open_trainer(learner, link)
    for hidden in ("#tr-noise", "#tr-seed", "#tr-l1", "#tr-diagram"):
        expect(learner.locator(hidden)).to_be_hidden()
    expect(learner.locator("#tr-units")).to_have_value("8")
    expect(learner.locator("html")).to_have_attribute("data-present", "true")
    expect(learner.locator("section#perceptron")).to_be_hidden()
    expect(learner.locator("section#trainer")).to_be_visible()


def test_a_link_can_show_only_some_sections(page: Page, lab_url, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{lab_url}?sections=descent,trainer")
    page.wait_for_selector("html[data-ready='true']", timeout=30_000)
    shown = page.evaluate(
        "[...document.querySelectorAll('main > section')].filter(s => !s.hidden).map(s => s.id)"
    )
    assert shown == ["descent", "trainer"]
    # the sections left out are not even started
    expect(page.locator("section#perceptron .widget-loading")).to_have_count(1)
    expect(page.locator("section#descent canvas").first).to_be_attached()
    expect(page.locator("nav.toc")).to_be_hidden()
    expect(page.get_by_role("link", name="Show the whole lab")).to_have_attribute("href", "/")


def test_the_presentation_layout_puts_plane_and_chart_side_by_side(
    page: Page, lab_url, artifacts_dir
):
    open_trainer(page, f"{lab_url}#trainer")
    present = page.locator("#tr-present")
    expect(present).to_have_attribute("aria-pressed", "false")
    present.click()
    expect(present).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("location.search.includes('present=1')")
    expect(page.locator("#tr-form")).to_be_hidden()  # folded away
    # the button scrolls the section to the top, smoothly: both boxes in one read
    boxes = page_boxes(page, ["#tr-plane", "#tr-chart"])
    plane, chart = boxes["#tr-plane"], boxes["#tr-chart"]
    assert chart["x"] >= plane["x"] + plane["width"]  # side by side
    assert abs(chart["y"] - plane["y"]) < plane["height"] / 2
    assert plane["width"] > 480  # larger than the 1400 px page's usual plane
    font = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert font >= 19  # large type
    page.locator("#tr-train").click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch > 3")
    # the chart's own type grows with the page's (plotly.js may still be on its way: until
    # the chart is drawn it has no layout to read)
    chart_font = "document.querySelector('#tr-chart')._fullLayout?.font.size"
    page.wait_for_function(f"{chart_font} >= 19")
    # the picture once the chart has curves to show (before, its box can still be empty)
    page.wait_for_function("document.querySelector('#tr-chart').data?.[0]?.x.length > 3")
    page.locator("section#trainer").scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(artifacts_dir, "teacher-present-1400.png"))
    settings = page.locator("#tr-settings")
    settings.click()
    expect(settings).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#tr-form")).to_be_visible()
    # back to the usual layout, and the link says so
    present.click()
    page.wait_for_function("!location.search.includes('present=1')")
    expect(page.locator("html")).not_to_have_attribute("data-present", "true")
    expect(page.locator("#tr-form")).to_be_visible()
    page.wait_for_function(f"{chart_font} < 19")


def test_input_features_are_drawn_as_inputs_and_kept_in_the_link(
    page: Page, lab_url, context, artifacts_dir
):
    open_trainer(page, f"{lab_url}#trainer")
    inputs = "[...document.querySelectorAll('#tr-diagram [data-input]')].map(n => n.dataset.input)"
    page.get_by_label("sin x₂", exact=True).check()
    # one box at a time, each taken by the server: two quick ticks can race a late echo of
    # the page's first settings (see the closing note of 2026-12-07)
    page.wait_for_function(f"{inputs}.length === 3")
    page.get_by_label("x₁²", exact=True).check()
    page.wait_for_function(f"{inputs}.length === 4")
    assert page.evaluate(inputs) == ["x₁", "x₂", "x₁²", "sin x₂"]
    page.wait_for_function("location.search.includes('trainer.features=x1_squared,sin_x2')")
    # the server's network has four inputs: its edges start from all four
    page.locator("#tr-step").click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch >= 1")
    page.locator("#tr-network").screenshot(path=os.path.join(artifacts_dir, "teacher-inputs.png"))

    again = context.new_page()
    open_trainer(again, page.url)
    expect(again.get_by_label("x₁²", exact=True)).to_be_checked()
    expect(again.get_by_label("sin x₂", exact=True)).to_be_checked()
    expect(again.get_by_label("x₁x₂", exact=True)).not_to_be_checked()
    again.wait_for_function(f"{inputs}.length === 4")


def test_a_link_with_an_unknown_feature_says_so_and_keeps_the_rest(page: Page, lab_url):
    open_trainer(page, f"{lab_url}?trainer.features=cos_x1&trainer.units=8#trainer")
    error = page.locator("#tr-error")
    expect(error).to_contain_text("'cos_x1' is not an input feature")
    expect(error).to_contain_text("the default for Inputs (none)")
    expect(page.locator("#tr-units")).to_have_value("8")
    page.wait_for_function("!location.search.includes('trainer.features')")


def test_on_a_phone_train_and_the_plane_come_first(page: Page, lab_url, artifacts_dir):
    open_trainer(page, lab_url, width=390, height=844)  # every widget mounted (settle)
    top = page_boxes(page, ["#tr-train", "#tr-plane", "#tr-form", "nav.toc"])
    train, plane, form = top["#tr-train"], top["#tr-plane"], top["#tr-form"]
    assert train["top"] < plane["top"] < form["top"]  # the settings come after the plane
    # a learner who scrolls Train to just below the sticky contents bar sees the whole plane
    bar = top["nav.toc"]["bottom"] - top["nav.toc"]["top"]
    assert plane["bottom"] - train["top"] <= 844 - bar
    assert plane["width"] >= 280
    # at once, not smoothly (lab.css scrolls smoothly), so the boxes are read where they stop
    page.evaluate("y => window.scrollTo({top: y, behavior: 'instant'})", train["top"] - bar - 4)
    page.screenshot(path=os.path.join(artifacts_dir, "teacher-phone-390.png"))
    train_now, plane_now = box(page, "#tr-train"), box(page, "#tr-plane")
    assert train_now["y"] >= bar and plane_now["y"] + plane_now["height"] <= 844


OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter(e => {
    const style = getComputedStyle(e);
    if (!['auto', 'scroll'].includes(style.overflowX)) return false;
    if (e.getClientRects().length === 0) return false;
    return e.scrollWidth > e.clientWidth + 2;
}).map(e => {
    const hint = (e.tagName === 'TEXTAREA' ? e.parentElement : e).previousElementSibling;
    const said = hint?.classList.contains('scroll-hint') && !hint.hidden
        && hint.getClientRects().length > 0;
    return [e.className || e.tagName, Boolean(said)];
})"""

# the lookout (scroll-hint.js) looks again half a second after the widgets' late boxes (a
# chart drawn as it comes near, a diagram rebuilt): how long that takes depends on the load
ALL_HINTED = f"""() => {{
    const boxes = ({OVERFLOWING})();
    const names = boxes.map(([name]) => name);
    return names.includes('network-diagram') && names.some((n) => n.includes('w-network-scroll'))
        && boxes.every(([, said]) => said);
}}"""


def test_every_sideways_scrolling_box_says_so_on_a_phone(page: Page, lab_url, artifacts_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(lab_url)
    settle(page)
    try:
        page.wait_for_function(ALL_HINTED, timeout=10_000)
    except PlaywrightTimeoutError:
        pass  # the asserts below say which box lacks its hint
    boxes = page.evaluate(OVERFLOWING)
    names = [name for name, _ in boxes]
    assert "network-diagram" in names  # the trainer's diagram is wider than a phone
    assert any("w-network-scroll" in name for name in names)  # the forward pass's outputs
    assert [name for name, said in boxes if not said] == []
    # and nothing but those boxes is wider than the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("section#forward").screenshot(
        path=os.path.join(artifacts_dir, "teacher-scroll-hint-390.png")
    )


def test_no_hint_where_nothing_overflows(page: Page, lab_url):
    open_trainer(page, f"{lab_url}#trainer", width=1400)
    page.wait_for_timeout(800)
    hint = page.locator("#tr-diagram").locator("xpath=preceding-sibling::p[1]")
    expect(hint).to_have_class(re.compile(r"\bscroll-hint\b"))
    expect(hint).to_be_hidden()


def test_the_presentation_layout_on_a_phone_keeps_each_readout_in_its_box(
    page: Page, lab_url, artifacts_dir
):
    """The large type of ?present=1 on a 390 px screen: every readout's label and number fit
    the box they sit in, and the page does not scroll sideways."""
    open_trainer(page, f"{lab_url}?present=1#trainer", width=390, height=844)
    expect(page.locator("html")).to_have_attribute("data-present", "true")
    readouts = page.locator("#trainer .trainer-main .readouts")
    readouts.scroll_into_view_if_needed()
    spilled = readouts.evaluate(
        """(box) => [...box.children]
            .filter((r) => r.offsetParent !== null && r.scrollWidth > r.clientWidth + 1)
            .map((r) => r.innerText.split(String.fromCharCode(10)).join(' '))"""
    )
    readouts.screenshot(path=os.path.join(artifacts_dir, "teacher-present-readouts-390.png"))
    assert spilled == [], f"readouts wider than their boxes: {spilled}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
