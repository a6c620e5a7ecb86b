"""On a phone every box that scrolls sideways says so, and nothing else runs off the screen.

Phones show no scrollbar, so a box whose content is wider than the screen (an equation, the
forward pass's diagram, the stepper's, the deep-start charts) carries a "scroll sideways →"
line above it (js/scroll-hint.js), shown only while the box overflows. Checked section by
section at 390 px, with a screenshot of each; at 1400 px no hint shows.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.support import open_page, section

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

SECTIONS = (
    "perceptron",
    "activations",
    "forward",
    "loss",
    "backprop",
    "backprop-stepper",
    "deep-start",
    "landscape",
    "quiz",
)

# Every sideways-scrolling box of a section: whether it overflows, whether the line above it
# is a visible hint; and every element that runs past the screen's edge outside such a box.
SURVEY = """(id) => {
    const root = document.getElementById(id);
    const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
    const boxes = [...root.querySelectorAll('*')].filter(scrolls)
        .filter((box) => box.scrollWidth > box.clientWidth + 1)
        .map((box) => {
            const hint = box.previousElementSibling;
            const shown = !!hint && hint.classList.contains('scroll-hint')
                && !hint.hidden && hint.getBoundingClientRect().height > 0;
            return { box: box.className.baseVal ?? box.className, hinted: shown };
        });
    const inBox = (el) => {
        for (let up = el.parentElement; up && up !== root; up = up.parentElement)
            if (getComputedStyle(up).overflowX !== 'visible') return true;
        return false;
    };
    const past = [...root.querySelectorAll('*')]
        .filter((el) => el.getBoundingClientRect().right > innerWidth + 1 && !inBox(el))
        .map((el) => el.tagName + '.' + (el.className.baseVal ?? el.className));
    const hints = [...root.querySelectorAll('.scroll-hint')].filter((h) => !h.hidden).length;
    return { boxes, past, hints };
}"""

# A hint follows its box's size (a ResizeObserver, a frame later) and the lookout looks again
# half a second after new boxes: how soon depends on the machine's load, so poll for it
SETTLED = f"""(id) => {{
    const survey = ({SURVEY})(id);
    return survey.boxes.every((box) => box.hinted) && survey.past.length === 0;
}}"""


def test_every_box_that_scrolls_on_a_phone_says_so(page: Page, lab_url, artifacts_dir):
    problems = open_page(page, lab_url, width=390, height=844)
    seen = 0
    for name in SECTIONS:
        part = section(page, name)
        part.scroll_into_view_if_needed()
        try:
            page.wait_for_function(SETTLED, arg=name, timeout=5_000)
        except PlaywrightTimeoutError:
            pass  # the asserts below say which box
        survey = page.evaluate(SURVEY, name)
        unhinted = [box["box"] for box in survey["boxes"] if not box["hinted"]]
        assert unhinted == [], f"{name}: boxes that scroll without a hint"
        assert survey["past"] == [], f"{name}: clipped at 390 px"
        seen += len(survey["boxes"])
        part.screenshot(path=f"{artifacts_dir}/phone-{name}.png")
    # the equations, two network diagrams and the deep-start charts do scroll at 390 px
    assert seen >= 8
    assert problems == []


def test_a_desktop_shows_no_scroll_hint(page: Page, lab_url):
    problems = open_page(page, lab_url, width=1400)
    for name in SECTIONS:
        survey = page.evaluate(SURVEY, name)
        assert survey["boxes"] == [] and survey["hints"] == 0, name
    assert problems == []


def test_the_code_of_an_opened_python_panel_says_it_scrolls(page: Page, lab_url, artifacts_dir):
    problems = open_page(page, lab_url, width=390, height=844)
    part = section(page, "activations")
    panel = part.locator("details.source-panel").first
    panel.locator("summary").click()
    expect(panel.locator(".source").first).to_be_visible()
    boxes = panel.locator(".source")
    assert boxes.count() >= 2  # the plain function and the engine's, each in its own box
    for index in range(boxes.count()):
        box = boxes.nth(index)
        wide = box.evaluate("(b) => b.scrollWidth > b.clientWidth + 1")
        hint = box.locator("xpath=preceding-sibling::p[1]")
        expect(hint).to_have_class("scroll-hint")
        if wide:
            expect(hint).to_be_visible()
        else:
            expect(hint).to_be_hidden()
    assert boxes.first.evaluate("(b) => b.scrollWidth > b.clientWidth + 1")  # code is wide
    panel.screenshot(path=f"{artifacts_dir}/phone-python-panel.png")
    assert problems == []
