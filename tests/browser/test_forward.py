"""The forward-pass stepper in a real browser.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import numbers, open_section, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


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
