"""`neuronlab lab` for a class: --workers, --allowed-host and --node-prefix reach the server,
and bad values are refused with the option's name."""

from __future__ import annotations

import pytest

from neuronlab.cli import main


def run(monkeypatch, capsys, *argv: str):
    """`neuronlab lab --no-browser ARGV` with the server replaced: (exit status, what it got)."""
    started = []

    def fake_run_lab(host, port, open_browser, settings, workers=1):
        started.append((settings, workers))

    monkeypatch.setattr("neuronlab.lab.server.run_lab", fake_run_lab)
    with pytest.raises(SystemExit) as exit_:
        main(["lab", "--no-browser", *argv])
    return exit_.value.code, started, capsys.readouterr().err


def test_a_class_behind_a_balancer(monkeypatch, capsys):
    code, started, _ = run(
        monkeypatch,
        capsys,
        "--workers",
        "2",
        "--allowed-host",
        "Lab.School.Example",
        "--allowed-host",
        "10.0.0.5",
        "--node-prefix",
        "/lab-a",
    )
    assert code == 0
    settings, workers = started[0]
    assert workers == 2
    assert settings.allowed_hosts == ("lab.school.example", "10.0.0.5")
    assert settings.host_allowed("LAB.school.example") and not settings.host_allowed("x.example")
    assert settings.node_prefix == "/lab-a"


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--workers", "0"], "--workers"),
        (["--node-prefix", "lab-a"], "node_prefix"),
        (["--node-prefix", "/a/../b"], "node_prefix"),
        (["--allowed-host", "evil.example/path"], "allowed_hosts"),
    ],
)
def test_bad_values_are_refused_by_name(monkeypatch, capsys, argv, named):
    code, started, err = run(monkeypatch, capsys, *argv)
    assert code == 2 and not started
    assert named in err
