"""The optimiser race in a real browser: play, pause, rates as typed, stale answers dropped.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import numbers, open_page, open_section, readout, section, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_pausing_the_race_says_so(page: Page, lab_url):
    open_page(page, f"{lab_url}?race.speed=1#race")
    expect(section(page, "trainer").locator(".narrow-only")).to_be_hidden()  # a wide screen
    table_hint = section(page, "race").locator(".scroll-hint", has_text="the table is wider")
    expect(table_hint).to_be_hidden()
    race = section(page, "race")
    status = race.locator("[role='status']").first
    expect(status).to_contain_text("Ready")
    cells = race.locator("[data-cell='status']")
    expect(cells).to_have_text(["ready"] * 4)  # not "running" before Play
    play = race.locator("button", has_text="Play")
    play.click()
    expect(status).to_have_text("Racing…")
    race.get_by_role("button", name="Pause").click()
    expect(status).to_contain_text(re.compile(r"Paused at step \d+"))
    expect(cells.first).to_have_text(re.compile("paused|reached|converged|diverged|still"))


def test_the_race_shows_the_newest_start_when_answers_cross(page: Page, lab_url):
    # the first race asked for after the flag is set answers late, as a busy server might;
    # the page must then show the race from where the start is, not the late answer
    page.add_init_script(
        """(() => {
            const original = window.fetch;
            let races = 0;
            window.fetch = async (url, options) => {
                const race = window.slowFirstRace && String(url).includes('/api/race/run');
                const slow = race && ++races === 1;  // counted when asked, not when answered
                const response = await original(url, options);
                if (slow) {
                    await new Promise((done) => setTimeout(done, 700));
                    // flagged once the page has read the late answer, a turn of the loop after
                    const read = response.json.bind(response);
                    response.json = async () => {
                        const body = await read();
                        setTimeout(() => (window.lateRaceAnswered = true), 0);
                        return body;
                    };
                }
                return response;
            };
        })();"""
    )
    problems = open_page(page, f"{lab_url}#race")
    race = section(page, "race")
    expect(race.locator("[role='status']").first).to_contain_text("Ready")
    page.evaluate("window.slowFirstRace = true")
    race.locator("[data-role='start']").focus()
    page.keyboard.press("ArrowDown")  # a race from here answers last...
    page.keyboard.press("ArrowDown")  # ...after the race from here
    # both answers are in (the late one too), and the page has had frames to show either
    page.wait_for_function("window.lateRaceAnswered === true", timeout=15_000)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100)))")
    label = race.locator("[data-role='start']").get_attribute("aria-label")
    x, y = re.search(r"x (\S+), y (\S+)\.", label).groups()
    expect(race.locator("[role='status']").first).to_contain_text(f"from ({x}, {y})")
    assert problems == []


def test_a_race_rate_is_judged_as_typed_and_play_races_the_new_rates(page: Page, lab_url):
    open_page(page, f"{lab_url}?race.speed=1#race")
    race = section(page, "race")
    status = race.locator("[role='status']").first
    expect(status).to_contain_text("Ready")
    momentum = race.locator("input[data-rate='momentum']")
    momentum.fill("1e9")
    momentum.press("Enter")
    alert = race.locator("[role='alert']")
    expect(alert).to_contain_text("1000000000")
    momentum.fill("0")  # the message follows what the box holds, not the earlier 1e9
    momentum.press("Enter")
    expect(alert).to_contain_text("got 0")
    expect(momentum).to_have_attribute("aria-invalid", "true")  # marked, and says why
    expect(momentum).to_have_accessible_description(re.compile("got 0"))
    # another box changed meanwhile: the refusal is still momentum's, and only it is marked
    rmsprop = race.locator("input[data-rate='rmsprop']")
    rmsprop.fill("0.004")
    rmsprop.press("Enter")
    expect(alert).to_contain_text("Momentum")
    expect(rmsprop).not_to_have_attribute("aria-invalid", "true")
    expect(momentum).to_have_attribute("aria-invalid", "true")
    momentum.fill("")  # an emptied box: the default rate again, and the race is back
    momentum.press("Enter")
    expect(alert).to_be_hidden()
    expect(momentum).not_to_have_value("")
    expect(momentum).not_to_have_attribute("aria-invalid", "true")
    sgd = race.locator("input[data-rate='sgd']")
    sgd.fill("0.002")
    race.get_by_role("button", name="Play").click()  # leaving the box asks for a new race
    page.wait_for_timeout(800)
    expect(race.get_by_role("button", name="Pause")).to_be_visible()
    expect(status).to_have_text("Racing…")


@pytest.mark.parametrize("width", [390, 640])
def test_the_race_rates_show_every_digit_on_small_screens(page: Page, lab_url, width):
    # at 200% zoom a laptop is 640 CSS pixels wide: "0.003" once showed as "0.00"
    problems = open_page(page, f"{lab_url}#race", width=width)
    rates = section(page, "race").locator("input.w-rate")
    expect(rates.first).to_have_value(re.compile(r"\d"))
    for i in range(rates.count()):
        rates.nth(i).fill("0.00001")
        fits = rates.nth(i).evaluate("(input) => input.scrollWidth <= input.clientWidth")
        assert fits, f"rate box {i} clips its value at {width} px"
    assert problems == []


@pytest.mark.parametrize("width", [1400, 390])
def test_race_adam_reaches_the_rosenbrock_minimum(page, lab_url, artifacts_dir, width):
    open_section(page, lab_url, "race", "?race.speed=20", width=width)
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
    expect(sgd.locator("[data-cell='status']")).to_have_text("still descending after 1000 steps")
    # momentum circles (1, 1) within 0.1 to the end: still moving there, not "descending"
    momentum = section.locator("tr[data-runner='momentum']")
    expect(momentum.locator("[data-cell='status']")).to_have_text(
        re.compile(r"^reached the minimum at step \d+; still moving$")
    )
    expect(section.locator(".w-endings li[data-runner='momentum']")).to_contain_text(
        "more steps may let it settle"
    )
    expect(section.locator("[role='status']")).to_contain_text("reached the minimum first")
    endings = section.locator(".w-endings li")
    expect(endings).to_have_count(4)
    expect(section.locator(".w-endings li[data-runner='adam']")).to_contain_text(
        "Adam: Converged after"
    )
    shot(page, artifacts_dir, "race", f"race-rosenbrock-{width}.png")

    # move the start with the keyboard: a new race from there, back at step 0
    handle = section.locator("[data-role='start']")
    handle.focus()
    handle.press("Shift+ArrowUp")
    expect(section.locator("[role='status']")).to_contain_text("from (−1.20, 1.25)")
    expect(readout(page, "race", "step")).to_have_text("step 0 of 1000")
    expect(endings).to_have_count(0)


def test_the_race_headline_and_its_rows_agree_on_the_bowl(page, lab_url, artifacts_dir):
    # the issue: "Momentum reached the minimum first, at step 5" beside "converged at step 239"
    open_section(page, lab_url, "race", "?race.surface=bowl&race.speed=20")
    section = page.locator("section#race")
    expect(section.get_by_label("surface", exact=True)).to_have_value("bowl")
    expect(section.locator("[role='status']")).to_contain_text("Press Play")
    section.locator("[data-action='play']").click()
    expect(section.locator(".widget")).to_have_attribute("data-state", "finished", timeout=20_000)
    headline = section.locator("[role='status']").first.inner_text()
    found = re.match(r"(\w+) reached the minimum first, at step (\d+)", headline)
    assert found, headline
    winner, step = found.groups()
    row = section.locator("tr", has=page.locator("th", has_text=winner))
    expect(row.locator("[data-cell='status']")).to_contain_text(
        f"reached the minimum at step {step}"
    )
    steps = []
    for cell in section.locator("[data-cell='status']").all():
        text = cell.inner_text()
        assert "converged; reached the minimum at step" in text, text
        steps.append(int(re.search(r"at step (\d+)", text).group(1)))
    assert min(steps) == int(step)  # no row reached it before the headline's winner
    shot(page, artifacts_dir, "race", "race-bowl.png")


def test_a_refused_race_rate_names_the_optimiser_as_the_page_does(page: Page, lab_url):
    open_page(page, f"{lab_url}#race")
    race = section(page, "race")
    expect(race.locator("[role='status']").first).to_contain_text("Ready")
    sgd = race.locator("input[data-rate='sgd']")
    sgd.fill("0")
    sgd.press("Enter")
    alert = race.locator("[role='alert']")
    expect(alert).to_contain_text(
        "The learning rate of SGD should be greater than 0", timeout=10_000
    )
    expect(alert).not_to_contain_text("sgd")
