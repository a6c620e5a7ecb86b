"""Your own network's loss landscape, as a learner gets there: train in the trainer, pause,
press the button, read the numbers and see the four walks."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TRAINER = "[data-widget=trainer]"


def train_a_little(page: Page, lab_url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(lab_url + "#trainer")
    page.wait_for_function(
        f"document.querySelector('{TRAINER}')?.trainerStats?.frames > 0", timeout=30_000
    )
    trainer = page.locator("#trainer")
    trainer.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(
        f"document.querySelector('{TRAINER}').trainerStats.epoch >= 30", timeout=60_000
    )
    trainer.get_by_role("button", name="Pause", exact=True).click()
    expect(trainer.get_by_role("button", name="Train", exact=True)).to_be_enabled()


def number(text: str) -> float:
    return float(text.replace("−", "-"))


@pytest.mark.parametrize("width", [1400, 390])
def test_the_landscape_of_the_network_just_trained(page, lab_url, artifacts_dir, width):
    train_a_little(page, lab_url, width)
    section = page.locator("section#landscape")
    section.scroll_into_view_if_needed()
    section.locator("[data-action='landscape']").click()
    expect(section.locator("[data-readout='centre']")).not_to_have_text("–", timeout=60_000)
    # the network shown is the trainer's as it is now: the epoch the trainer shows
    epoch = section.locator("[data-readout='epoch']").inner_text()
    assert int(epoch) >= 30
    trainer_epoch = page.locator("#trainer").get_by_label("Epoch", exact=True)
    expect(trainer_epoch).to_have_text(re.compile(rf"^{epoch}$"))
    centre = number(section.locator("[data-readout='centre']").inner_text())
    low = number(section.locator("[data-readout='low']").inner_text())
    assert 0 <= low <= centre + 1e-9
    # the trainer's own loss readout is the same network on the same training set
    trainer_loss = page.locator("#trainer").get_by_label("Loss", exact=True).inner_text()
    assert number(trainer_loss) == pytest.approx(centre, rel=0.01)
    walks = section.locator("[data-role='race'] li")
    expect(walks).to_have_count(4)
    for name in ("SGD", "momentum", "RMSProp", "Adam"):
        expect(section.locator("[data-role='race']")).to_contain_text(name)
    # the picture is drawn: the canvas is not blank white in its middle
    colour = page.evaluate(
        """() => { const c = document.querySelector('section#landscape canvas');
            const d = c.getContext('2d').getImageData(c.width / 3, c.height / 3, 1, 1).data;
            return [d[0], d[1], d[2]]; }"""
    )
    assert colour != [255, 255, 255]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    section.screenshot(path=os.path.join(artifacts_dir, f"landscape-{width}.png"))


def test_the_keyboard_keeps_its_place_while_the_slice_is_measured(page, lab_url):
    """The button is disabled while the lab measures the slice; pressed with Enter, the focus
    comes back to it afterwards instead of falling to the page."""
    train_a_little(page, lab_url, 1400)
    section = page.locator("section#landscape")
    button = section.locator("[data-action='landscape']")
    button.focus()
    page.keyboard.press("Enter")
    expect(section.locator("[data-readout='centre']")).not_to_have_text("–", timeout=60_000)
    expect(button).to_be_enabled()
    expect(button).to_be_focused()
