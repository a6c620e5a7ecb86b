"""The live trainer in Chromium against the real server, used the way a learner would."""

from __future__ import annotations

import json
import os
import re
import struct
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

import neuronlab
from tests.browser.support import COUNT_ANNOUNCEMENTS, announced, open_page, section, settle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TRAINER = "[data-widget=trainer]"


def inside(page: Page):
    """The trainer's section: other widgets have their own Step buttons and rate sliders."""
    return page.locator("#trainer")


def open_trainer(page: Page, url: str, width: int = 1500) -> None:
    page.set_viewport_size({"width": width, "height": 1100})
    page.goto(url)
    # the trainer is live once its first frame has been painted
    page.wait_for_function(
        f"document.querySelector('{TRAINER}')?.trainerStats?.frames > 0", timeout=30_000
    )
    # the widgets below may still be mounting, each one scrolling a link's #trainer back
    # into view: boxes read and points clicked meanwhile miss
    settle(page)
    page.locator("#trainer").scroll_into_view_if_needed()


def stats(page: Page) -> dict:
    return page.evaluate(f"({{...document.querySelector('{TRAINER}').trainerStats}})")


def percent(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)%", text.strip())
    return float(match.group(1)) if match else -1.0


def wait_for_a_new_frame(page: Page) -> None:
    seen = stats(page)["frames"]
    page.wait_for_function(
        f"document.querySelector('{TRAINER}').trainerStats.frames > {seen}", timeout=10_000
    )


def pixel(page: Page, canvas: str, x: float, y: float) -> list[int]:
    """RGBA of a canvas at CSS position (x, y) inside its box."""
    return page.evaluate(
        """([selector, x, y]) => {
            const canvas = document.querySelector(selector);
            const box = canvas.getBoundingClientRect();
            const px = Math.round(x / box.width * canvas.width);
            const py = Math.round(y / box.height * canvas.height);
            return Array.from(canvas.getContext("2d").getImageData(px, py, 1, 1).data);
        }""",
        [canvas, x, y],
    )


def test_every_control_and_readout_has_its_name(page: Page, lab_url):
    open_trainer(page, lab_url)
    for name in [
        "Dataset",
        "Points",
        "Noise",
        "Hidden layers",
        "Units per layer",
        "Activation",
        "Optimizer",
        "Learning rate",
        "Batch size",
        "L2",
        "L1",
        "Epoch",
        "Loss",
        "Accuracy",
        "Validation accuracy",
        "Throughput",
    ]:
        expect(inside(page).get_by_label(name, exact=True)).to_have_count(1)
    for name in ["Train", "Pause", "Step", "Reset", "Re-seed", "Regenerate"]:
        expect(inside(page).get_by_role("button", name=name, exact=True)).to_have_count(1)


def test_spirals_train_past_95_percent(page: Page, lab_url, artifacts_dir):
    open_trainer(page, lab_url + "#trainer")
    inside(page).get_by_label("Dataset", exact=True).select_option("spirals")
    inside(page).get_by_label("Points", exact=True).fill("500")
    inside(page).get_by_label("Points", exact=True).press("Enter")
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch === 0")
    inside(page).get_by_role("button", name="Train", exact=True).click()
    expect(inside(page).get_by_role("button", name="Pause", exact=True)).to_be_enabled()

    # the readout as the page showed it when it passed 95% (training goes on, and near 95%
    # one epoch's accuracy can dip below the last one's)
    accuracy = inside(page).get_by_label("Accuracy", exact=True)
    shown = page.wait_for_function(
        """(id) => {
            const text = document.getElementById(id).textContent;
            return parseFloat(text) > 95 ? text : false;
        }""",
        arg=accuracy.get_attribute("id"),
        timeout=60_000,
    ).json_value()
    assert percent(shown) > 95
    assert int(inside(page).get_by_label("Epoch", exact=True).inner_text().replace(",", "")) > 0
    assert "samples/s" in inside(page).get_by_label("Throughput", exact=True).inner_text()
    inside(page).get_by_role("button", name="Pause", exact=True).click()
    expect(inside(page).get_by_role("button", name="Train", exact=True)).to_be_enabled()
    # the chart has a training curve by now
    page.wait_for_function("document.querySelector('#tr-chart .scatterlayer .trace') !== null")
    inside(page).screenshot(path=os.path.join(artifacts_dir, "trainer-spirals-95.png"))


def test_clicking_adds_points_of_the_chosen_class(page: Page, lab_url, artifacts_dir):
    open_trainer(page, lab_url + "?trainer.dataset=circles&trainer.points=100#trainer")
    plane = page.locator("#tr-plane")
    expect(plane).to_have_accessible_description(re.compile("hollow ones are held out"))
    box = plane.bounding_box()
    # an empty spot near a corner (circles keep their points inside the unit disc)
    spot = (box["width"] * 0.08, box["height"] * 0.1)
    assert pixel(page, "#tr-points-layer", *spot)[3] == 0

    plane.click(position={"x": spot[0], "y": spot[1]})
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.added === 1")
    r, g, b, a = pixel(page, "#tr-points-layer", *spot)
    assert a == 255 and (r, g, b) == (0, 114, 178), "a class 1 point (blue circle) where clicked"

    other = (box["width"] * 0.92, box["height"] * 0.9)
    plane.click(position={"x": other[0], "y": other[1]}, modifiers=["Shift"])
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.added === 2")
    assert pixel(page, "#tr-points-layer", *other)[:3] == [230, 159, 0], "shift-click: class 0"

    # from the keyboard: focus the plane, move the cursor, Enter adds the chosen class
    inside(page).get_by_label("Class 0 (square)").check()
    plane.focus()
    for _ in range(5):
        plane.press("ArrowUp")
    plane.press("Enter")
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.added === 3")
    # training carries on with the new points
    inside(page).get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch === 1")
    page.locator("#trainer").screenshot(
        path=os.path.join(artifacts_dir, "trainer-added-points.png")
    )
    # a link holds the settings only: the page says the added points are not in it
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    inside(page).get_by_role("button", name="Copy link").click()
    expect(page.locator("#tr-copy-status")).to_have_text(
        "Link copied: the settings, without the points you added."
    )


def test_shared_url_restores_the_configuration(page: Page, lab_url, context, artifacts_dir):
    open_trainer(page, lab_url + "#trainer")
    inside(page).get_by_label("Dataset", exact=True).select_option("gaussian")
    inside(page).get_by_label("Classes", exact=True).fill("3")
    inside(page).get_by_label("Classes", exact=True).press("Enter")
    inside(page).get_by_label("Hidden layers", exact=True).fill("3")
    inside(page).get_by_label("Hidden layers", exact=True).press("Enter")
    inside(page).get_by_label("Units per layer", exact=True).fill("5")
    inside(page).get_by_label("Units per layer", exact=True).press("Enter")
    inside(page).get_by_label("Activation", exact=True).select_option("tanh")
    inside(page).get_by_label("Optimizer", exact=True).select_option("momentum")
    inside(page).get_by_label("Learning rate", exact=True).fill("7")  # ladder index: 0.03
    inside(page).get_by_label("Noise", exact=True).fill("0.3")
    inside(page).get_by_label("L2", exact=True).select_option("0.001")
    page.wait_for_function("location.search.includes('trainer.l2=0.001')")

    query = parse_qs(urlsplit(page.url).query)
    assert query["trainer.dataset"] == ["gaussian"] and query["trainer.classes"] == ["3"]
    assert query["trainer.learning_rate"] == ["0.03"]

    shared = context.new_page()
    open_trainer(shared, page.url)
    expected = {
        "Dataset": "gaussian",
        "Classes": "3",
        "Hidden layers": "3",
        "Units per layer": "5",
        "Activation": "tanh",
        "Optimizer": "momentum",
        "Noise": "0.3",
        "L2": "0.001",
    }
    for name, value in expected.items():
        expect(inside(shared).get_by_label(name, exact=True)).to_have_value(value)
    expect(shared.locator("#tr-lr-value")).to_have_text("0.03")
    # and the server trains that network: three classes, 3 x 5 hidden units
    shared.wait_for_function(
        "document.querySelectorAll('#tr-diagram .node').length === 15", timeout=10_000
    )
    expect(shared.locator("#tr-class-options input")).to_have_count(3)
    shared.locator("#trainer").screenshot(
        path=os.path.join(artifacts_dir, "trainer-shared-url.png")
    )


def test_download_the_model_and_the_figure(page: Page, lab_url, tmp_path):
    open_trainer(page, lab_url + "?trainer.units=6&trainer.points=200#trainer")
    inside(page).get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch === 1")

    with page.expect_download() as download_info:
        inside(page).get_by_role("link", name="Download model (.npz)").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    assert path.suffix == ".npz"
    network, metadata = neuronlab.engine.load(path)
    assert network.layer_sizes == [2, 6, 6, 2]
    assert metadata["epoch"] == 1 and metadata["config"]["units"] == 6

    with page.expect_download() as figure_info:
        inside(page).get_by_role("button", name="Download figure (PNG)").click()
    figure = tmp_path / figure_info.value.suggested_filename
    figure_info.value.save_as(figure)
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hovering_a_neuron_shows_its_map_large(page: Page, lab_url, artifacts_dir):
    open_trainer(page, lab_url + "?trainer.units=4#trainer")
    neuron = inside(page).get_by_role("button", name=re.compile(r"Hidden layer 1, neuron 2"))
    neuron.hover()
    zoom = page.locator(".neuron-zoom")
    expect(zoom).to_be_visible()
    expect(zoom).to_contain_text("Hidden layer 1, neuron 2")
    page.locator(".network-panel").screenshot(
        path=os.path.join(artifacts_dir, "trainer-neuron-zoom.png")
    )
    # arrow keys move between neurons: one tab stop for the whole diagram
    neuron.focus()
    page.keyboard.press("ArrowDown")
    expect(
        inside(page).get_by_role("button", name=re.compile(r"Hidden layer 1, neuron 3"))
    ).to_be_focused()


def test_the_plane_numbers_its_axes(page: Page, lab_url):
    # the server's ticks (±0.5 and ±1 on the ±1.2 plane) get marks on the frame's bottom
    # and left edges: darker than the shading a few pixels away, where there is no mark
    open_trainer(page, lab_url + "#trainer")
    contrast = page.evaluate(
        """() => {
            const canvas = document.querySelector("#tr-boundary");
            const ctx = canvas.getContext("2d");
            const scale = canvas.width / 520;  // plane.js draws on 520 x 520 units
            const at = (x, y) => {  // the darkest of 3 x 3 pixels: a 1-unit line blurs over two
                const [left, top] = [Math.round(x * scale) - 1, Math.round(y * scale) - 1];
                const data = ctx.getImageData(left, top, 3, 3).data;
                let darkest = 765;
                for (let i = 0; i < data.length; i += 4) {
                    darkest = Math.min(darkest, data[i] + data[i + 1] + data[i + 2]);
                }
                return darkest;
            };
            const out = [];
            for (const tick of [-1, -0.5, 0.5, 1]) {
                const p = ((tick + 1.2) / 2.4) * 520;  // x1 = tick, and 520 - p for x2 = tick
                out.push(at(p + 10, 516) - at(p, 516), at(3, 520 - p + 10) - at(3, 520 - p));
            }
            return out;
        }"""
    )
    assert all(difference > 60 for difference in contrast), contrast


def test_divergence_is_explained(page: Page, lab_url, artifacts_dir):
    open_trainer(
        page,
        lab_url
        + "?trainer.activation=identity&trainer.optimizer=sgd&trainer.learning_rate=10#trainer",
    )
    inside(page).get_by_role("button", name="Train", exact=True).click()
    alert = page.locator("#tr-error")
    expect(alert).to_contain_text("diverged", timeout=15_000)
    expect(alert).to_contain_text("learning rate")
    expect(inside(page).get_by_role("button", name="Train", exact=True)).to_be_enabled()
    # the readouts and the chart say the loss overflowed, rather than a bare dash or empty axes
    expect(inside(page).get_by_label("Loss", exact=True)).to_have_text("overflowed")
    epoch = inside(page).get_by_label("Epoch", exact=True).inner_text()
    chart = page.locator("#tr-chart")
    expect(chart.locator(".annotation-text")).to_have_text(f"loss overflowedat epoch {epoch}")
    expect(chart.locator(".shapelayer path")).to_have_count(1)
    inside(page).screenshot(path=os.path.join(artifacts_dir, "trainer-diverged.png"))
    # Reset starts afresh: the advice about the lost weights goes with them
    inside(page).get_by_role("button", name="Reset", exact=True).click()
    expect(alert).to_be_hidden()
    # ... and the fresh network's loss is epoch 0, on the readouts and the chart
    expect(inside(page).get_by_label("Epoch", exact=True)).to_have_text("0")
    expect(inside(page).get_by_label("Loss", exact=True)).to_have_text(re.compile(r"^\d"))
    expect(chart.locator(".annotation-text")).to_have_text(
        "Epoch 0: theuntrained network.Press Train towatch it learn."
    )
    expect(chart.locator(".shapelayer path")).to_have_count(0)


def test_without_validation_points_there_is_no_validation_loss_to_overflow(page: Page, lab_url):
    open_trainer(
        page,
        lab_url + "?trainer.activation=identity&trainer.optimizer=sgd&trainer.learning_rate=10"
        "&trainer.validation=0#trainer",
    )
    inside(page).get_by_role("button", name="Train", exact=True).click()
    expect(page.locator("#tr-error")).to_contain_text("diverged", timeout=15_000)
    expect(inside(page).get_by_label("Loss", exact=True)).to_have_text("overflowed")
    expect(inside(page).get_by_label("Validation loss", exact=True)).to_have_text("–")


# the page's sockets in window.openSockets, so a test can drop one as a network would
KEEP_SOCKETS = """(() => {
    const Native = window.WebSocket;
    window.openSockets = [];
    window.WebSocket = class extends Native {
        constructor(...args) { super(...args); window.openSockets.push(this); }
    };
})()"""


def test_a_lost_connection_says_what_the_new_session_lost(page: Page, lab_url):
    page.add_init_script(KEEP_SOCKETS)
    open_trainer(page, lab_url + "#trainer")
    page.evaluate("window.openSockets.forEach((socket) => socket.close())")
    expect(page.locator("#tr-message")).to_contain_text(
        "Reconnected. The server started a new session", timeout=20_000
    )


def test_a_setting_refused_after_a_reconnect_leaves_a_working_session(page: Page, lab_url):
    # points typed while the connection is down are what the new session is offered; it
    # refuses them, so it gets the settings the last session took, and trains with them
    page.add_init_script(KEEP_SOCKETS)
    open_trainer(page, lab_url + "#trainer")
    page.evaluate(
        """() => {
            window.openSockets.forEach((socket) => socket.close());
            const points = document.querySelector("#tr-points");
            points.value = "99999";
            points.dispatchEvent(new Event("change"));
        }"""
    )
    expect(page.locator("#tr-error")).to_contain_text(
        "Points should be less than or equal to 5000", timeout=20_000
    )
    expect(inside(page).get_by_label("Points", exact=True)).to_have_value("300")
    inside(page).get_by_role("button", name="Step", exact=True).click()
    expect(inside(page).get_by_label("Epoch", exact=True)).to_have_text("1")


def test_a_huge_loss_reads_as_huge_and_fits_its_box(page: Page, lab_url):
    settings = "trainer.dataset=gaussian&trainer.optimizer=momentum&trainer.learning_rate=10"
    open_trainer(page, lab_url + f"?{settings}&trainer.l2=1#trainer")
    page.set_viewport_size({"width": 1400, "height": 1100})  # readouts three to a row
    inside(page).get_by_role("button", name="Step", exact=True).click()
    loss = page.locator("#tr-loss")
    expect(loss).to_have_text(re.compile(r"^\d\.\d\de\+\d+$"), timeout=15_000)  # e.g. 2.13e+82
    assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth", loss.element_handle())
    # "180K samples/s" on one line, as tall as its neighbours
    throughput = page.locator("#tr-throughput")
    expect(throughput).to_contain_text("samples/s")
    assert throughput.bounding_box()["height"] < 1.5 * loss.bounding_box()["height"]


def test_a_refused_setting_is_named_plainly_and_forgotten_once_fixed(page: Page, lab_url):
    open_trainer(page, lab_url)
    points = inside(page).get_by_label("Points", exact=True)
    points.fill("0")
    points.press("Tab")  # the change is sent as the focus leaves: the box is not focused
    alert = page.locator("#tr-error")
    expect(alert).to_contain_text("Points should be greater than or equal to 10, got 0")
    expect(alert).not_to_contain_text("config.")
    # the box keeps what was typed, marked and tied to the sentence that says why
    expect(points).to_have_value("0")
    expect(points).to_have_attribute("aria-invalid", "true")
    expect(points).to_have_accessible_description(re.compile("greater than or equal to 10"))
    expect(inside(page).get_by_label("Units per layer", exact=True)).not_to_have_attribute(
        "aria-invalid", "true"
    )
    points.fill("500")
    points.press("Enter")
    expect(alert).to_be_hidden()
    expect(points).not_to_have_attribute("aria-invalid", "true")
    page.wait_for_function("location.search.includes('trainer.points=500')")


def test_load_a_saved_model_into_the_trainer(page: Page, lab_url, tmp_path, artifacts_dir):
    from neuronlab.engine.network import Network
    from neuronlab.engine.serialise import save

    open_trainer(page, lab_url)
    trainer = inside(page)
    wide = save(Network([3, 8, 2]), tmp_path / "three-inputs.npz")
    page.set_input_files("#tr-load-model-file", str(wide))
    expect(page.locator("#tr-error")).to_contain_text("takes 3 inputs")
    model = save(Network([2, 12, 12, 2], "tanh", seed=5), tmp_path / "my-model.npz")
    page.set_input_files("#tr-load-model-file", str(model))
    expect(page.locator("#tr-message")).to_contain_text("Loaded my-model.npz")
    expect(page.locator("#tr-error")).to_be_hidden()
    expect(trainer.get_by_label("Units per layer", exact=True)).to_have_value("12")
    expect(trainer.get_by_label("Activation", exact=True)).to_have_value("tanh")
    trainer.get_by_role("button", name="Step", exact=True).click()
    expect(trainer.get_by_label("Epoch", exact=True)).to_have_text("1")
    trainer.locator(".trainer-main").screenshot(
        path=os.path.join(artifacts_dir, "trainer-loaded-model.png")
    )


def test_a_link_with_an_impossible_setting_keeps_its_other_settings(page: Page, lab_url):
    taken: list[dict] = []  # the configurations the server took
    page.on(
        "websocket",
        lambda socket: socket.on(
            "framereceived",
            lambda frame: (
                taken.append(json.loads(frame)["config"])
                if isinstance(frame, str) and json.loads(frame)["type"] == "config"
                else None
            ),
        ),
    )
    open_trainer(page, lab_url + "?trainer.points=99999&trainer.units=8#trainer")
    error = page.locator("#tr-error")
    expect(error).to_contain_text("Points should be less than or equal to 5000, got 99999.")
    expect(error).to_contain_text("uses the default for Points (300) and keeps the link's")
    expect(inside(page).get_by_label("Points", exact=True)).to_have_value("300")
    expect(inside(page).get_by_label("Units per layer", exact=True)).to_have_value("8")
    page.wait_for_function("!location.search.includes('trainer.points')")
    assert "trainer.units=8" in page.url
    # the server took the rest of the link
    assert [(config["points"], config["units"]) for config in taken] == [(300, 8)]
    expect(error).to_contain_text("the default for Points")  # the explanation stays


def test_a_refusal_naming_no_setting_falls_back_to_all_the_defaults(page: Page, lab_url):
    # a server that does not say which setting it refused (as an older one would not):
    # the page cannot tell what to keep, so it starts from the defaults
    def route(socket):
        server = socket.connect_to_server()

        def from_server(message):
            if isinstance(message, str) and json.loads(message)["type"] == "error":
                refusal = json.loads(message)
                refusal.pop("fields", None)
                message = json.dumps(refusal)
            socket.send(message)

        server.on_message(from_server)

    page.route_web_socket(re.compile(r"/ws/train$"), route)
    open_trainer(page, lab_url + "?trainer.points=99999&trainer.units=8#trainer")
    expect(page.locator("#tr-error")).to_contain_text("starts from the defaults")
    expect(inside(page).get_by_label("Points", exact=True)).to_have_value("300")
    expect(inside(page).get_by_label("Units per layer", exact=True)).to_have_value("16")
    page.wait_for_function("!location.search.includes('trainer.')")


def test_regenerate_reseed_and_reset_buttons(page: Page, lab_url):
    open_trainer(page, lab_url + "?trainer.points=100#trainer")
    trainer = inside(page)
    trainer.get_by_role("button", name="Regenerate").click()
    expect(trainer.get_by_label("Data seed", exact=True)).not_to_have_value("0")
    page.wait_for_function("/[?&]trainer\\.seed=\\d+/.test(location.search)")

    trainer.get_by_role("button", name="Re-seed").click()
    expect(trainer.get_by_label("Weights seed", exact=True)).not_to_have_text("0")

    trainer.get_by_role("button", name="Step", exact=True).click()
    expect(trainer.get_by_label("Epoch", exact=True)).to_have_text("1")
    trainer.get_by_role("button", name="Reset", exact=True).click()
    expect(trainer.get_by_label("Epoch", exact=True)).to_have_text("0")


@pytest.mark.parametrize("width", [1100, 1280, 1500, 1920])
def test_every_choice_fits_its_select(page: Page, lab_url, width):
    # a select shows its choice cut off when the text is wider than the box: "identity (linear"
    open_trainer(page, lab_url + "#trainer")
    page.set_viewport_size({"width": width, "height": 900})
    cut = page.evaluate(
        """() => {
            const pen = document.createElement("canvas").getContext("2d");
            const arrow = 40;  // the select's padding and its drop-down arrow
            const out = [];
            for (const box of document.querySelectorAll("#trainer .trainer-controls select")) {
                const style = getComputedStyle(box);
                pen.font = `${style.fontSize} ${style.fontFamily}`;
                for (const option of box.options) {
                    if (pen.measureText(option.text).width + arrow > box.clientWidth) {
                        out.push(`${box.id}: ${option.text}`);
                    }
                }
            }
            return out;
        }"""
    )
    assert cut == []


def test_a_slower_speed_for_a_class_to_watch(page: Page, lab_url):
    # the pace itself is tested against a fake clock (tests/lab/trainer/test_pace.py); here,
    # that the choice reaches the server and the shared link, without timing anything
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
    open_trainer(page, lab_url + "#trainer")
    speed = inside(page).get_by_label("Epochs/s", exact=True)
    expect(speed.locator("option")).to_have_text(["no limit", "100", "35", "20", "5", "1"])
    expect(speed).to_have_value("35")  # the default pace, one a class can watch
    # (that every choice fits its box: test_every_choice_fits_its_select)
    speed.select_option(label="5")
    page.wait_for_function("location.search.includes('trainer.speed=5')")  # in a shared link
    deadline = 100
    while not any('"speed": 5' in m or '"speed":5' in m for m in sent) and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert any('"speed": 5' in m or '"speed":5' in m for m in sent), sent[-3:]
    inside(page).get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.epoch >= 1")
    inside(page).get_by_role("button", name="Pause", exact=True).click()


def test_the_page_acknowledges_each_frame_it_draws(page: Page, lab_url):
    # with acks the server sends the next frame only once this one is drawn (protocol.py)
    page.add_init_script(
        """(() => {
            const send = WebSocket.prototype.send;
            window.sentTypes = [];
            WebSocket.prototype.send = function (data) {
                window.sentTypes.push(JSON.parse(data).type);
                return send.call(this, data);
            };
        })()"""
    )
    open_trainer(page, lab_url + "#trainer")
    inside(page).get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(f"document.querySelector('{TRAINER}').trainerStats.frames > 5")
    inside(page).get_by_role("button", name="Pause", exact=True).click()
    expect(inside(page).get_by_role("button", name="Train", exact=True)).to_be_enabled()
    sent = page.evaluate("window.sentTypes")
    drawn = stats(page)["frames"]
    assert sent.count("ack") >= drawn - 1, (sent.count("ack"), drawn)


def frame_header(frame: bytes) -> dict:
    """The JSON header of a binary frame (layout: trainer/view.py)."""
    length = struct.unpack_from("<I", frame)[0]
    return json.loads(frame[4 : 4 + length])


def test_a_frame_older_than_the_last_status_does_not_undo_it(page: Page, lab_url):
    # The server sends its waiting messages before a frame, so a frame drawn while paused can
    # reach the page just after the status saying training started (seen under load in CI).
    # The status is the newer word: here the proxy replays a paused frame after it on purpose,
    # and holds back the frames that follow, so the stale frame is the last thing drawn.
    proxy = {"paused_frame": None, "replayed": False, "acks_after": 0}

    def route(socket):
        server = socket.connect_to_server()

        def from_server(message):
            if isinstance(message, bytes):
                if proxy["replayed"]:
                    return  # held back: the stale frame stays the newest picture
                if frame_header(message)["running"] is False:
                    proxy["paused_frame"] = message
                socket.send(message)
                return
            socket.send(message)
            status = json.loads(message)
            if status["type"] == "status" and status["running"] and proxy["paused_frame"]:
                socket.send(proxy["paused_frame"])
                proxy["replayed"] = True

        def from_page(message):
            if proxy["replayed"] and json.loads(message)["type"] == "ack":
                proxy["acks_after"] += 1
            server.send(message)

        server.on_message(from_server)
        socket.on_message(from_page)

    page.route_web_socket(re.compile(r"/ws/train$"), route)
    open_trainer(page, lab_url + "#trainer")
    train = inside(page).get_by_role("button", name="Train", exact=True)
    pause = inside(page).get_by_role("button", name="Pause", exact=True)
    train.focus()
    page.keyboard.press("Enter")
    expect(pause).to_be_focused()
    # the page acknowledges the stale frame once it has drawn it (the proxy runs while the
    # page waits)
    for _ in range(100):
        if proxy["acks_after"]:
            break
        page.wait_for_timeout(50)
    assert proxy["replayed"], "no paused frame was replayed after the status"
    assert proxy["acks_after"] >= 1, "the page never drew the replayed frame"
    expect(pause).to_be_enabled()
    expect(pause).to_be_focused()
    expect(train).to_be_disabled()
    expect(page.locator(TRAINER)).to_have_attribute("data-running", "true")


def test_escape_closes_a_neuron_zoom(page: Page, lab_url):
    open_page(page, f"{lab_url}#trainer")
    page.wait_for_function(
        "document.querySelector('[data-widget=trainer]')?.trainerStats?.frames > 0",
        timeout=30_000,
    )
    neuron = section(page, "trainer").get_by_role(
        "button", name=re.compile(r"Hidden layer 1, neuron 1\b")
    )
    neuron.focus()
    zoom = page.locator(".neuron-zoom")
    expect(zoom).to_be_visible()
    page.keyboard.press("Escape")
    expect(zoom).to_be_hidden()
    expect(neuron).to_be_focused()


def test_trainer_keyboard_focus_divergence_and_readouts(page: Page, lab_url, artifacts_dir):
    sent: list[dict] = []
    page.on(
        "websocket",
        lambda socket: (
            socket.on("framesent", lambda frame: sent.append(json.loads(frame)))
            if socket.url.endswith("/ws/train")
            else None
        ),
    )
    problems = open_page(
        page,
        f"{lab_url}?trainer.activation=identity&trainer.optimizer=sgd"
        "&trainer.learning_rate=10#trainer",
    )
    trainer = section(page, "trainer")
    page.wait_for_function(
        "document.querySelector('[data-widget=trainer]')?.trainerStats?.frames > 0",
        timeout=30_000,
    )
    # one Step fills every readout: none may spill out of its box at this width
    trainer.get_by_role("button", name="Step", exact=True).click()
    expect(trainer.get_by_label("Throughput", exact=True)).to_contain_text("samples/s")
    spilled = page.evaluate(
        """() => [...document.querySelectorAll('#trainer .readout')]
            .filter((box) => box.scrollWidth > box.clientWidth + 1)
            .map((box) => box.textContent.trim())"""
    )
    assert spilled == []
    trainer.get_by_role("button", name="Reset", exact=True).click()
    expect(trainer.get_by_label("Epoch", exact=True)).to_have_text("0")

    # Train from the keyboard: the focus moves to Pause, and back to Train when the loss
    # diverges and training stops by itself; the explanation is shown once, as an alert
    train = trainer.get_by_role("button", name="Train", exact=True)
    train.focus()
    page.keyboard.press("Enter")
    alert = page.locator("#tr-error")
    expect(alert).to_contain_text("diverged", timeout=15_000)
    expect(alert).to_have_attribute("role", "alert")
    expect(page.locator("#tr-message")).to_have_text("")
    expect(train).to_be_focused()
    trainer.locator(".trainer-main").screenshot(
        path=os.path.join(artifacts_dir, "audit-trainer-diverged.png")
    )

    # a healthy rate: Enter on Train, then Enter on Pause, without touching the mouse
    trainer.get_by_label("Activation", exact=True).select_option("relu")
    trainer.get_by_label("Optimizer").select_option("adam")
    rate = trainer.get_by_label("Learning rate")
    rate.focus()
    page.keyboard.press("Home")  # the slider's bottom, then up, notch by notch, to 0.01
    for _ in range(20):
        if rate.get_attribute("aria-valuetext") == "0.01":
            break
        page.keyboard.press("ArrowRight")
    page.wait_for_function("/[?&]trainer\\.learning_rate=/.test(location.search) === false")
    starts = len([message for message in sent if message["type"] == "start"])
    train.focus()
    page.keyboard.press("Enter")  # at once: the new rate may still wait for its debounce
    pause = trainer.get_by_role("button", name="Pause", exact=True)
    expect(pause).to_be_focused()
    # a pending change goes out before the start, so the server trains with the rate on show
    kinds = [message["type"] for message in sent]
    assert kinds.count("start") == starts + 1
    last_start = len(kinds) - 1 - kinds[::-1].index("start")
    configs = [m["config"] for m in sent[:last_start] if m["type"] == "configure"]
    assert configs[-1]["learning_rate"] == 0.01, sent
    page.keyboard.press("Enter")
    expect(train).to_be_focused()
    expect(train).to_be_enabled()
    assert problems == []


def test_the_trainer_plane_tells_a_screen_reader_where_the_cursor_is(page: Page, lab_url):
    problems = open_page(page, f"{lab_url}#trainer")
    page.wait_for_function(
        "document.querySelector('[data-widget=trainer]')?.trainerStats?.frames > 0",
        timeout=30_000,
    )
    page.evaluate(COUNT_ANNOUNCEMENTS)
    status = page.locator("#tr-plane-status")
    page.locator("#tr-plane").focus()
    for _ in range(8):  # a held arrow key: one sentence once it rests, not eight
        page.keyboard.press("ArrowRight")
    expect(status).to_have_text(re.compile(r"Cursor at \(0\.\d\d, 0\.00\); new points: class 1\."))
    page.keyboard.press("0")
    expect(status).to_contain_text("new points: class 0")
    page.keyboard.press("Shift+Enter")
    expect(status).to_have_text(re.compile(r"Added a class 0 point at \(0\.\d\d, 0\.00\)\."))
    cursor = [text for text in announced(page, "trainer") if "Cursor" in text]
    assert len(cursor) <= 2, cursor
    # a second point at the same place is news too, though it reads the same
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "document.querySelector('[data-widget=trainer]').trainerStats.added >= 2"
    )
    # the second sentence follows the server's answer: poll for it rather than sleep
    page.wait_for_function(
        "window.announced.filter((t) => t.startsWith('trainer:') && t.includes('Added'))"
        ".length >= 2",
        timeout=10_000,
    )
    assert problems == []


@pytest.mark.parametrize("width", [1400, 1600])
def test_the_network_follows_the_controls_however_long_the_tips(page: Page, lab_url, width):
    # the "things to try" column spans both rows: its length used to grow the first row too,
    # leaving an empty band between the controls and the network diagram
    open_trainer(page, lab_url + "#trainer", width=width)
    boxes = page.evaluate(
        """() => Object.fromEntries(
            ["trainer-controls", "trainer-main", "trainer-side", "network-panel"].map((name) => {
                const box = document.querySelector(`#trainer .${name}`).getBoundingClientRect();
                return [name, { top: box.top, bottom: box.bottom, left: box.left }];
            }))"""
    )
    above = max(boxes["trainer-controls"]["bottom"], boxes["trainer-main"]["bottom"])
    side = boxes["trainer-side"]
    assert side["left"] > boxes["trainer-main"]["left"]  # three columns at this width
    assert side["bottom"] > above  # the tips do run longer than the controls
    gap = boxes["network-panel"]["top"] - above
    assert 0 < gap < 40, boxes  # the grid's gap (1.2rem), not a band of empty page
