"""The quiz in a real browser.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import open_section, readout, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


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
