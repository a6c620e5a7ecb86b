"""Bad arguments: a non-zero exit and one line on stderr that says what to fix, no traceback."""

from __future__ import annotations

import pytest

from .conftest import run

BAD = {
    "epochs not a number": (["train", "--epochs", "many"], "--epochs"),
    "zero epochs": (["train", "--epochs", "0"], "--epochs"),
    "unknown dataset": (["train", "--dataset", "mnist"], "spirals"),
    "hidden sizes not integers": (["train", "--hidden", "16,x"], "--hidden"),
    "negative learning rate": (["train", "--lr", "-0.1"], "--learning-rate"),
    "unknown option": (["train", "--epoch", "3"], "--epoch"),
    "points for a real dataset": (["train", "-d", "digits", "--points", "50"], "--points"),
    "classes for xor": (["train", "-d", "xor", "--classes", "3"], "--classes"),
    "gif without out": (["train", "--gif"], "--out"),
    "misspelt command": (["trian"], "train"),
    "unknown optimiser in the race": (["race", "--optimizers", "sgd,lbfgs"], "lbfgs"),
    "start of one number": (["race", "--start", "1"], "--start"),
    "bad race rate": (["race", "--lr", "adam=fast"], "--learning-rate"),
    "gradcheck of one layer": (["gradcheck", "--layers", "3"], "--layers"),
    "predict a missing model": (["predict", "no-such-model.npz", "--point", "1,2"], "exist"),
    "bench config that is not there": (["bench", "--configs", "9"], "configs"),
    "port out of range": (["lab", "--port", "70000"], "--port"),
}


@pytest.mark.parametrize("argv, words", BAD.values(), ids=BAD.keys())
def test_bad_argument_gives_one_line_saying_what_to_fix(argv, words):
    result = run(*argv)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and words in lines[0], lines[0]


def test_predict_with_the_wrong_number_of_features(trained_run):
    result = run("predict", str(trained_run / "model.npz"), "--point", "1,2,3")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: Invalid value: the model takes 2 features, point 1 has 3: 1,2,3 "
        "(see 'neuronlab predict --help')"
    )


def test_a_file_that_is_not_a_model(tmp_path):
    fake = tmp_path / "model.npz"
    fake.write_text("not a zip file")
    result = run("predict", str(fake), "--point", "1,2")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "not a neuronlab model" in result.stderr


def test_help_is_not_an_error():
    result = run("train", "--help")
    assert result.returncode == 0
    for option in ("--dataset", "--hidden", "--patience", "--dtype", "--gif", "digits"):
        assert option in result.stdout
