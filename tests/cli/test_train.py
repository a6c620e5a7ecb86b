"""`neuronlab train`: every promised file, a model that loads and agrees, Ctrl-C that keeps it."""

from __future__ import annotations

import csv
import signal
import subprocess
import time

import numpy as np
import pytest
from PIL import Image

from neuronlab.cli import DATASET_CHOICES, main
from neuronlab.engine.datasets import (
    REAL_DATASETS,
    REGRESSION_DATASETS,
    load_real,
    make_dataset,
    train_val_test_split,
)
from neuronlab.engine.serialise import load

from .conftest import NEURONLAB, cli_env, run


def read_history(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_train_writes_every_promised_file(trained_run):
    for name in ("model.npz", "history.csv", "loss.png", "boundary.png", "training.gif"):
        assert (trained_run / name).stat().st_size > 0, name
    assert not (trained_run / "confusion.png").exists()  # two features: a boundary instead
    with Image.open(trained_run / "boundary.png") as image:
        assert image.size[0] > 400 and image.size[1] > 400
    with Image.open(trained_run / "training.gif") as gif:
        assert gif.n_frames > 10  # the boundary at several epochs, not one still


def test_saved_model_loads_and_reproduces_the_reported_accuracy(trained_run):
    network, metadata = load(trained_run / "model.npz")
    assert network.layer_sizes == [2, 16, 16, 2] and network.activation == "relu"
    assert metadata["dataset"] == "spirals" and metadata["epochs_trained"] == 25
    assert metadata["status"] == "finished" and metadata["scaling"] is None
    # the same data and split as the run (seed 3), then the model's own accuracy
    X, y = make_dataset("spirals", n=200, noise=0.1, seed=3)
    X_train, y_train, X_val, y_val, _, _ = train_val_test_split(X, y, val=0.2, seed=3)
    accuracy = float(np.mean(network.predict(X_train) == y_train))
    assert accuracy == metadata["train_accuracy"]
    history = read_history(trained_run / "history.csv")
    assert [int(row["epoch"]) for row in history] == list(range(1, 26))
    assert float(history[-1]["train_accuracy"]) == accuracy
    assert float(history[-1]["val_accuracy"]) == float(np.mean(network.predict(X_val) == y_val))
    assert sum(row["is_best"] == "True" for row in history) >= 1


def test_real_dataset_gets_a_confusion_matrix_and_raw_input_scaling(tmp_path):
    result = run(
        "train", "-d", "iris", "--epochs", "40", "--hidden", "8", "-q", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "confusion.png").exists() and not (tmp_path / "boundary.png").exists()
    network, metadata = load(tmp_path / "model.npz")
    assert network.layer_sizes == [4, 8, 3]
    # the saved scaling turns raw measurements into what the network was trained on
    from sklearn.datasets import load_iris

    raw = load_iris().data
    scaled = (raw - metadata["scaling"]["mean"]) / metadata["scaling"]["scale"]
    np.testing.assert_allclose(scaled, load_real("iris")[0], atol=1e-12)
    assert "iris" in result.stdout and "wrote" in result.stdout


def test_summary_table_reports_the_run():
    result = run("train", "-d", "xor", "--epochs", "5", "--points", "100", "-q")
    assert result.returncode == 0, result.stderr
    for words in ("2-16-16-2", "finished", "5 in", "training", "validation", "--out DIR"):
        assert words in result.stdout, words


def _start_long_training(out) -> subprocess.Popen:
    process = subprocess.Popen(
        [NEURONLAB, "train", "--epochs", "1000000", "--points", "300", "-q", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    first = process.stderr.readline()  # printed once the Ctrl-C handler is in place
    assert first.startswith("training"), first
    time.sleep(0.8)  # some epochs in
    return process


def test_ctrl_c_stops_after_the_epoch_and_leaves_a_loadable_model(tmp_path):
    process = _start_long_training(tmp_path)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    network, metadata = load(tmp_path / "model.npz")
    assert metadata["status"].startswith("interrupted after epoch")
    assert np.isfinite(network.params).all()
    history = read_history(tmp_path / "history.csv")
    assert len(history) == metadata["epochs_trained"] >= 1
    assert (tmp_path / "loss.png").exists() and (tmp_path / "boundary.png").exists()
    assert not list(tmp_path.glob("*.partial.npz"))


def test_second_ctrl_c_stops_at_once_and_still_writes(tmp_path):
    process = _start_long_training(tmp_path)
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    network, metadata = load(tmp_path / "model.npz")
    assert metadata["status"].startswith("interrupted")
    assert len(read_history(tmp_path / "history.csv")) == metadata["epochs_trained"]


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
