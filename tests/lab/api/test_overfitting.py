"""The live overfitting lab's socket, through a real client: the stream, live changes, the
bounds and the end of a run when its page leaves.

Where a test checks the numbers of a run it trains the same network with the engine here,
with the same change at the same epoch, so a change applied one epoch late would show.
"""

from __future__ import annotations

import json
import random
import time

import numpy as np
import pytest
from starlette.websockets import WebSocketDisconnect

from neuronlab.engine.network import Network
from neuronlab.engine.optimisers import make_optimizer
from neuronlab.engine.training import Trainer
from neuronlab.lab.api.overfitting import live
from neuronlab.lab.api.overfitting.pictures import HIDDEN, LEARNING_RATE, split

pytestmark = pytest.mark.timeout(60)

FAST = {"speed": 1000}


def start(ws, **config) -> dict:
    """Send a start; return the run's ``begin`` message (skipping the greeting)."""
    ws.send_json({"type": "start", "config": config})
    while True:
        message = ws.receive_json()
        if message["type"] == "begin":
            return message
        assert message["type"] == "hello", message


def until(ws, kind: str, collect: list | None = None) -> dict:
    """Read messages up to the first of type ``kind``; epoch rows go into ``collect``."""
    for _ in range(10_000):
        message = ws.receive_json()
        if message["type"] == "epochs" and collect is not None:
            collect += message["rows"]
        if message["type"] == kind:
            return message
        assert message["type"] in ("epochs", "set"), message
    raise AssertionError(f"no {kind} message")


def engine_run(config: live.LiveConfig, changes: dict[int, float], epochs: int) -> list:
    """The same run trained here with the engine: ``changes`` maps an epoch to the L2
    strength it trains with from then on."""
    X, X_train, y_train, X_val, y_val = split(config)
    net = Network([2, *HIDDEN, 2], activation="relu", seed=config.seed)
    trainer = Trainer(
        net,
        make_optimizer("adam", learning_rate=LEARNING_RATE),
        X_train,
        y_train,
        X_val,
        y_val,
        batch_size=len(X_train),
        l2=config.l2,
        seed=config.seed,
    )
    reports = []
    for epoch in range(1, epochs + 1):
        if epoch in changes:
            trainer.l2 = changes[epoch]
        reports.append(trainer.run_epoch())
    return reports


def test_the_stream_sends_every_epoch_in_order_then_says_how_it_ended(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello" and hello["max_epochs"] == live.MAX_EPOCHS
        begin = start(ws, epochs=60, **FAST)
        assert begin["run"] == 1 and begin["layer_sizes"] == [2, 16, 16, 2]
        assert len(begin["train"]["points"]) == len(begin["validation"]["points"]) == 30
        rows: list = []
        end = until(ws, "end", rows)
    assert [r["epoch"] for r in rows] == list(range(1, 61))
    reference = engine_run(live.LiveConfig(epochs=60), {}, 60)
    assert [r["val_loss"] for r in rows] == pytest.approx([r.val_loss for r in reference], 1e-4)
    assert end["reason"] == "finished" and end["epoch"] == 60 and end["stopped_epoch"] is None
    assert end["best_epoch"] == int(np.argmin([r["val_loss"] for r in rows])) + 1
    assert end["message"].startswith("Trained 60 epochs.")


def test_the_pace_spreads_the_epochs_over_time(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, epochs=30, speed=50)
        began = time.monotonic()
        rows: list = []
        messages = 0
        while (message := ws.receive_json())["type"] != "end":
            messages += message["type"] == "epochs"
            rows += message.get("rows", [])
        took = time.monotonic() - began
    assert len(rows) == 30 and messages >= 10  # the curves grow in many steps, not one
    assert took > 0.4  # 30 epochs at 50 a second take about 0.6 s, not a few milliseconds


def test_an_l2_change_mid_run_applies_from_the_next_epoch(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, epochs=200, speed=300)
        rows: list = []
        while not rows or rows[-1]["epoch"] < 40:
            rows += until(ws, "epochs")["rows"]
        ws.send_json({"type": "set", "l2": 0.3})
        ack = until(ws, "set", rows)
        assert ack["l2"] == 0.3 and ack["changed"] == ["l2"] and ack["run"] == 1
        until(ws, "end", rows)
    change = ack["from_epoch"]
    assert 40 < change < 200
    assert all(r["l2"] == 0 for r in rows[: change - 1])
    assert all(r["l2"] == 0.3 for r in rows[change - 1 :])
    # the engine, with the same change at the same epoch, trains the same run...
    changed = engine_run(live.LiveConfig(), {change: 0.3}, 200)
    assert [r["train_loss"] for r in rows] == pytest.approx(
        [r.train_loss for r in changed], rel=1e-4
    )
    # ...and a different one from the run left alone: the penalty holds the weights back,
    # so the training loss stops falling towards zero
    plain = engine_run(live.LiveConfig(), {}, 200)
    assert rows[change - 2]["train_loss"] == pytest.approx(plain[change - 2].train_loss, 1e-4)
    assert rows[-1]["train_loss"] > 2 * plain[-1].train_loss


def test_a_faster_pace_mid_run_trains_faster_from_then_on(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, epochs=2000, speed=10)
        rows = until(ws, "epochs")["rows"]
        ws.send_json({"type": "set", "speed": 1000})
        ack = until(ws, "set", rows)
        began = time.monotonic()
        while time.monotonic() - began < 0.5:
            rows += until(ws, "epochs")["rows"]
        ws.send_json({"type": "stop"})
        until(ws, "end")
    assert ack["speed"] == 1000 and ack["changed"] == ["speed"]
    assert ack["from_epoch"] <= 3  # at 10 a second, the change came before epoch 3
    assert len(rows) > 150  # half a second at 1000 a second (at 10 it would be 5)
    assert [r["epoch"] for r in rows] == list(range(1, len(rows) + 1))


def test_early_stopping_stops_and_says_at_which_epoch(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, early_stopping=True, patience=20, **FAST)
        rows: list = []
        end = until(ws, "end", rows)
    best, stopped = end["best_epoch"], end["stopped_epoch"]
    assert end["reason"] == "stopped_early"
    assert stopped == best + 20 == rows[-1]["epoch"] < 400
    assert end["shown_epoch"] == best and end["shown"]["val_loss"] == rows[best - 1]["val_loss"]
    assert f"restored the weights of epoch {best}" in end["message"]
    assert min(r["val_loss"] for r in rows) == rows[best - 1]["val_loss"]


def test_early_stopping_switched_on_late_stops_at_once(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, epochs=400, speed=300)
        rows: list = []
        while not rows or rows[-1]["epoch"] < 150:  # past the best epoch, about 53
            rows += until(ws, "epochs")["rows"]
        ws.send_json({"type": "set", "early_stopping": True, "patience": 20})
        ack = until(ws, "set", rows)
        end = until(ws, "end", rows)
    assert ack["early_stopping"] is True and ack["patience"] == 20
    assert end["reason"] == "stopped_early"
    assert end["stopped_epoch"] == ack["from_epoch"] - 1 == rows[-1]["epoch"]
    assert end["stopped_epoch"] - end["best_epoch"] >= 20
    assert f"restored the weights of epoch {end['best_epoch']}" in end["message"]


def test_a_new_start_ends_the_run_going(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, epochs=2000, speed=10)
        second = start(ws, epochs=20, **FAST)
        assert second["run"] == 2
        end = until(ws, "end")
        assert end["run"] == 2 and end["epoch"] == 20
        assert lab_client.get("/api/overfitting/live").json()["runs"] == 0


def test_a_run_ends_when_its_page_leaves(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, epochs=2000, speed=20)  # would take 100 s
        until(ws, "epochs")
        assert lab_client.get("/api/overfitting/live").json() == {
            "sockets": 1,
            "runs": 1,
            "max_sockets": 8,
            "worker": 0,
        }
    for _ in range(100):
        status = lab_client.get("/api/overfitting/live").json()
        if status["runs"] == 0:
            break
        time.sleep(0.05)
    assert status["runs"] == 0 and status["sockets"] == 0


def test_stop_ends_the_run_and_says_where(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, epochs=2000, speed=100)
        until(ws, "epochs")
        ws.send_json({"type": "stop"})
        end = until(ws, "end")
    assert end["reason"] == "stopped" and 0 < end["epoch"] < 2000
    assert end["message"].startswith(f"Stopped at epoch {end['epoch']}, as asked.")


def test_stopping_waits_for_the_engine_thread_it_leaves(lab_client, monkeypatch):
    """A stop while a batch of epochs trains in its thread: the thread finishes undisturbed,
    and no picture (the end's included) reads the network while it trains."""
    training: set[int] = set()  # ids of the networks an engine thread is training now
    failures: list[BaseException] = []
    overlaps: list[int] = []
    train, boundary = Trainer.train, live.boundary

    def watched_train(self, epochs):
        training.add(id(self.network))
        try:
            yield from train(self, epochs)
        except BaseException as error:
            failures.append(error)
            raise
        finally:
            training.discard(id(self.network))

    def watched_boundary(network, bounds, grid):
        if id(network) in training:
            overlaps.append(id(network))
        return boundary(network, bounds, grid)

    monkeypatch.setattr(Trainer, "train", watched_train)
    monkeypatch.setattr(live, "boundary", watched_boundary)
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        ws.receive_json()
        for cycle in range(40):
            start(ws, epochs=2000, grid=64, **FAST)
            rows: list = []
            if cycle % 2:
                until(ws, "epochs", rows)
            ws.send_json({"type": "stop"})
            end = until(ws, "end", rows)
            assert end["reason"] == "stopped" and end["run"] == cycle + 1, (
                cycle,
                end["epoch"],
                end["message"],
            )
            # the end shows the weights the engine finished with, at least those already sent
            assert end["epoch"] >= (rows[-1]["epoch"] if rows else 0)
            if end["epoch"]:
                assert end["shown_epoch"] == end["shown"]["epoch"] == end["epoch"]
                assert end["message"].startswith(f"Stopped at epoch {end['epoch']}, as asked.")
    assert not failures and not overlaps


def test_an_idle_socket_closes_and_frees_its_place(lab_client, monkeypatch):
    monkeypatch.setattr(live, "IDLE_LIMIT", 0.3)
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        ws.receive_json()  # hello, then the page reads nothing more
        assert lab_client.get("/api/overfitting/live").json()["sockets"] == 1
        for _ in range(100):
            if lab_client.get("/api/overfitting/live").json()["sockets"] == 0:
                break
            time.sleep(0.05)
        assert lab_client.get("/api/overfitting/live").json()["sockets"] == 0
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == live.IDLE_CODE
    assert closed.value.reason == (
        "The lab closed this connection after 0 s with no run; press Train to open a new one."
    )


def test_a_run_going_keeps_its_socket_open_past_the_idle_limit(lab_client, monkeypatch):
    monkeypatch.setattr(live, "IDLE_LIMIT", 0.3)
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, epochs=80, speed=100)  # 0.8 s of training, well past the limit
        end = until(ws, "end")
        assert end["reason"] == "finished" and end["epoch"] == 80
        began = time.monotonic()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert time.monotonic() - began > 0.1  # counted from the end of the run
    assert closed.value.code == live.IDLE_CODE and "with no run" in closed.value.reason
    assert lab_client.get("/api/overfitting/live").json()["sockets"] == 0


def test_a_run_past_the_time_limit_ends_and_says_why(lab_client, monkeypatch):
    monkeypatch.setattr(live, "TIME_LIMIT", 0.3)
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        start(ws, epochs=2000, speed=100)
        end = until(ws, "end")
    assert end["reason"] == "time_limit" and 10 < end["epoch"] < 100
    assert "a run may take at most" in end["message"]


@pytest.mark.parametrize(
    ("message", "words", "fields"),
    [
        ({"type": "start", "config": {"l2": -0.1}}, "l2 should be greater than", ["l2"]),
        ({"type": "start", "config": {"epochs": 10**6}}, "epochs should be less", ["epochs"]),
        ({"type": "start", "config": {"speed": "fast"}}, "speed should be a valid", ["speed"]),
        ({"type": "start", "config": {"dataset": "spirals"}}, "dataset should be", ["dataset"]),
        (
            {"type": "start", "config": {"early_stopping": "yes"}},
            "true or false",
            ["early_stopping"],
        ),
        ({"type": "start", "config": {"lr": 1}}, "unknown field 'lr'", ["lr"]),
        ({"type": "set", "patience": 0}, "patience should be greater", ["patience"]),
        ({"type": "set"}, "Say what to change", []),
        ({"type": "go"}, "Unknown message type 'go'", []),
        ({"kind": "start"}, "Unknown message type None", []),
    ],
)
def test_bad_messages_get_one_sentence_and_the_socket_stays(lab_client, message, words, fields):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        ws.receive_json()  # hello
        ws.send_json(message)
        error = ws.receive_json()
        assert error["type"] == "error" and words.lower() in error["detail"].lower(), error
        assert error.get("fields", []) == fields, error
        assert error["detail"].endswith(".") and error["detail"].count(". ") == 0
        # and the socket still trains
        start(ws, epochs=10, **FAST)
        assert until(ws, "end")["epoch"] == 10


def test_text_that_is_not_a_json_object_is_refused(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        ws.receive_json()
        ws.send_text("start please")
        assert "must be JSON" in ws.receive_json()["detail"]
        ws.send_bytes(b"\x00\x01")
        assert "as JSON text" in ws.receive_json()["detail"]
        ws.send_text("x" * 5000)
        assert "limited to 2000 characters" in ws.receive_json()["detail"]


def test_a_change_with_no_run_going_says_so(lab_client):
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        ws.receive_json()
        ws.send_json({"type": "set", "l2": 0.1})
        error = ws.receive_json()
    assert error["code"] == "ended" and "No run is going" in error["detail"]


def test_past_the_cap_a_socket_is_told_busy(make_client):
    client = make_client(max_sessions=1)
    with client.websocket_connect("/ws/overfitting") as first:
        first.receive_json()
        with client.websocket_connect("/ws/overfitting") as second:
            error = second.receive_json()
            assert error["code"] == "busy" and "busy" in error["detail"]
            with pytest.raises(WebSocketDisconnect) as closed:
                second.receive_json()
        assert closed.value.code == 1013 and "try again" in closed.value.reason


def test_a_foreign_page_cannot_open_the_socket(lab_client):
    with pytest.raises(WebSocketDisconnect) as refused:
        with lab_client.websocket_connect(
            "/ws/overfitting", headers={"Origin": "http://evil.example"}
        ):
            pass
    assert refused.value.code == 1008 and "Cross-origin" in refused.value.reason


def test_random_messages_never_close_the_socket(lab_client):
    rng = random.Random(7)
    values = [None, True, 0, -1, 1e308, "x", [], {}, 0.5, 10**30, "start", "set"]
    keys = ["type", "config", "l2", "early_stopping", "patience", "speed", "epochs", "seed"]
    with lab_client.websocket_connect("/ws/overfitting") as ws:
        ws.receive_json()
        for _ in range(150):
            message = {rng.choice(keys): rng.choice(values) for _ in range(rng.randint(0, 4))}
            if rng.random() < 0.5:
                message["type"] = rng.choice(["set", "stop", "start", "go"])
            ws.send_text(json.dumps(message))
        ws.send_json({"type": "start", "config": {"epochs": 10, **FAST}})
        for _ in range(1000):
            message = ws.receive_json()
            assert message["type"] in ("error", "begin", "epochs", "set", "end"), message
            if message["type"] == "error":
                assert message["detail"].endswith(".")
            if message["type"] == "end" and message["epoch"] == 10:
                break
        else:
            raise AssertionError("the last run never ended")
