"""Which ``config`` answers which ``configure``: a configure's ``seq`` comes back as the
``reply_to`` of its answer (a config or an error), and the configs the session sends on its
own (Re-seed, Regenerate, ``set``, a loaded model) carry none. The page relies on this to
never take an older config over settings the learner changed since."""

from __future__ import annotations

import pytest

from neuronlab.engine.network import Network
from neuronlab.engine.serialise import save
from tests.lab.trainer.test_trainer_ws import SMALL, Talk, session_of

pytestmark = pytest.mark.timeout(60)


def answer(talk: Talk) -> dict:
    """The next config or error."""
    return talk.until(lambda m: m["type"] in ("config", "error"))


def test_a_configure_is_answered_with_its_number(talk):
    talk.send(type="configure", config=SMALL, seq=1)
    config = answer(talk)
    assert config["type"] == "config" and config["reply_to"] == 1
    assert config["config"]["points"] == SMALL["points"]
    talk.send(type="configure", config={**SMALL, "features": ["sin_x2"]}, seq=2)
    config = answer(talk)
    assert (config["reply_to"], config["config"]["features"]) == (2, ["sin_x2"])


def test_a_configure_without_a_number_is_answered_without_one(talk):
    talk.send(type="configure", config=SMALL)
    assert "reply_to" not in answer(talk)  # a client that does not number them, as before


def test_the_session_own_changes_carry_no_number(lab_client, talk, tmp_path):
    talk.send(type="configure", config=SMALL, seq=1)
    assert answer(talk)["reply_to"] == 1
    for command in ({"type": "reseed"}, {"type": "regenerate"}, {"type": "set", "l2": 0.001}):
        talk.send(**command)
        config = answer(talk)
        assert config["type"] == "config" and "reply_to" not in config, command
    model = save(Network([2, 12, 2], seed=3), tmp_path / "model.npz").read_bytes()
    response = lab_client.post(f"{talk.hello['model_url']}?name=m.npz", content=model)
    assert response.status_code == 200, response.text
    loaded = answer(talk)
    assert loaded["config"]["units"] == 12 and "reply_to" not in loaded


def test_answers_keep_the_order_of_the_commands(talk):
    # what the page sees when a Re-seed is answered while its next configure is on its way
    talk.send(type="configure", config=SMALL, seq=1)
    talk.send(type="reseed", seed=4321)
    talk.send(type="configure", config={**SMALL, "features": ["x1_squared"]}, seq=2)
    said = [answer(talk) for _ in range(3)]
    assert [m.get("reply_to") for m in said] == [1, None, 2]
    assert said[1]["config"]["weights_seed"] == 4321
    # the configure carried the page's weights seed: its answer says which one is in force
    assert said[2]["config"]["weights_seed"] == SMALL.get("weights_seed", 0)


def test_a_start_with_a_config_is_answered_with_its_number(talk):
    talk.send(type="start", config=SMALL, seq=5)
    assert answer(talk)["reply_to"] == 5
    talk.until(lambda m: m["type"] == "status" and m["running"])
    talk.send(type="pause")


def test_a_refused_configure_is_answered_with_its_number(talk):
    talk.send(type="configure", config=SMALL, seq=1)
    answer(talk)
    talk.send(type="configure", config={**SMALL, "points": 9000}, seq=2)
    error = answer(talk)
    assert error["type"] == "error" and error["reply_to"] == 2
    assert error["fields"] == ["points"] and "Points" in error["detail"]
    talk.send(type="start", config={**SMALL, "units": 999}, seq=3)
    error = answer(talk)
    assert (error["type"], error["reply_to"], error["fields"]) == ("error", 3, ["units"])


def test_an_engine_refusal_answers_the_configure_it_refused(talk, monkeypatch):
    talk.send(type="configure", config=SMALL, seq=1)
    answer(talk)

    def refuse(*args, **kwargs):
        raise ValueError("the engine refuses this network")

    monkeypatch.setattr("neuronlab.lab.trainer.session.build_trainer", refuse)
    talk.send(type="configure", config={**SMALL, "units": 9}, seq=2)
    error = answer(talk)
    assert (error["type"], error["reply_to"]) == ("error", 2)
    assert "engine refuses" in error["detail"]


def test_other_refusals_answer_no_configure(talk):
    talk.send(type="configure", config=SMALL, seq=1)
    answer(talk)
    talk.send(type="add_point", x=0, y=0, label=4)
    assert "reply_to" not in talk.error()
    talk.send(type="step", epochs=0)
    assert "reply_to" not in talk.error()


@pytest.mark.parametrize(
    "seq, said",
    [
        (0, "Seq should be greater than or equal to 1"),
        (-3, "Seq should be greater than or equal to 1"),
        (2**53, "Seq should be less than or equal to 9007199254740991"),
        ("4", "Seq should be a valid integer"),
        (4.0, "Seq should be a valid integer"),
        (True, "Seq should be a valid integer"),
    ],
)
def test_a_bad_number_is_refused_in_a_sentence_naming_it(lab_client, talk, seq, said):
    talk.send(type="configure", config=SMALL, seq=1)
    answer(talk)
    talk.send(type="configure", config={**SMALL, "units": 12}, seq=seq)
    error = answer(talk)
    assert error["type"] == "error" and said in error["detail"], error["detail"]
    assert error["detail"].endswith(".") and error["fields"] == ["seq"]
    assert "reply_to" not in error  # it has no number to answer
    talk.send(type="configure", config=SMALL, seq=2)  # the session lives on, unchanged
    assert answer(talk)["reply_to"] == 2
    assert session_of(lab_client, talk).config.units == SMALL["units"]
