"""The trainer's connection state follows the server's messages: Train is pressable exactly
when a press starts training.

The page's WebSocket is wrapped so that a test can hold back what the server says
(``window.holdMessages = true``) and let it through later (``window.releaseMessages()``): the
page then sits in a state for as long as the test likes, without timing guesses.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TRAINER = "[data-widget=trainer]"

HOLD_MESSAGES = """(() => {
    const Native = window.WebSocket;
    window.openSockets = [];
    window.heldMessages = [];
    window.holdMessages = true;
    window.releaseMessages = () => {
        window.holdMessages = false;
        for (const deliver of window.heldMessages.splice(0)) deliver();
    };
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            window.openSockets.push(this);
        }
        addEventListener(type, listener, ...rest) {
            if (type !== "message") return super.addEventListener(type, listener, ...rest);
            return super.addEventListener(type, (event) => {
                if (window.holdMessages) window.heldMessages.push(() => listener(event));
                else listener(event);
            }, ...rest);
        }
    };
})()"""


def trainer_button(page: Page, name: str):
    return page.locator("#trainer").get_by_role("button", name=name, exact=True)


def wait_for_the_socket(page: Page) -> None:
    page.wait_for_function(
        "window.openSockets.some((s) => s.readyState === WebSocket.OPEN)"
        " && document.querySelector('#tr-train') !== null",
        timeout=30_000,
    )


def test_train_waits_for_the_session_to_take_a_configuration(page: Page, lab_url):
    page.add_init_script(HOLD_MESSAGES)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(lab_url + "#trainer")
    wait_for_the_socket(page)
    trainer = page.locator(TRAINER)
    # the socket is open, but the session has said nothing yet: a press would do nothing
    expect(trainer).to_have_attribute("data-state", "connecting")
    for name in ("Train", "Pause", "Step", "Reset"):
        expect(trainer_button(page, name)).to_be_disabled()
    page.evaluate("window.releaseMessages()")
    expect(trainer).to_have_attribute("data-state", "ready")
    expect(trainer_button(page, "Train")).to_be_enabled()
    expect(trainer_button(page, "Pause")).to_be_disabled()
    # the first press trains: the server's status turns the page to training
    trainer_button(page, "Train").click()
    expect(trainer).to_have_attribute("data-state", "training")
    expect(trainer_button(page, "Pause")).to_be_enabled()
    expect(trainer_button(page, "Train")).to_be_disabled()
    expect(trainer_button(page, "Pause")).to_be_focused()  # the focus moved with the press
    trainer_button(page, "Pause").click()
    expect(trainer).to_have_attribute("data-state", "paused")
    expect(trainer_button(page, "Train")).to_be_enabled()
    expect(trainer_button(page, "Train")).to_be_focused()


def test_a_lost_connection_disables_train_until_the_new_session_is_ready(page: Page, lab_url):
    page.add_init_script(HOLD_MESSAGES)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(lab_url + "#trainer")
    wait_for_the_socket(page)
    page.evaluate("window.releaseMessages()")
    trainer = page.locator(TRAINER)
    expect(trainer).to_have_attribute("data-state", "ready", timeout=30_000)
    # the network drops the socket; the page reconnects, but the new session's answer waits
    page.evaluate(
        "() => { window.holdMessages = true; window.openSockets.forEach((s) => s.close()); }"
    )
    expect(trainer).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#tr-message")).to_contain_text("reconnecting")
    page.wait_for_function(
        "window.openSockets.filter((s) => s.readyState === WebSocket.OPEN).length === 1",
        timeout=30_000,
    )
    expect(trainer_button(page, "Train")).to_be_disabled()
    expect(trainer_button(page, "Step")).to_be_disabled()
    page.evaluate("window.releaseMessages()")
    expect(trainer).to_have_attribute("data-state", "ready")
    expect(page.locator("#tr-message")).to_contain_text("Reconnected.")
    trainer_button(page, "Step").click()
    expect(page.locator("#trainer").get_by_label("Epoch", exact=True)).to_have_text("1")
