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


def test_predict_without_points_says_how_to_read_stdin(trained_run):
    # `... | neuronlab predict model.npz` without '-' reads nothing: the message says how
    result = run("predict", str(trained_run / "model.npz"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "give a CSV file ('-' reads stdin) or at least one --point" in result.stderr


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
