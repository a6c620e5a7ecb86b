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
    "no sessions at all": (["lab", "--max-sessions", "0"], "--max-sessions"),
    # nan passes every comparison, so a range alone lets it through
    "nan learning rate": (["train", "--lr", "nan"], "--learning-rate"),
    "nan tolerance": (["gradcheck", "--tolerance", "nan"], "--tolerance"),
    "infinite race distance": (["race", "--near", "inf"], "--near"),
    "network too large": (["train", "--hidden", ",".join(["4096"] * 1000)], "--hidden"),
    "race figure without a file type": (["race", "--out", "runs/figure"], "--out"),
    "smoke config that is not there": (["bench", "--smoke", "--configs", "5"], "smoke run"),
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


def predict_csv(run_dir, tmp_path, data: bytes):
    csv_file = tmp_path / "points.csv"
    csv_file.write_bytes(data)
    return run("predict", str(run_dir / "model.npz"), str(csv_file))


def test_a_csv_with_a_byte_order_mark_keeps_its_first_point(trained_run, tmp_path):
    result = predict_csv(trained_run, tmp_path, b"\xef\xbb\xbf0.5,0.25\n-1,2\n")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.strip().splitlines()
    assert len(rows) == 3  # the header and both points
    assert rows[1].startswith("0.5,0.25,")


def test_a_first_row_with_some_numbers_is_not_taken_for_a_header(trained_run, tmp_path):
    result = predict_csv(trained_run, tmp_path, b"1,abc\n3,4\n")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "line 1 is not all numbers" in result.stderr


def test_a_csv_of_one_unreadable_line_says_how_points_are_written(trained_run, tmp_path):
    result = predict_csv(trained_run, tmp_path, b"width;height\n")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "holds no points" in result.stderr and "separated by commas" in result.stderr
    assert "header" in result.stderr


def test_points_too_large_for_the_model_are_refused_not_predicted_as_nan(trained_run):
    result = run("predict", str(trained_run / "model.npz"), "--point", "1e308,1e308")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "too large" in result.stderr and "nan" not in result.stdout


def test_a_model_with_a_broken_input_scaling_gets_one_line(tmp_path):
    from neuronlab.engine.network import Network
    from neuronlab.engine.serialise import save

    model = save(Network([2, 3, 2]), tmp_path / "m.npz", {"scaling": {"mean": [0, 0]}})
    result = run("predict", str(model), "--point", "1,2")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "invalid input scaling" in result.stderr


def test_race_writes_the_file_it_names(tmp_path):
    result = run("race", "--steps", "5", "--out", str(tmp_path / "race.svg"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "race.svg").is_file() and f"wrote {tmp_path / 'race.svg'}" in result.stdout
