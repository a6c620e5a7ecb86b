"""`neuronlab lab`: the playground follows the address, the session cap, the options for a class."""

from __future__ import annotations

import pytest

from neuronlab.cli import main
from neuronlab.lab.playground.routes import refusal


def in_process(*argv: str) -> int:
    """`neuronlab ARGV...` in this process (quicker than a subprocess); its exit status."""
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    return exit_.value.code


# --- the lab: the playground follows the address ---------------------------------------------
@pytest.fixture
def lab_settings(monkeypatch):
    """Runs `neuronlab lab ...` in process with the server replaced: the Settings it got."""
    started = []

    def fake_run_lab(host, port, open_browser, settings, workers=1):
        started.append(settings)

    monkeypatch.setattr("neuronlab.lab.server.run_lab", fake_run_lab)

    def start(*argv: str, token_in_environment: str | None = None):
        if token_in_environment is None:
            monkeypatch.delenv("NEURONLAB_PLAYGROUND_TOKEN", raising=False)
        else:
            monkeypatch.setenv("NEURONLAB_PLAYGROUND_TOKEN", token_in_environment)
        assert in_process("lab", "--no-browser", *argv) == 0
        return started.pop()

    return start


def test_playground_on_loopback_by_default(lab_settings):
    settings = lab_settings()
    assert settings.host == "127.0.0.1" and refusal(settings, None) is None
    assert settings.max_sessions == 8


def test_a_class_sized_lab_takes_more_sessions(lab_settings):
    assert lab_settings("--max-sessions", "30").max_sessions == 30


def test_playground_off_on_a_network_address_even_with_a_token(lab_settings, capsys):
    lab_settings("--host", "0.0.0.0")
    assert "--allow-playground" in capsys.readouterr().err  # the teacher is told why
    for settings in (
        lab_settings("--host", "0.0.0.0"),
        lab_settings("--host", "0.0.0.0", token_in_environment="left-over"),
        lab_settings("--host", "0.0.0.0", "--playground-token", "chosen"),
    ):
        assert settings.exposed
        code, sentence = refusal(settings, "left-over") or ("", "")
        assert code == "disabled" and "--allow-playground" in sentence


def test_allow_playground_on_a_network_address_demands_a_token(lab_settings):
    settings = lab_settings("--host", "0.0.0.0", "--allow-playground")
    assert settings.playground_token and len(settings.playground_token) >= 16
    assert refusal(settings, None)[0] == "token"
    assert refusal(settings, settings.playground_token) is None
    chosen = lab_settings("--host", "0.0.0.0", "--allow-playground", token_in_environment="abc")
    assert chosen.playground_token == "abc" and refusal(chosen, "abc") is None
