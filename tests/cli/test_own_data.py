"""`neuronlab train --csv`, `predict` from stdin, the progress display and the race's outcomes."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

import neuronlab

from .conftest import NEURONLAB, cli_env, run


def write_table(path, delimiter=";"):
    """Three features on very different scales; the class depends on the first two."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)) * [1.0, 10.0, 100.0] + [5.0, -3.0, 1000.0]
    label = np.where((X[:, 0] - 5) + (X[:, 1] + 3) / 10 > 0, "yes", "no")
    lines = [delimiter.join(["size", "weight", "height", "label"])]
    lines += [
        delimiter.join([*(f"{v:.4f}" for v in row), c]) for row, c in zip(X, label, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return X, label


@pytest.fixture(scope="module")
def table_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("table")
    X, label = write_table(folder / "table.csv")
    out = folder / "run"
    result = run("train", "--csv", str(folder / "table.csv"), "--target", "label",
                 "--epochs", "60", "-q", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out, X, label


def test_a_model_trained_on_a_csv_predicts_raw_rows_in_python(table_run):
    out, X, label = table_run
    model = neuronlab.load(out / "model.npz")  # a pipeline: the saved scaling, then the MLP
    assert model.classes_.tolist() == ["no", "yes"]
    assert np.mean(model.predict(X) == label) > 0.9  # raw inputs, no scaling by hand
    assert neuronlab.engine.load(out / "model.npz")[1]["feature_names"] == [
        "size",
        "weight",
        "height",
    ]
    assert (out / "confusion.png").exists()


def test_predict_reads_stdin_sniffs_semicolons_and_names_the_classes(table_run):
    out, X, label = table_run
    rows = "\n".join(";".join(f"{v:.4f}" for v in x) for x in X[:20]) + "\n"
    result = subprocess.run([NEURONLAB, "predict", str(out / "model.npz"), "-"], input=rows,
                            capture_output=True, text=True, env=cli_env(), timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "size,weight,height,class,p_no,p_yes"  # the table's own column names
    predicted = [line.split(",")[3] for line in lines[1:]]
    assert np.mean(np.array(predicted) == label[:20]) >= 0.85


def test_predict_picks_the_models_columns_by_name_from_a_table_with_a_header(table_run, tmp_path):
    out, X, label = table_run
    # the training table itself, target column included, columns in another order
    lines = ["label;height;size;weight"]
    lines += [f"{c};{x[2]:.4f};{x[0]:.4f};{x[1]:.4f}" for x, c in zip(X, label, strict=True)]
    (tmp_path / "again.csv").write_text("\n".join(lines) + "\n")
    result = run("predict", str(out / "model.npz"), str(tmp_path / "again.csv"))
    assert result.returncode == 0, result.stderr
    rows = result.stdout.strip().splitlines()[1:]
    first = [float(v) for v in rows[0].split(",")[:3]]
    np.testing.assert_allclose(first, X[0], rtol=1e-4)  # size, weight, height: the model's order
    predicted = np.array([row.split(",")[3] for row in rows])
    assert np.mean(predicted == label) > 0.9


def test_a_decimal_comma_semicolon_file_is_read(table_run, tmp_path):
    out, X, _ = table_run
    (tmp_path / "eu.csv").write_text(
        "a;b;c\n" + ";".join(f"{v:.2f}".replace(".", ",") for v in X[0])
    )
    result = run("predict", str(out / "model.npz"), str(tmp_path / "eu.csv"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith(f"{X[0, 0]:.2f},")


def test_a_table_as_r_writes_it_dotted_names_and_decimal_commas(tmp_path):
    # R's write.csv2: semicolons, decimal commas, and dots in the column and class names
    X, label = write_table(tmp_path / "plain.csv")
    lines = ["Size.cm;Weight.kg;Height.m;Label.kind"]
    lines += [
        ";".join([*(f"{v:.4f}".replace(".", ",") for v in row), f"kind.{c}"])
        for row, c in zip(X, label, strict=True)
    ]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    result = run("train", "--csv", str(tmp_path / "r.csv"), "--target", "Label.kind",
                 "--epochs", "60", "-q", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    model = neuronlab.load(out / "model.npz")
    assert np.mean(model.predict(X) == np.char.add("kind.", label)) > 0.9
    # predict reads the same table back, its dotted header picking the columns
    result = run("predict", str(out / "model.npz"), str(tmp_path / "r.csv"))
    assert result.returncode == 0, result.stderr
    rows = result.stdout.strip().splitlines()
    assert rows[0].startswith("Size.cm,Weight.kg,Height.m,class,")
    np.testing.assert_allclose([float(v) for v in rows[1].split(",")[:3]], X[0], rtol=1e-4)


def test_a_regression_target_and_tab_separated_stdin(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(200, 2))
    y = 3 * X[:, 0] - 2 * X[:, 1] + 10
    text = "u\tv\tprice\n" + "\n".join(
        f"{a:.4f}\t{b:.4f}\t{c:.4f}" for (a, b), c in zip(X, y, strict=True)
    )
    result = subprocess.run([NEURONLAB, "train", "--csv", "-", "--target", "price", "--epochs",
                             "150", "--lr", "0.01", "-q", "--out", str(tmp_path)], input=text,
                            capture_output=True, text=True, env=cli_env(), timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    model = neuronlab.load(tmp_path / "model.npz")
    assert model.score(X, y) > 0.9
    # the summary gives a regression's score too, not a loss in squared units alone
    row = next(line for line in result.stdout.splitlines() if "│ R²" in line)
    scores = [float(word.strip(",")) for word in row.split() if word[:1] in "-0123456789"]
    assert len(scores) == 2 and min(scores) > 0.9, row  # training, validation


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--target", "colour"], "no column 'colour'; its columns are size, weight, height, label"),
        (["--target", "label", "-d", "xor"], "--dataset is for the built-in datasets"),
        ([], "name the column to predict with --target"),
    ],
)
def test_csv_mistakes_get_one_line(tmp_path, args, words):
    write_table(tmp_path / "t.csv")
    result = run("train", "--csv", str(tmp_path / "t.csv"), *args, "--epochs", "1", "-q")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert words in result.stderr


def test_a_column_without_a_name_is_refused_not_learnt_from(tmp_path):
    # pandas' to_csv() writes its index as a first column with an empty name; learning from
    # it would learn the row order (and need it to predict)
    (tmp_path / "t.csv").write_text(",a,b,y\n0,1.5,2,no\n1,3.5,4,yes\n2,1.0,0,no\n")
    result = run("train", "--csv", str(tmp_path / "t.csv"), "--target", "y", "-q")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "column 1 has no name" in result.stderr and "index=False" in result.stderr


def test_a_text_feature_is_named_with_its_line(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,y\n1,2,0\n3,red,1\n")
    result = run("train", "--csv", str(tmp_path / "t.csv"), "--target", "y", "-q")
    assert result.returncode == 2
    assert "line 3, column 'b': 'red' is not a number" in result.stderr


def test_a_file_that_is_not_text_is_one_sentence(tmp_path):
    (tmp_path / "model.npz").write_bytes(b"PK\x03\x04\x14\x00\xf4\xff binary")
    result = run("train", "--csv", str(tmp_path / "model.npz"), "--target", "y", "-q")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "model.npz is not a CSV text file" in result.stderr
    assert "codec" not in result.stderr  # no Python exception text


def test_training_reads_decimal_commas_as_predict_does(tmp_path):
    X, label = write_table(tmp_path / "t.csv")  # semicolons, decimal points
    european = (tmp_path / "t.csv").read_text().replace(".", ",")
    (tmp_path / "eu.csv").write_text(european.replace("label", "kind, as recorded"))
    out = tmp_path / "run"
    result = run("train", "--csv", str(tmp_path / "eu.csv"), "--target", "kind, as recorded",
                 "--epochs", "60", "-q", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    model = neuronlab.load(out / "model.npz")
    assert np.mean(model.predict(X) == label) > 0.9  # 5,1234 read as 5.1234, not refused


def test_piped_progress_is_lines_with_eta_and_validation_loss():
    result = run("train", "--epochs", "3", "--points", "200")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("epoch ")]
    assert lines and "epoch 3/3  100%  eta 00:00:00  loss " in lines[-1]
    assert " val " in lines[-1] and " val acc " in lines[-1]  # the validation set's accuracy
    assert "for 3 epochs" in result.stderr
    one = run("train", "--epochs", "1", "--points", "50", "-q")
    assert "for 1 epoch;" in one.stderr


def test_piped_lines_of_short_epochs_carry_the_scores_and_a_long_epoch_says_how_far():
    # short epochs over a run of several seconds: every line has the latest scores, not
    # "7% of the epoch" because the two seconds happened to end inside an epoch
    result = run("train", "--points", "20000", "--epochs", "250", timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("epoch ")]
    assert len(lines) >= 3, result.stderr  # the first, at least one 2 s later, the last
    assert all(" loss " in line and "of the epoch" not in line for line in lines), lines
    # one epoch of several seconds (80,000 single-sample steps): how far it is, meanwhile
    result = run("train", "--points", "100000", "--batch-size", "1", "--epochs", "1",
                 "--hidden", "128,128", "--val", "0.2", timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("epoch 1/1")]
    assert any(line.endswith("of the epoch") for line in lines), lines
    assert " loss " in lines[-1]


def test_the_bar_on_an_80_column_terminal_keeps_its_eta_and_scores():
    env = {**cli_env(), "COLUMNS": "80", "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}
    result = subprocess.run([NEURONLAB, "train", "--epochs", "200", "--points", "200"],
                            capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    import re

    frames = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", result.stderr).replace("\r", "\n")
    bars = [line.rstrip() for line in frames.splitlines() if line.startswith("epoch 200/200")]
    assert bars, frames[-500:]
    last = bars[-1]
    assert len(last) <= 80 and "100% eta 0:00:00 loss" in last and " val " in last
    assert "━━━━━━━━━━━━" in last  # the bar kept its 12 characters


def test_the_race_tells_a_saddle_and_a_local_minimum_from_convergence(tmp_path):
    saddle = run("race", "-s", "saddle", "--start", "1.5,0", "--optimizers", "sgd",
                 "--out", str(tmp_path / "s.png"))  # fmt: skip
    assert saddle.returncode == 0, saddle.stderr
    words = " ".join(saddle.stdout.split())  # rich wraps at the terminal's width
    assert "│ SGD" in saddle.stdout and "│ saddle" in saddle.stdout
    assert "SGD: Stuck on a saddle point" in words and "falls away both ways along (0, 1)" in words
    assert "No optimiser reached the minimum" in words
    egg = run("race", "-s", "rastrigin", "--optimizers", "adam", "--out", str(tmp_path / "r.png"))
    words = " ".join(egg.stdout.split())
    assert "local minimum" in words and "lowest known minimum is at (0, 0)" in words
    assert "converged" not in egg.stdout.lower()
    assert os.path.getsize(tmp_path / "r.png") > 0


def test_the_race_table_keeps_every_outcome_whole_at_80_columns(tmp_path):
    env = {**cli_env(), "COLUMNS": "80"}
    result = subprocess.run([NEURONLAB, "race", "--steps", "100", "--out", str(tmp_path / "r.png")],
                            capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    table = [line for line in result.stdout.splitlines() if line.startswith(("┃", "│", "┏", "└"))]
    assert table and max(len(line) for line in table) <= 80
    assert "…" not in "".join(table)  # no word cut short
    # 100 steps on Rosenbrock leave every optimiser on its way: each row says so in full,
    # on one line or wrapped over two
    outcomes: dict[str, str] = {}
    name = None
    for line in table:
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) != 6:
            continue
        name = cells[0] or name
        outcomes[name] = f"{outcomes.get(name, '')} {cells[5]}".strip()
    assert outcomes == dict.fromkeys(["SGD", "Momentum", "RMSProp", "Adam"], "still descending")


def test_the_command_line_race_says_what_the_labs_race_says(tmp_path):
    from fastapi.testclient import TestClient

    from neuronlab.lab.app import create_app

    lab = TestClient(create_app()).post("/api/race/run", json={"surface": "bowl"}).json()
    result = run("race", "-s", "bowl", "--steps", "1000", "--out", str(tmp_path / "b.png"))
    assert result.returncode == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert lab["headline"] in words  # "SGD reached the minimum first, at step 14, and ..."
    for runner in lab["runners"]:
        assert f"{runner['label']}: {runner['message']}" in words
        reached = runner["reached"]
        assert f"│ {runner['label']}" in result.stdout
        assert f"step {reached} │" in result.stdout


def test_a_wine_model_from_the_command_line_predicts_raw_wine_in_python(tmp_path):
    from sklearn.datasets import load_wine

    result = run("train", "-d", "wine", "--epochs", "60", "-q", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    X, y = load_wine(return_X_y=True)  # raw measurements, as the user had them
    model = neuronlab.load(tmp_path / "model.npz")
    assert model.score(X, y) > 0.9  # the saved scaling is applied: no 33% surprise
    network, metadata = neuronlab.engine.load(tmp_path / "model.npz")  # what the lab reads
    assert network.layer_sizes[0] == 13 and metadata["scaling"] is not None


@pytest.mark.parametrize(
    ("near", "kind", "sentence"),
    [
        ("0.1", "still moving", "Momentum: Still moving near the minimum at (1, 1)"),
        ("0.01", "still descending", "give it more steps or a larger rate."),
    ],
)
def test_the_race_rows_and_sentences_read_the_same_near(tmp_path, near, kind, sentence):
    # momentum ends 0.0112 from (1, 1): reached within 0.1, never within 0.01; the table,
    # the headline and the sentence must all say the same
    options = ["--optimizers", "momentum", "--steps", "1000", "--near", near]
    result = run("race", *options, "--out", str(tmp_path / "r.png"))
    assert result.returncode == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert sentence in words and kind in words
    if near == "0.01":
        assert "No optimiser reached the minimum" in words and "near the minimum" not in words
    else:
        assert "Momentum reached the minimum first" in words
