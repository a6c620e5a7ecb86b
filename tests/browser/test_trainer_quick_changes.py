"""The trainer never loses a setting to a late echo: changes made in quick succession (ticks
within milliseconds, a Re-seed in flight, a slow page) all end up on the page, in the server's
session and in the drawn network.

The page's WebSocket is wrapped (as in test_trainer_state.py) so that a test can hold back what
the server says and let it through one message at a time: a "config" answering an older
change then reaches the page exactly when the test wants, without timing guesses.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TRAINER = "[data-widget=trainer]"

# Every text message from the server is recorded in window.serverSaid, and every one the page
# sends in window.pageSaid; while window.holdMessages is true, the server's messages wait in
# window.heldMessages until released.
WRAP_SOCKET = """(() => {
    const Native = window.WebSocket;
    window.serverSaid = [];
    window.pageSaid = [];
    window.heldMessages = [];
    window.holdMessages = false;
    // let held messages through up to and including the first one `stop` picks (all if
    // none), and return that one
    window.releaseUntil = (stop) => {
        while (window.heldMessages.length) {
            const { message, deliver } = window.heldMessages.shift();
            deliver();
            if (stop && message && stop(message)) return message;
        }
        return null;
    };
    window.WebSocket = class extends Native {
        send(data) {
            if (typeof data === "string") window.pageSaid.push(JSON.parse(data));
            return super.send(data);
        }
        addEventListener(type, listener, ...rest) {
            if (type !== "message") return super.addEventListener(type, listener, ...rest);
            return super.addEventListener(type, (event) => {
                const message = typeof event.data === "string" ? JSON.parse(event.data) : null;
                if (message) window.serverSaid.push(message);
                const deliver = () => listener(event);
                if (window.holdMessages) window.heldMessages.push({ message, deliver });
                else deliver();
            }, ...rest);
        }
    };
})()"""


def wait_for_the_tick_to_go_out(page: Page, feature: str) -> None:
    """Until the page has sent the "configure" with the tick (it waits for a short debounce,
    longer on a loaded machine)."""
    page.wait_for_function(
        """(feature) => window.pageSaid.some(
            (m) => m.type === 'configure' && m.config?.features?.includes(feature))""",
        arg=feature,
        timeout=10_000,
    )


PAGE_STATE = """() => {
    const trainer = document.querySelector('[data-widget=trainer]');
    return {
        features: [...trainer.querySelectorAll('input[name=features]')]
            .filter((box) => box.checked).map((box) => box.value),
        units: document.querySelector('#tr-units').value,
        points: document.querySelector('#tr-points').value,
        weightsSeed: document.querySelector('#tr-weights-seed').textContent,
        inputs: [...document.querySelectorAll('#tr-diagram [data-input]')]
            .map((node) => node.dataset.input),
        configs: window.serverSaid.filter((m) => m.type === 'config').length,
        url: location.search,
    };
}"""


def open_trainer(page: Page, lab_url: str, width: int) -> None:
    page.add_init_script(WRAP_SOCKET)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{lab_url}#trainer")
    page.wait_for_function(
        f"document.querySelector('{TRAINER}')?.trainerStats?.frames > 0", timeout=30_000
    )


def settle(page: Page) -> dict:
    """The page's state once the server has said nothing new for a second (at most 20 s)."""
    state = page.evaluate(PAGE_STATE)
    quiet = 0
    for _ in range(100):
        page.wait_for_timeout(200)
        now = page.evaluate(PAGE_STATE)
        quiet = quiet + 1 if now["configs"] == state["configs"] else 0
        state = now
        if quiet >= 5:
            break
    return state


def server_config(page: Page) -> dict:
    """The configuration the session holds: the last one the server sent."""
    return page.evaluate("window.serverSaid.filter((m) => m.type === 'config').at(-1).config")


def assert_all_kept(page: Page, state: dict, features: list[str], units: int, points: int):
    """The page, the server's session and the drawn network all hold every change."""
    assert state["features"] == features, f"the page's boxes lost a tick: {state['features']}"
    assert (state["units"], state["points"]) == (str(units), str(points))
    held = server_config(page)
    assert held["features"] == features, f"the server's session lost a tick: {held['features']}"
    assert (held["units"], held["points"]) == (units, points)
    assert held["weights_seed"] == int(state["weightsSeed"])
    assert len(state["inputs"]) == 2 + len(features)  # x₁, x₂ and one input per feature
    assert f"trainer.features={','.join(features)}" in state["url"]


QUICK_CHANGES = """async () => {
    const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const tick = (name) => document.querySelector(`#tr-feature-${name}`).click();
    const type = (selector, value) => {
        const box = document.querySelector(selector);
        box.value = value;
        box.dispatchEvent(new Event('change', { bubbles: true }));
    };
    tick('sin_x2');
    tick('x1_squared');  // within a millisecond of the first
    await pause(70);  // the first "configure" has gone out, its answer is on its way
    document.querySelector('#tr-reseed').click();
    tick('x1_times_x2');
    type('#tr-units', '12');
    await pause(0);
    type('#tr-points', '200');
    tick('x2_squared');
}"""


@pytest.mark.parametrize("width", [1400, 390])
def test_quick_changes_on_a_slow_page_all_reach_the_session(
    page: Page, lab_url, width, artifacts_dir
):
    open_trainer(page, lab_url, width)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 6})
    page.evaluate(QUICK_CHANGES)
    state = settle(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    shot = os.path.join(artifacts_dir, f"trainer-quick-changes-{width}.png")
    page.locator(TRAINER).screenshot(path=shot)
    features = ["x1_squared", "x2_squared", "x1_times_x2", "sin_x2"]
    assert_all_kept(page, state, features, units=12, points=200)
    assert state["weightsSeed"] != "0"  # the Re-seed in the middle held too


@pytest.mark.parametrize("width", [1400, 390])
def test_a_late_echo_of_older_settings_never_unticks_a_box(
    page: Page, lab_url, width, artifacts_dir
):
    open_trainer(page, lab_url, width)
    trainer = page.locator(TRAINER)
    # the server's answers now wait: the page is as far ahead of them as on a slow network
    page.evaluate("window.holdMessages = true")
    trainer.get_by_role("button", name="Re-seed").click()
    page.evaluate("document.querySelector('#tr-feature-sin_x2').click()")
    wait_for_the_tick_to_go_out(page, "sin_x2")  # after its debounce
    # the Re-seed's config arrives: it does not know the tick yet
    echo = page.evaluate("window.releaseUntil((m) => m.type === 'config')")
    assert echo["config"]["features"] == [], "the test meant to deliver the Re-seed's config"
    seed = echo["config"]["weights_seed"]
    expect(trainer.get_by_label("sin x₂", exact=True)).to_be_checked()
    expect(trainer.get_by_label("Weights seed", exact=True)).to_have_text(str(seed))
    # a second tick now builds on the first, not on the echo
    page.evaluate("document.querySelector('#tr-feature-x1_squared').click()")
    page.evaluate("window.holdMessages = false; window.releaseUntil(null)")
    state = settle(page)
    assert_all_kept(page, state, ["x1_squared", "sin_x2"], units=16, points=300)
    assert state["weightsSeed"] == str(seed)  # and the Re-seed's weights are the session's
    trainer.screenshot(path=os.path.join(artifacts_dir, f"trainer-quick-ticks-{width}.png"))


def test_a_re_seed_answered_while_a_tick_is_on_its_way_is_kept(page: Page, lab_url):
    # the tick's configure left with the old weights seed: once it is answered, the page sends
    # its settings again so that the session trains the Re-seed's weights, as the page shows
    open_trainer(page, lab_url, 1400)
    trainer = page.locator(TRAINER)
    page.evaluate("window.holdMessages = true")
    trainer.get_by_role("button", name="Re-seed").click()
    page.evaluate("document.querySelector('#tr-feature-x2_squared').click()")
    wait_for_the_tick_to_go_out(page, "x2_squared")
    echo = page.evaluate("window.releaseUntil((m) => m.type === 'config')")
    seed = echo["config"]["weights_seed"]
    page.evaluate("window.holdMessages = false; window.releaseUntil(null)")
    state = settle(page)
    assert_all_kept(page, state, ["x2_squared"], units=16, points=300)
    assert state["weightsSeed"] == str(seed)
