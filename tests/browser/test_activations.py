"""The activation functions in a real browser.

Each test drives the real server in Chromium as a person would and reads what the page shows;
screenshots land in the artifacts folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import open_section, readout, shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


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
