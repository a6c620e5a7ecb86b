"""An audit of the command line as a user meets it: every dataset's files, clear help, one-line
errors for what used to slip through, and the lab's playground off on a network address."""

from __future__ import annotations

import click
import numpy as np
import pytest
from PIL import Image

from neuronlab import cli as neuronlab_cli
from neuronlab.cli import DATASET_CHOICES, main
from neuronlab.engine.datasets import REAL_DATASETS, REGRESSION_DATASETS
from neuronlab.engine.serialise import load
from neuronlab.lab.playground.routes import refusal

from .conftest import run


def in_process(*argv: str) -> int:
    """`neuronlab ARGV...` in this process (quicker than a subprocess); its exit status."""
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    return exit_.value.code


def picture_of(dataset: str) -> str:
    if dataset in REGRESSION_DATASETS:
        return "surface.png"
    return "confusion.png" if dataset in REAL_DATASETS else "boundary.png"


@pytest.mark.parametrize("dataset", DATASET_CHOICES)
def test_train_writes_every_promised_file_for_every_dataset(dataset, tmp_path, capsys):
    size = [] if dataset in REAL_DATASETS else ["--points", "60"]
    status = in_process(
        "train", "-d", dataset, "--epochs", "2", "-q", *size, "--out", str(tmp_path)
    )
    assert status == 0
    expected = {"model.npz", "history.csv", "loss.png", picture_of(dataset)}
    assert {path.name for path in tmp_path.iterdir()} == expected
    network, metadata = load(tmp_path / "model.npz")
    assert metadata["dataset"] == dataset and metadata["epochs_trained"] == 2
    assert network.output == ("identity" if dataset in REGRESSION_DATASETS else "softmax")
    with Image.open(tmp_path / picture_of(dataset)) as image:
        assert min(image.size) > 300
    assert "finished" in capsys.readouterr().out


def test_multi_class_spirals_animate_every_class(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["-d", "spirals", "--classes", "3", "--points", "150", "--epochs", "4", "-q"]
    assert in_process("train", *args, "--gif", "--out", str(out)) == 0
    network, _ = load(out / "model.npz")
    assert network.layer_sizes[-1] == 3
    with Image.open(out / "training.gif") as gif:
        assert gif.n_frames == 5  # before training, then after each epoch
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
    # the first frame is shaded, not blank: many colours, from the shading and the markers
    assert len(np.unique(first.reshape(-1, 3), axis=0)) > 50


def test_every_option_of_every_command_has_help():
    for name, command in neuronlab_cli.cli.commands.items():
        assert command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"neuronlab {name} {param.opts[0]} has no help text"


# --- bad arguments that used to slip through or name the wrong option -----------------------
def one_line_error(result) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_zero_hidden_units_is_an_error_not_a_network_without_hidden_layers():
    line = one_line_error(run("train", "--hidden", "0", "--epochs", "1"))
    assert "--hidden" in line and "'none'" in line


def test_a_bad_race_start_names_the_start_option():
    line = one_line_error(run("race", "--start", "a,b"))
    assert "--start" in line and "--point" not in line


def test_a_race_start_off_the_map_is_refused_before_any_step(tmp_path):
    result = run("race", "-s", "bowl", "--start", "1e308,1e308", "--out", str(tmp_path / "r.png"))
    line = one_line_error(result)
    assert "--start" in line and "inside the bowl map" in line and "[-2, 2]" in line
    assert "Warning" not in result.stderr and not (tmp_path / "r.png").exists()


def test_a_csv_with_the_wrong_number_of_columns_names_the_file_and_line(tmp_path):
    from neuronlab import Network, save

    model = save(Network([2, 3, 2]), tmp_path / "model.npz")
    points = tmp_path / "points.csv"
    points.write_text("x1,x2\n0.1,0.2\n1,2,3\n", encoding="utf-8")
    line = one_line_error(run("predict", str(model), str(points)))
    assert "points.csv line 3 has 3 columns" in line and "give 2 numbers per row" in line
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    line = one_line_error(run("predict", str(model), str(binary)))
    assert "is not a CSV text file" in line


def test_an_out_folder_that_cannot_be_made_fails_before_training(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    # one line on stderr: the "training ..." line never came
    line = one_line_error(run("train", "--epochs", "50", "--out", str(blocker / "run")))
    assert "--out" in line and "cannot create the folder" in line
    line = one_line_error(run("race", "--steps", "5", "--out", str(blocker / "race.png")))
    assert "--out" in line


def test_race_makes_the_folder_of_its_figure(tmp_path):
    figure = tmp_path / "figures" / "race.png"
    result = run("race", "--steps", "20", "--optimizers", "adam", "--out", str(figure))
    assert result.returncode == 0, result.stderr
    assert figure.stat().st_size > 0


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
