"""The whole page in a real browser: one shared link for every widget, the keyboard and
the focus, live regions, layout on desktops and phones, nothing fetched from elsewhere.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    COUNT_ANNOUNCEMENTS,
    READY,
    announced,
    open_page,
    section,
    settle,
    watch,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


CONTRAST = """([selector, property]) => {
    const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const luminance = (c) => {
        const [r, g, b] = c.map((v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (el) => {
        for (; el; el = el.parentElement) {
            const c = getComputedStyle(el).backgroundColor;
            if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return rgb(c);
        }
        return [255, 255, 255];
    };
    return [...document.querySelectorAll(selector)].slice(0, 20).map((el) => {
        const fg = luminance(rgb(getComputedStyle(el)[property]));
        const bg = luminance(background(property === 'color' ? el : el.parentElement));
        return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    });
}"""

WATCH_READOUTS = """() => {
    window.readoutValues = {};
    new MutationObserver(() => {
        const watched = '#overfitting [data-readout=epoch], #descent [data-readout=step]';
        for (const dd of document.querySelectorAll(watched)) {
            const key = dd.closest('section').id;
            (window.readoutValues[key] ??= new Set()).add(dd.textContent);
        }
    }).observe(document, { childList: true, characterData: true, subtree: true });
}"""


def test_one_shared_link_restores_every_widget(page: Page, lab_url, artifacts_dir):
    state = {
        "perceptron.w1": "-1.5",
        "perceptron.data": "xor",
        "activations.name": "tanh",
        "activations.z": "-2",
        "activations.slope": "0",
        "forward.x1": "1.2",
        "forward.phase": "3",
        "loss.margin": "-2",
        "descent.surface": "valley",
        "descent.rate": "0.02",
        "surface3d.surface": "saddle",
        "surface3d.ex": "0",
        "surface3d.ey": "2.2",
        "surface3d.ez": "0.9",
        "race.surface": "himmelblau",
        "race.speed": "3",
        "overfit.l2": "0.01",
        "overfit.early": "1",
        "quiz.answers": "12",
        "playground.example": "gradients",
        "trainer.points": "120",
        "trainer.classes": "3",
    }
    query = "&".join(f"{key}={value}" for key, value in state.items())
    problems = open_page(page, f"{lab_url}?{query}", width=800)  # a narrow window, too

    perceptron = section(page, "perceptron")
    expect(perceptron.get_by_label("weight w₁")).to_have_value("-1.5")
    expect(perceptron.get_by_label("data", exact=True)).to_have_value("xor")
    activations = section(page, "activations")
    expect(activations.get_by_label("activation", exact=True)).to_have_value("tanh")
    expect(activations.locator("[data-readout='z']")).to_have_text("−2.00")
    expect(activations.get_by_label("show the derivative f′(z)")).not_to_be_checked()
    forward = section(page, "forward")
    expect(forward.get_by_label("input x₁")).to_have_value("1.2")
    expect(forward.locator(".w-phase")).to_contain_text("Phase 3 of 5")
    expect(section(page, "loss").get_by_label("logit margin m")).to_have_value("-2")
    descent = section(page, "descent")
    expect(descent.get_by_label("surface", exact=True)).to_have_value("valley")
    expect(descent.get_by_label("learning rate η")).to_have_attribute("aria-valuetext", "0.02")
    surface3d = section(page, "surface3d")
    expect(surface3d.get_by_label("surface", exact=True)).to_have_value("saddle")
    expect(surface3d.locator("[data-readout='camera']")).to_contain_text("x 0.00, y 2.20, z 0.90")
    race = section(page, "race")
    expect(race.get_by_label("surface", exact=True)).to_have_value("himmelblau")
    expect(race.get_by_label("speed")).to_have_value("3")
    overfit = section(page, "overfitting")
    expect(overfit.get_by_label("L2 strength λ")).to_have_attribute("aria-valuetext", "0.01")
    expect(overfit.get_by_label("early stopping (restore the best epoch)")).to_be_checked()
    # ... but not the quiz: a shared link must not hand out answers (they stay in the browser)
    expect(section(page, "quiz").locator("[data-readout='progress']")).to_contain_text(
        "Question 1 of 5"
    )
    assert "quiz.answers" not in page.url
    playground = section(page, "playground")
    expect(playground.get_by_label("Example")).to_have_value("gradients")
    expect(playground.get_by_label("Python code")).to_have_value(re.compile("finite diff"))
    trainer = section(page, "trainer")
    expect(trainer.get_by_label("Points", exact=True)).to_have_value("120")
    # spirals with three arms: a third class, with a third shape
    expect(trainer.locator("#tr-class-options label")).to_have_text(
        ["Class 0 (square)", "Class 1 (circle)", "Class 2 (triangle)"]
    )

    # 800 px wide: nothing sticks out of its section (scrolling boxes aside)
    spilled = page.evaluate(
        """() => [...document.querySelectorAll('main section *')].filter((el) => {
            const box = el.getBoundingClientRect();
            const own = el.closest('section').getBoundingClientRect();
            if (box.width === 0 || box.right <= own.right + 1) return false;
            for (let up = el.parentElement; up && up.tagName !== 'SECTION'; up = up.parentElement) {
                if (getComputedStyle(up).overflowX !== 'visible') return false;
            }
            return true;
        }).map((el) => `${el.closest('section').id}: ${el.tagName}.${el.className}`)"""
    )
    assert spilled == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 800

    # nothing the page asked for was refused, and the link survived the widgets' own writes
    kept = parse_qs(urlsplit(page.url).query)
    for key, value in state.items():
        if key != "quiz.answers":  # dropped on purpose: see the quiz above
            assert kept.get(key) == [value], key
    page.screenshot(path=os.path.join(artifacts_dir, "audit-shared-link.png"))
    assert problems == []


def test_the_page_stays_on_this_machine_and_shows_its_code(page: Page, lab_url):
    problems = open_page(page, lab_url)
    # the 3-D plot keeps two of plotly's mode-bar buttons, a PNG and a camera reset, not
    # the drag modes nor "Share chart", which uploads to Plotly's cloud; the overfitting
    # chart has none, so its ten buttons stay out of the Tab order
    # (plotly.js is fetched, and the charts drawn, when they come near the screen)
    section(page, "surface3d").scroll_into_view_if_needed()
    expect(page.locator("#surface3d .modebar-btn").first).to_be_attached(timeout=20_000)
    expect(page.locator("#surface3d .modebar-btn")).to_have_count(2)
    expect(page.get_by_role("figure", name=re.compile("3-D plot"))).to_be_visible()
    expect(page.get_by_role("button", name="View from the north")).to_be_visible()
    section(page, "overfitting").scroll_into_view_if_needed()
    expect(page.locator("#overfitting .main-svg").first).to_be_attached(timeout=20_000)
    expect(page.locator("#overfitting .modebar-btn")).to_have_count(0)
    expect(page.get_by_role("button", name="Download plot as a PNG")).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile("Share chart"))).to_have_count(0)

    # every equation is laid out by the browser's MathML, fractions stacked
    layout = page.evaluate(
        """() => [...document.querySelectorAll('main math')].map((m) => {
            const fraction = m.querySelector('mfrac');
            let stacked = true;
            if (fraction) {
                const [top, bottom] = [...fraction.children].map((c) => c.getBoundingClientRect());
                stacked = top.bottom <= bottom.top + 1;
            }
            return [getComputedStyle(m).display, stacked];
        })"""
    )
    assert len(layout) >= 15
    assert all(display == "block math" and stacked for display, stacked in layout), layout
    # Chromium's MathML draws mathvariant="bold" as normal type, so the vectors are written
    # in Unicode's mathematical bold letters (𝐳, 𝛅, 𝛉), which it does draw bold
    expect(page.locator('math [mathvariant]:not([mathvariant="normal"])')).to_have_count(0)
    expect(section(page, "backprop").locator("math mi", has_text="𝛅").first).to_be_visible()

    # every "Show the Python" panel opens on highlighted engine code
    panels = page.locator("details.source-panel")
    count = panels.count()
    assert count >= 10
    for i in range(count):
        panel = panels.nth(i)
        panel.locator("summary").click()
        expect(panel.locator(".source").first).to_be_visible(timeout=10_000)
        expect(panel.locator(".error-box")).to_have_count(0)
        assert panel.locator(".source span").count() > 20  # Pygments tokens, not plain text
    # the plain reference.backprop first, then the engine's Network.backward
    plain, *_, backward = section(page, "backprop").locator(".source").all_inner_texts()
    for name in ["BP1", "BP2", "BP3", "BP4"]:
        assert name in plain and name in backward

    # a table-of-contents link scrolls its section to the top and marks it current
    page.locator("nav.toc").get_by_role("link", name="Quiz").click()
    page.wait_for_function(
        "Math.abs(document.querySelector('#quiz').getBoundingClientRect().top) < 40"
    )
    assert urlsplit(page.url).fragment == "quiz"
    expect(page.locator("nav.toc a[href='#quiz']")).to_have_attribute("aria-current", "true")
    assert problems == []


def test_narrow_screen_contents_stay_at_the_top(page: Page, lab_url, artifacts_dir):
    """Below 1100 px the contents are one row at the top that follows the reader."""
    problems = open_page(page, lab_url, width=900, height=800)
    toc = page.locator("nav.toc")
    row = page.locator("#toc-list")
    assert row.evaluate("el => el.scrollWidth > el.clientWidth")  # one row, scrolls sideways
    page.locator("nav.toc a[href='#overfitting']").click()
    page.wait_for_function(
        "Math.abs(document.querySelector('#overfitting').getBoundingClientRect().top - "
        "document.querySelector('nav.toc').getBoundingClientRect().height) < 60"
    )
    settle(page)  # the link scrolls smoothly: read the boxes where it stops
    box = toc.bounding_box()
    assert box is not None and abs(box["y"]) < 1 and box["height"] < 80  # stuck to the top
    heading = section(page, "overfitting").locator("h2").bounding_box()
    assert heading is not None and heading["y"] >= box["height"]  # not hidden under the row
    current = page.locator("nav.toc a[href='#overfitting']")
    expect(current).to_have_attribute("aria-current", "true")
    # the current section's link has been scrolled into the visible part of the row
    link, visible = current.bounding_box(), row.bounding_box()
    assert link is not None and visible is not None
    assert (
        visible["x"] - 1 <= link["x"]
        and link["x"] + link["width"] <= visible["x"] + visible["width"] + 1
    )
    page.screenshot(path=os.path.join(artifacts_dir, "narrow-contents.png"))
    assert problems == []


def test_a_phone_never_scrolls_the_page_sideways(browser, lab_url, artifacts_dir):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True,
    )  # fmt: skip
    page = context.new_page()
    problems = open_page(page, lab_url, width=390, height=844)
    race = section(page, "race")
    expect(race.locator("[role='status']").first).to_contain_text("Ready")
    race.get_by_role("button", name="Play").tap()
    expect(race.locator("[role='status']").first).not_to_contain_text("Racing", timeout=30_000)
    # anything past the screen's right edge must sit in a box of its own that scrolls
    wide = page.evaluate(
        """() => {
            const clipped = (el) => {
                for (let box = el.parentElement; box && box !== document.body;
                     box = box.parentElement) {
                    const style = getComputedStyle(box).overflowX;
                    if (style !== 'visible' && box.getBoundingClientRect().right <= innerWidth + 1)
                        return true;
                }
                return false;
            };
            return [...document.querySelectorAll('section.lab-section *')]
                .filter((el) => el.getBoundingClientRect().right > innerWidth + 1 && !clipped(el))
                .map((el) => `${el.tagName}.${el.className.baseVal ?? el.className}`).slice(0, 5);
        }"""
    )
    assert wide == []
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    race.screenshot(path=os.path.join(artifacts_dir, "phone-race.png"))
    # the forward pass keeps readable numbers: its diagram scrolls instead of shrinking
    diagram = section(page, "forward").locator("svg.w-network").bounding_box()
    assert diagram is not None and diagram["width"] >= 600
    # the trainer's network diagram and the race's table scroll too, and say so where phones
    # show no scrollbar
    hint = section(page, "trainer").locator("#tr-diagram").locator("xpath=preceding-sibling::p[1]")
    expect(hint).to_have_text("scroll sideways →")  # every such box has one (scroll-hint.js)
    expect(hint).to_be_visible()
    race_hint = race.locator(".w-table-scroll").locator("xpath=preceding-sibling::p[1]")
    expect(race_hint).to_contain_text("scroll sideways →")
    expect(race_hint).to_be_visible()
    # said once: no second, generic hint for the same table
    expect(race.locator(".scroll-hint", has_text="scroll sideways → for the loss")).to_have_count(1)
    expect(race.locator(".scroll-hint", has_text="swipe")).to_have_count(0)
    assert problems == []
    context.close()


def test_focus_is_visible_and_readout_names_keep_their_maths(page: Page, lab_url):
    problems = open_page(page, lab_url)
    # Tab through the first controls of the page: each shows where the focus is
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => {
                    const el = document.activeElement;
                    const ring = (node) => {
                        const style = getComputedStyle(node);
                        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                            || style.boxShadow !== 'none';
                    };
                    // the code editor draws its ring around the gutter and the text together
                    const shown = ring(el) || (el.id === 'pg-code' && ring(el.parentElement));
                    const name = el.getAttribute('aria-label') || el.textContent.slice(0, 40);
                    return [`${el.tagName}#${el.id} ${name}`, shown];
                }"""
            )
        )
    assert len({name for name, _ in seen}) > 30  # the walk went through many controls
    assert [name for name, shown in seen if not shown] == []
    names = section(page, "activations").locator(".readout dt")
    # capitals would turn f(z) into F(Z), another function
    expect(names).to_have_text(["z", "f(z)", "f′(z)"], use_inner_text=True)
    expect(section(page, "perceptron").locator(".readout dt").nth(2)).to_have_text(
        "output ŷ", use_inner_text=True
    )
    assert problems == []


def test_buttons_that_disable_themselves_keep_the_keyboard_focus(page: Page, lab_url):
    page.add_init_script("localStorage.setItem('neuronlab.quiz.answers', '111')")
    problems = open_page(page, f"{lab_url}?forward.phase=4#forward")

    # forward pass: the last Step disables Step; the focus goes on to Reset
    forward = section(page, "forward")
    forward.get_by_role("button", name="Step").focus()
    page.keyboard.press("Enter")
    expect(forward.locator(".w-phase")).to_contain_text("Phase 5 of 5")
    expect(forward.get_by_role("button", name="Step")).to_be_disabled()
    expect(forward.get_by_role("button", name="Reset")).to_be_focused()

    # gradient descent: Descend stays where it was, and a second press starts a fresh walk
    descent = section(page, "descent")
    descend = descent.get_by_role("button", name="Descend")
    descend.focus()
    page.keyboard.press("Enter")
    expect(descend).to_be_focused()
    page.keyboard.press("Enter")
    expect(descent.locator(".widget, [data-widget]").first).to_have_attribute(
        "data-finished", "converged", timeout=10_000
    )
    expect(descend).to_be_focused()

    # quiz: "Next question" and "See your score" disappear; the focus follows the content
    quiz = section(page, "quiz")
    for last in (False, True):
        quiz.locator("input[type='radio']").first.focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        expect(quiz.get_by_role("button", name="Check answer")).to_be_focused()
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")  # on "Next question" / "See your score"
        if last:
            expect(quiz.locator("[data-readout='score']")).to_be_focused()
        else:
            expect(quiz.locator("input[type='radio']").first).to_be_focused()
            expect(quiz.locator("[data-readout='progress']")).to_contain_text("Question 5")
    assert problems == []


@pytest.mark.parametrize("width", [1000, 1280, 1600])
def test_nothing_is_hidden_in_a_scroll_box_on_a_desktop(page: Page, lab_url, width):
    # scroll boxes are for phones; at desktop widths a box whose content is wider than itself
    # hides part of a widget (the forward pass's outputs were cut off at 1280 px)
    problems = open_page(page, lab_url, width=width)
    cut = page.evaluate(
        """() => [...document.querySelectorAll('section.lab-section *')]
            .filter((el) => !el.closest('.visually-hidden'))
            .filter((el) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX))
            .filter((el) => el.scrollWidth > el.clientWidth + 1)
            .map((el) => `${el.closest('section').id}: ${el.className.baseVal ?? el.className}`)"""
    )
    assert cut == []
    diagram = section(page, "forward").locator("svg.w-network").bounding_box()
    assert diagram is not None and diagram["width"] >= 639  # its full size on a desktop
    assert problems == []


def test_live_regions_speak_when_something_new_happens(page: Page, lab_url):
    # a screen reader reads every write to a live region: sliders moved notch by notch and
    # the perceptron's Learn (20 steps a second) must not flood it
    problems = open_page(page, f"{lab_url}?perceptron.speed=20")
    page.evaluate(COUNT_ANNOUNCEMENTS)
    for name, label, presses in (
        ("activations", "input z", 20),
        ("loss", "logit margin m", 20),
        ("forward", "input x₁", 10),
        ("perceptron", "weight w₁", 10),
    ):
        control = section(page, name).get_by_label(label, exact=True)
        control.focus()
        for _ in range(presses):
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
        assert len(announced(page, name)) <= 2, announced(page, name)
    perceptron = section(page, "perceptron")
    perceptron.get_by_role("button", name="Learn").click()
    # the button's label says what a press does; "Pause, toggle button, pressed" would not
    assert perceptron.get_by_role("button", name="Pause").get_attribute("aria-pressed") is None
    # about 60 steps (3 s at 20 a second, when the machine keeps up), or the run's end
    page.wait_for_function(
        """() => {
            const shown = document.querySelector('#perceptron p.w-status').textContent;
            const step = shown.match(/step (\\d+)/);
            const learn = document.querySelector('#perceptron [data-action=learn-play]');
            return step !== null && (Number(step[1]) >= 60 || learn.textContent === 'Learn');
        }""",
        timeout=30_000,
    )
    said = announced(page, "perceptron")
    assert 1 <= len(said) <= 10, said  # the ends of the epochs, or of the run
    visible = perceptron.locator("p.w-status").text_content()
    assert visible.startswith("Epoch")  # on screen, every step is still shown
    # each run's end is announced, even when it reads like the last one's
    for _ in range(2):
        expect(perceptron.get_by_role("button", name="Learn")).to_be_visible(timeout=10_000)
        ends = len(announced(page, "perceptron"))
        perceptron.get_by_role("button", name="Learn").click()
        expect(perceptron.get_by_role("button", name="Learn")).to_be_visible(timeout=10_000)
        # the new run comes from the server first: a round trip that a loaded machine slows
        page.wait_for_function(
            "(ends) => window.announced.filter((t) => t.startsWith('perceptron:')).length > ends",
            arg=ends,
            timeout=10_000,
        )
    assert problems == []


def test_code_comments_line_numbers_and_field_borders_are_legible(page: Page, lab_url):
    # WCAG AA: 4.5:1 for text, 3:1 for the edges of controls
    problems = open_page(page, f"{lab_url}#backprop")
    panel = section(page, "backprop").locator("details.source-panel")
    panel.locator("summary").click()
    expect(panel.locator(".source .c1").first).to_be_visible(timeout=10_000)
    for selector in (
        ".source .c1",
        ".source .mi",
        ".source .mf",
        ".source .k",
        ".source .linenos",
        ".source .hll .c1",
        ".pg-lines",
    ):
        ratios = page.evaluate(CONTRAST, [selector, "color"])
        assert ratios and min(ratios) >= 4.5, (selector, ratios)
    for selector in ("select", "input[type=number]", ".pg-editor"):
        ratios = page.evaluate(CONTRAST, [selector, "borderTopColor"])
        assert ratios and min(ratios) >= 3, (selector, ratios)
    assert problems == []


def test_reduced_motion_jumps_to_the_end_of_a_replay(page: Page, lab_url):
    page.emulate_media(reduced_motion="reduce")
    page.add_init_script(f"({WATCH_READOUTS})()")
    problems = open_page(page, f"{lab_url}#descent")
    overfit = section(page, "overfitting")
    expect(overfit.locator("[data-widget=overfit]")).to_have_attribute(
        "data-state", "finished", timeout=30_000
    )
    descent = section(page, "descent")
    descent.locator("canvas").first.click()  # a start point
    descent.get_by_role("button", name="Descend").click()
    expect(descent.locator("[data-widget=descent]")).to_have_attribute(
        "data-finished", re.compile("."), timeout=30_000
    )
    seen = page.evaluate(
        "Object.fromEntries(Object.entries(window.readoutValues).map(([k, v]) => [k, [...v]]))"
    )
    # without the preference the epoch readout counts up 1, 22, ... 300 and the walk's
    # step readout through about 90 values
    assert set(seen) == {"overfitting", "descent"}, seen
    assert len(seen["overfitting"]) <= 3, seen["overfitting"]
    assert len(seen["descent"]) <= 3, seen["descent"]
    assert problems == []


def test_every_section_is_a_named_region_and_ids_are_unique(page: Page, lab_url):
    # named regions let a screen reader tell the three "surface" pickers apart
    problems = open_page(page, lab_url)
    sections = page.locator("section.lab-section")
    assert sections.count() >= 15
    for i in range(sections.count()):
        heading = sections.nth(i).locator("h2").first.text_content().strip()
        expect(sections.nth(i)).to_have_accessible_name(heading)
    expect(page.get_by_role("region", name="Gradient descent")).to_be_visible()
    duplicates = page.evaluate(
        """() => {
            const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
            return ids.filter((id, i) => ids.indexOf(id) !== i);
        }"""
    )
    assert duplicates == []
    assert problems == []


@pytest.mark.parametrize("width,height,target", [(1400, 900, "descent"), (390, 844, "trainer")])
def test_a_link_to_a_section_is_in_place_once_the_page_is_ready(
    page: Page, lab_url, width, height, target
):
    """Each widget that mounts above a linked section brings it back into view: at once, so
    that the page stands at the section when it says it is ready, rather than gliding on
    towards it (on a phone the trainer is some 30,000 px down)."""
    problems = watch(page)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{lab_url}#{target}")
    page.wait_for_selector(READY, timeout=30_000)
    where = page.evaluate(
        """(id) => [document.getElementById(id).getBoundingClientRect().top,
                    parseFloat(getComputedStyle(document.getElementById(id)).scrollMarginTop)]""",
        target,
    )
    top, margin = where
    # at the top, below the contents bar on a phone (the section's scroll margin); a
    # scroll-sideways hint that the lookout showed a moment before may have pushed it a line
    assert margin - 1 <= top <= margin + 40, where
    assert problems == []
