"""The live trainer over a real WebSocket client: commands, frames, errors, limits, cleanup."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time

import numpy as np
import pytest
from starlette.websockets import WebSocketDisconnect

import neuronlab
from neuronlab.engine.grid import plane_grid
from neuronlab.lab import render
from neuronlab.lab.app import create_app
from neuronlab.lab.settings import Settings
from neuronlab.lab.trainer import protocol as p
from neuronlab.lab.trainer.link import MAX_OUTBOX
from neuronlab.lab.trainer.routes import train_socket
from neuronlab.lab.trainer.session import TrainingSession
from neuronlab.lab.trainer.view import plane_ticks
from tests.support import run_async

pytestmark = pytest.mark.timeout(60)

SMALL = {"dataset": "spirals", "points": 120, "hidden_layers": 2, "units": 8, "grid": 20}


def parse_frame(data: bytes) -> tuple[dict, dict[str, bytes]]:
    """The client's side of render.pack_frame."""
    length = int.from_bytes(data[:4], "little")
    header = json.loads(data[4 : 4 + length])
    parts, offset = {}, 4 + length
    for part in header["parts"]:
        offset += (-offset) % 4
        parts[part["name"]] = data[offset : offset + part["length"]]
        offset += part["length"]
    assert offset == len(data)
    return header, parts


class Talk:
    """A conversation with /ws/train: send commands, read until what we wait for arrives."""

    def __init__(self, ws):
        self.ws = ws
        self.hello = self.next()
        assert self.hello["type"] == "hello"

    def send(self, **command):
        self.ws.send_text(json.dumps(command))

    def next(self):
        message = self.ws.receive()
        if message.get("bytes") is not None:
            header, parts = parse_frame(message["bytes"])
            return {**header, "parts_bytes": parts}
        if message["type"] == "websocket.close":
            return {"type": "closed", "code": message.get("code")}
        return json.loads(message["text"])

    def until(self, match, limit=2000):
        """Read messages until ``match(message)`` is true; return that message."""
        for _ in range(limit):
            message = self.next()
            if match(message):
                return message
        raise AssertionError("the expected message never came")

    def frame(self, match=lambda f: True):
        return self.until(lambda m: m["type"] == "frame" and match(m))

    def error(self):
        return self.until(lambda m: m["type"] == "error")

    def configure(self, **config):
        self.send(type="configure", config={**SMALL, **config})
        return self.frame()


def session_of(client, talk):
    return client.app.state.sessions.get(talk.hello["session"])


# --------------------------------------------------------------------------- commands


def test_configure_sends_data_config_and_a_first_frame(lab_client):
    with lab_client.websocket_connect("/ws/train") as ws:
        talk = Talk(ws)
        talk.send(type="configure", config={**SMALL, "validation": 0.25})
        data = talk.until(lambda m: m["type"] == "data")
        assert len(data["train"]["x"]) == 90 and len(data["validation"]["x"]) == 30
        assert data["classes"] == 2 and data["bounds"] == [-1.2, 1.2, -1.2, 1.2]
        assert data["ticks"] == [-1, -0.5, 0.5, 1]  # numbered on the plane's axes
        config = talk.until(lambda m: m["type"] == "config")["config"]
        assert config == p.TrainerConfig(**{**SMALL, "validation": 0.25}).model_dump()
        frame = talk.frame()
        assert frame["epoch"] == 0 and frame["running"] is False


@pytest.mark.parametrize(
    "half, ticks",
    [
        (1.0, [-0.5, 0.5]),  # no tick on the frame's edge
        (1.5, [-1, 1]),
        (2.1, [-1, 1]),  # nor near it, where ±2's numbers would meet in the corner
        (2.6, [-2, -1, 1, 2]),
        (7.0, [-5, -2.5, 2.5, 5]),
        (0.3, [-0.2, 0.2]),
        (1e6, []),  # wider than any step: no numbers rather than a crowd of them
    ],
)
def test_plane_ticks_are_round_and_few(half, ticks):
    assert plane_ticks((-half, half, -half, half)) == ticks


def test_frame_layout(talk):
    frame = talk.configure(units=5, hidden_layers=3, grid=30)
    parts = frame["parts_bytes"]
    assert frame["boundary"] == {"width": 30, "height": 30, "format": "palette8", "palette": 768}
    assert len(parts["boundary"]) == 768 + 30 * 30
    size = frame["maps"]["size"]
    assert frame["maps"]["layers"] == [5, 5, 5]
    assert len(parts["maps"]) == 15 * size * size
    assert frame["edges"]["layer_sizes"] == [2, 5, 5, 5, 2]
    assert len(parts["edges"]) == 2 * 5 + 5 * 5 + 5 * 5 + 5 * 2
    assert set(frame["chart"]) == {"epoch", "loss", "val_loss", "accuracy", "val_accuracy"}


def assert_within_one(sent: bytes, expected: bytes) -> None:
    difference = np.frombuffer(sent, np.uint8).astype(int) - np.frombuffer(expected, np.uint8)
    assert len(sent) == len(expected) and np.abs(difference).max() <= 1


def test_the_boundary_is_the_networks_prediction(lab_client, talk):
    talk.configure()
    talk.send(type="step", epochs=3)
    frame = talk.frame(lambda f: f["epoch"] == 3)
    session = session_of(lab_client, talk)
    # paused now: the server's network is the one that drew the frame
    probabilities = session.network.predict_proba(plane_grid(session.bounds, SMALL["grid"]))
    boundary = frame["parts_bytes"]["boundary"]
    assert boundary[:768] == render.boundary_palette(2)
    # the pictures are evaluated in float32: the same to within a shade
    assert_within_one(boundary[768:], render.boundary_indices(probabilities))
    hidden = session.network.hidden_activations(plane_grid(session.bounds, 24))
    assert_within_one(frame["parts_bytes"]["maps"], render.map_indices(hidden))
    assert frame["parts_bytes"]["edges"] == render.edge_strengths(session.network.W)


def test_start_trains_and_pause_stops(talk):
    talk.configure()
    talk.send(type="start")
    assert talk.until(lambda m: m["type"] == "status")["running"] is True
    first = talk.frame(lambda f: f["epoch"] > 0)
    later = talk.frame(lambda f: f["epoch"] > first["epoch"])
    assert later["loss"] is not None and later["accuracy"] is not None
    talk.send(type="pause")
    paused = talk.until(lambda m: m["type"] == "status")
    assert paused["running"] is False
    # paused: one step moves exactly one epoch further
    talk.send(type="step")
    stepped = talk.frame(lambda f: f["epoch"] > paused["epoch"])
    assert stepped["epoch"] == paused["epoch"] + 1


def test_step_runs_the_asked_number_of_epochs(talk):
    talk.configure()
    talk.send(type="step")
    assert talk.frame(lambda f: f["epoch"] > 0)["epoch"] == 1
    talk.send(type="step", epochs=5)
    frame = talk.frame(lambda f: f["epoch"] >= 6 and not f["running"])
    assert frame["epoch"] == 6


def test_reset_gives_back_the_same_initial_weights(talk):
    initial = talk.configure()["parts_bytes"]
    talk.send(type="step", epochs=20)
    trained = talk.frame(lambda f: f["epoch"] == 20)["parts_bytes"]
    assert trained["edges"] != initial["edges"]
    talk.send(type="reset")
    reset = talk.frame(lambda f: f["epoch"] == 0)["parts_bytes"]
    assert reset["boundary"] == initial["boundary"]
    assert reset["edges"] == initial["edges"]


def test_reseed_draws_new_initial_weights(talk):
    initial = talk.configure()["parts_bytes"]
    talk.send(type="reseed", seed=12345)
    config = talk.until(lambda m: m["type"] == "config")["config"]
    assert config["weights_seed"] == 12345
    reseeded = talk.frame(lambda f: f["epoch"] == 0)["parts_bytes"]
    assert reseeded["edges"] != initial["edges"]


def test_regenerate_draws_new_data(talk):
    talk.send(type="configure", config=SMALL)
    before = talk.until(lambda m: m["type"] == "data")
    talk.send(type="regenerate")
    after = talk.until(lambda m: m["type"] == "data")
    config = talk.until(lambda m: m["type"] == "config")["config"]
    assert config["seed"] != SMALL.get("seed", 0)
    assert after["train"]["x"] != before["train"]["x"]


def test_learning_rate_changes_live_without_a_reset(lab_client, talk):
    talk.configure()
    talk.send(type="start")
    running = talk.frame(lambda f: f["epoch"] >= 3)
    talk.send(type="set", learning_rate=0.003, batch_size=16, l2=0.001)
    config = talk.until(lambda m: m["type"] == "config")["config"]
    assert (config["learning_rate"], config["batch_size"], config["l2"]) == (0.003, 16, 0.001)
    after = talk.frame(lambda f: f["epoch"] > running["epoch"])
    assert after["epoch"] > running["epoch"], "a live change must not reset the epochs"
    trainer = session_of(lab_client, talk).trainer
    assert trainer.learning_rate == 0.003 and trainer.batch_size == 16 and trainer.l2 == 0.001
    # the same through a whole configure: still no reset
    talk.send(type="configure", config={**SMALL, "learning_rate": 0.02, "optimizer": "sgd"})
    talk.until(lambda m: m["type"] == "config")
    assert talk.frame()["epoch"] > running["epoch"]
    trainer = session_of(lab_client, talk).trainer
    assert trainer.learning_rate == 0.02 and type(trainer.optimizer).__name__ == "SGD"
    talk.send(type="pause")


def test_architecture_change_resets(talk):
    talk.configure()
    talk.send(type="step", epochs=4)
    talk.frame(lambda f: f["epoch"] == 4)
    talk.send(type="configure", config={**SMALL, "units": 6})
    frame = talk.frame()
    assert frame["epoch"] == 0 and frame["maps"]["layers"] == [6, 6]


def test_add_point_reaches_the_training_set(lab_client, talk):
    talk.configure()
    trainer = session_of(lab_client, talk).trainer
    before = len(trainer.X)
    talk.send(type="add_point", x=0.5, y=-0.25, label=0)
    echo = talk.until(lambda m: m["type"] == "points")
    assert echo["added"] == [[0.5, -0.25, 0]]
    talk.send(type="step")
    talk.frame(lambda f: f["epoch"] == 1)
    trainer = session_of(lab_client, talk).trainer
    assert len(trainer.X) == before + 1
    assert trainer.X[-1].tolist() == [0.5, -0.25] and trainer.y[-1] == 0
    # a reset keeps the learner's points
    talk.send(type="reset")
    talk.frame(lambda f: f["epoch"] == 0)
    assert len(session_of(lab_client, talk).trainer.X) == before + 1


def test_multiclass_spirals(talk):
    talk.send(type="configure", config={**SMALL, "classes": 3})
    data = talk.until(lambda m: m["type"] == "data")
    assert data["classes"] == 3 and set(data["train"]["label"]) == {0, 1, 2}
    frame = talk.frame()
    assert frame["edges"]["layer_sizes"][-1] == 3
    talk.send(type="add_point", x=0.1, y=0.1, label=2)
    assert talk.until(lambda m: m["type"] in ("points", "error"))["type"] == "points"


def test_divergence_pauses_with_advice(talk):
    talk.configure(activation="identity", optimizer="sgd", learning_rate=10)
    talk.send(type="start")
    status = talk.until(lambda m: m["type"] == "status" and m.get("diverged"))
    assert status["running"] is False
    assert "diverged" in status["message"] and "learning rate" in status["message"]
    # the frames say where the loss overflowed, so the page can tell it from "not measured"
    frame = talk.frame(lambda f: f["epoch"] == status["epoch"] and "chart" in f)
    assert frame["diverged_at"] == status["epoch"]
    assert frame["loss"] is None and frame["chart"]["loss"][-1] is None
    # training again without a reset is refused with what to do
    talk.send(type="start")
    assert "Reset" in talk.error()["detail"]
    talk.send(type="set", learning_rate=0.01)
    talk.send(type="reset")
    talk.send(type="step")
    frame = talk.frame(lambda f: f["epoch"] == 1)
    assert frame["loss"] is not None and frame["diverged_at"] is None


def test_model_download_loads_with_the_library(lab_client, talk, tmp_path):
    talk.configure()
    talk.send(type="step", epochs=5)
    talk.frame(lambda f: f["epoch"] == 5)
    response = lab_client.get(talk.hello["model_url"])
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    path = tmp_path / "model.npz"
    path.write_bytes(response.content)
    network, metadata = neuronlab.engine.load(path)
    server_network = session_of(lab_client, talk).network
    assert network.layer_sizes == [2, 8, 8, 2]
    np.testing.assert_array_equal(network.params, server_network.params)
    assert metadata["epoch"] == 5 and metadata["config"]["dataset"] == "spirals"


def test_model_download_before_a_configuration_is_explained(lab_client, talk):
    response = lab_client.get(talk.hello["model_url"])
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "configure" in detail and detail.endswith("."), detail


def test_model_download_of_an_unknown_session(lab_client):
    response = lab_client.get("/api/trainer/notasession123/model.npz")
    assert response.status_code == 404
    assert "session" in response.json()["detail"]


# ----------------------------------------------------------------------- bad messages


BAD_MESSAGES = [
    ("not json", "JSON"),
    ("[1, 2]", "JSON objects"),
    ('{"kind": "start"}', "type"),
    ('{"type": "explode"}', "Unknown command type"),
    ('{"type": "step", "epochs": 0}', "epochs"),
    ('{"type": "step", "epochs": 5000}', "epochs"),
    ('{"type": "set", "learning_rate": 0}', "learning rate"),
    ('{"type": "set", "learning_rate": 11}', "learning rate"),
    ('{"type": "set", "batch_size": 0}', "batch size"),
    ('{"type": "set", "optimizer": "magic"}', "optimizer"),
    ('{"type": "add_point", "x": 1e9, "y": 0, "label": 1}', "x"),
    ('{"type": "add_point", "x": 0, "y": 0, "label": 9}', "label"),
    ('{"type": "add_point", "x": 0, "y": 0, "label": 1, "extra": 1}', "extra"),
    ('{"type": "configure", "config": {"points": 9000}}', "points"),
    ('{"type": "configure", "config": {"hidden_layers": 7}}', "hidden layers"),
    ('{"type": "configure", "config": {"units": 65}}', "units"),
    ('{"type": "configure", "config": {"grid": 201}}', "grid"),
    ('{"type": "configure", "config": {"dataset": "teapot"}}', "dataset"),
    ('{"type": "configure", "config": {"activation": "swish"}}', "activation"),
    ('{"type": "configure"}', "config"),
    ('{"type": "set", "optimizer": "\\ud800"}', "optimizer"),  # valid JSON, not valid text
    ('{"type": "configure", "config": {"dataset": "sp\\udfffirals"}}', "dataset"),
    # valid JSON that Python's json module refuses to read
    pytest.param('{"type": "step", "epochs": ' + "9" * 5000 + "}", "digits", id="5000-digits"),
    pytest.param("[" * 3000 + "]" * 3000, "nested", id="3000-deep"),  # a RecursionError
]


@pytest.mark.parametrize("text, named", BAD_MESSAGES)
def test_bad_messages_get_an_error_and_the_session_lives_on(talk, text, named):
    talk.configure()
    talk.ws.send_text(text)
    error = talk.error()
    assert named.lower() in error["detail"].lower(), error["detail"]
    assert error["detail"].endswith(".")
    talk.send(type="step")
    assert talk.frame(lambda f: f["epoch"] == 1)


def test_binary_messages_are_refused(talk):
    talk.ws.send_bytes(b"\x00\x01")
    assert "JSON text" in talk.error()["detail"]


def test_commands_before_a_configuration_are_explained(talk):
    talk.send(type="step")
    assert "configure" in talk.error()["detail"]
    talk.configure()


def test_a_label_beyond_the_classes_is_refused(talk):
    talk.configure()
    talk.send(type="add_point", x=0, y=0, label=4)
    assert "label must be between 0 and 1" in talk.error()["detail"]


def test_an_engine_refusal_midway_through_a_change_pauses_the_session(
    lab_client, talk, monkeypatch
):
    # unlike a refused check, a change the engine refuses halfway may have touched the
    # session: it pauses, and says why
    talk.configure()
    talk.send(type="start")
    talk.frame(lambda f: f["epoch"] >= 2 and f["running"])

    def refuse(*args, **kwargs):
        raise ValueError("the engine refuses this network")

    monkeypatch.setattr("neuronlab.lab.trainer.session.build_trainer", refuse)
    talk.send(type="configure", config={**SMALL, "units": 9})
    said = []
    error = talk.until(lambda m: said.append(m) or m["type"] == "error")
    assert "engine refuses" in error["detail"]
    assert {"type": "status", "running": False} in [
        {"type": m["type"], "running": m.get("running")} for m in said
    ]
    assert session_of(lab_client, talk).config.units == SMALL["units"]


def test_a_failure_while_paused_still_says_the_session_is_paused(talk, monkeypatch):
    # the page's Train and Pause follow the status messages only, so a failure sends one
    # even when nothing was running (a Step may have been about to start)
    talk.configure()

    def refuse(*args, **kwargs):
        raise ValueError("the engine refuses this network")

    monkeypatch.setattr("neuronlab.lab.trainer.session.build_trainer", refuse)
    talk.send(type="configure", config={**SMALL, "units": 9})
    said = []
    talk.until(lambda m: said.append(m) or m["type"] == "error")
    assert [m["running"] for m in said if m["type"] == "status"] == [False]


def test_speed_is_a_live_setting_kept_by_the_session(lab_client, talk):
    # the pace itself is tested against a fake clock in test_pace.py, not timed here
    talk.configure(speed=5)
    talk.send(type="start")
    first = talk.frame(lambda f: f["epoch"] >= 1)
    session = session_of(lab_client, talk)
    assert session.config.speed == 5
    talk.send(type="set", speed=0)  # as fast as it can, from the next epoch on
    talk.frame(lambda f: f["epoch"] > first["epoch"])
    assert session.config.speed == 0
    talk.send(type="pause")


def test_a_refused_setting_is_named_so_the_page_can_mark_its_control(talk):
    talk.configure()
    talk.send(type="configure", config={**SMALL, "points": 3, "units": 999})
    error = talk.error()
    assert "points" in error["detail"].lower() and "units" in error["detail"]
    assert error["fields"] == ["points", "units"]
    talk.send(type="set", learning_rate=-1)
    assert talk.error()["fields"] == ["learning_rate"]
    talk.ws.send_text("not json")
    assert "fields" not in talk.error()  # nothing to mark: the message itself was unreadable


def test_a_refused_command_does_not_stop_training(talk):
    talk.configure()
    talk.send(type="start")
    running = talk.frame(lambda f: f["epoch"] >= 2 and f["running"])
    talk.send(type="add_point", x=0, y=0, label=4)
    assert "label must be between 0 and 1" in talk.error()["detail"]
    later = talk.frame(lambda f: f["epoch"] > running["epoch"] + 5)
    assert later["running"] is True
    talk.send(type="pause")


# ---------------------------------------------------------------- origin, cap, cleanup


def test_cross_origin_handshake_is_refused(make_client):
    client = make_client(allowed_hosts=("testserver",))
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/ws/train", headers={"origin": "http://evil.example"}):
            pass
    assert refused.value.code == 1008
    assert len(client.app.state.sessions) == 0
    # the lab's own page is welcome
    with client.websocket_connect("/ws/train", headers={"origin": "http://testserver"}) as ws:
        assert Talk(ws).hello["session"]


def test_session_is_freed_when_the_socket_closes(lab_client):
    registry = lab_client.app.state.sessions
    with lab_client.websocket_connect("/ws/train") as ws:
        talk = Talk(ws)
        talk.configure()
        talk.send(type="start")
        talk.frame(lambda f: f["epoch"] > 0)
        session = registry.get(talk.hello["session"])
        assert len(registry) == 1 and session.alive
    assert len(registry) == 0
    session.close(timeout=10)  # it stops after its current epoch
    assert not session.alive, "the training thread must stop with the socket"
    assert session.network is None and session.trainer is None
    assert lab_client.get(talk.hello["model_url"]).status_code == 404


def test_busy_past_the_session_cap(make_client):
    client = make_client(max_sessions=2)
    with (
        client.websocket_connect("/ws/train") as first,
        client.websocket_connect("/ws/train") as second,
    ):
        Talk(first), Talk(second)
        assert client.get("/api/trainer/status").json() == {
            "sessions": 2,
            "max_sessions": 2,
            "worker": 0,
        }
        with client.websocket_connect("/ws/train") as third:
            message = json.loads(third.receive_text())
            assert message["code"] == "busy" and "busy" in message["detail"]
            closed = third.receive()
            assert closed["type"] == "websocket.close" and closed["code"] == 1013
    # once the others close, a new session opens
    with client.websocket_connect("/ws/train") as again:
        assert Talk(again).hello["type"] == "hello"


# -------------------------------------------------------------------- latest-wins frames


def test_frames_are_built_only_on_request():
    """A slow reader gets the newest weights, never a queue: no request, no new frame."""
    frames = []
    ready = threading.Event()

    def on_frame():
        frames.append(time.perf_counter())
        ready.set()

    session = TrainingSession("test-session", Settings(), lambda message: None, on_frame)
    session.start()
    try:
        session.submit(p.Start(type="start", config=p.TrainerConfig(**SMALL)))
        session.request_frame()
        assert ready.wait(10)
        first = parse_frame(session.take_frame())[0]
        deadline = time.monotonic() + 10
        while session.trainer.epoch < first["epoch"] + 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(frames) == 1, "frames must not pile up while nobody asks"
        assert session.take_frame() is None
        ready.clear()
        session.request_frame()
        assert ready.wait(10)
        newest = parse_frame(session.take_frame())[0]
        assert newest["epoch"] >= first["epoch"] + 20
    finally:
        session.close()
    assert not session.alive


class SilentClient:
    """A socket whose client sends commands as fast as it can and never reads a reply."""

    def __init__(self, app) -> None:
        self.app = app
        self.reads = 0

    async def accept(self) -> None:
        pass

    async def receive(self) -> dict:
        self.reads += 1
        await asyncio.sleep(0)
        return {"type": "websocket.receive", "text": '{"type": "set", "learning_rate": 0.01}'}

    async def send_text(self, text: str) -> None:
        await asyncio.Event().wait()  # the client never reads: every send waits for ever

    async def send_bytes(self, data: bytes) -> None:
        await asyncio.Event().wait()

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass


def test_a_client_that_never_reads_its_replies_is_not_read_either():
    """Every command is answered; unread answers stop the reading at MAX_OUTBOX instead of
    piling up in the server's memory for as long as the client keeps sending."""
    app = create_app(Settings())

    async def flood() -> tuple[int, int]:
        client = SilentClient(app)
        task = asyncio.create_task(train_socket(client))
        await asyncio.sleep(1.0)
        reads_after_one_second = client.reads
        await asyncio.sleep(0.5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return reads_after_one_second, client.reads

    after_one_second, after_more = run_async(flood())
    assert MAX_OUTBOX // 2 < after_one_second < 2 * MAX_OUTBOX  # it read, then it stopped
    assert after_more == after_one_second
    assert len(app.state.sessions) == 0  # the session closed with the socket
