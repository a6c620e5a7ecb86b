"""race, gradcheck, predict and bench through the real entry point."""

from __future__ import annotations

import csv
import importlib.util
import io

import click
import numpy as np
from PIL import Image

from neuronlab import cli as neuronlab_cli
from neuronlab.engine.serialise import load

from .conftest import run


def test_race_writes_the_figure_and_tables_every_optimiser(tmp_path):
    figure = tmp_path / "race.png"
    result = run("race", "--surface", "bowl", "--out", str(figure))
    assert result.returncode == 0, result.stderr
    with Image.open(figure) as image:
        assert image.size[0] > 500
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│")}
    assert set(rows) >= {"SGD", "Momentum", "RMSProp", "Adam"}  # as the lab names them
    for line in rows.values():  # on the bowl every optimiser gets there
        assert "converged" in line and "step " in line


def test_race_reports_a_divergence(tmp_path):
    result = run(
        "race",
        "-s",
        "bowl",
        "--optimizers",
        "sgd",
        "--lr",
        "1.5",
        "--out",
        str(tmp_path / "race.png"),
    )
    assert result.returncode == 0, result.stderr
    assert "diverged" in result.stdout and "never" in result.stdout


def test_gradcheck_passes_and_fails_by_the_tolerance():
    result = run("gradcheck", "--layers", "3,4,2", "--activation", "tanh")
    assert result.returncode == 0, result.stderr
    for array in ("W1", "b1", "W2", "b2"):
        assert f" {array} " in result.stdout
    assert "every array within 1e-06" in result.stdout
    strict = run("gradcheck", "--layers", "3,4,2", "--activation", "tanh", "--tolerance", "1e-30")
    assert strict.returncode == 1 and "FAIL" in strict.stdout


def test_predict_from_points_and_csv_matches_the_model(trained_run, tmp_path):
    model = trained_run / "model.npz"
    points = tmp_path / "points.csv"
    points.write_text("x1,x2\n0.5,-0.25\n-0.75,0.1\n\n")
    result = run("predict", str(model), str(points), "--point", "0,0")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["x1"], r["x2"]) for r in rows] == [("0", "0"), ("0.5", "-0.25"), ("-0.75", "0.1")]
    network, _ = load(model)
    expected = network.predict_proba(np.array([[0, 0], [0.5, -0.25], [-0.75, 0.1]]))
    got = np.array([[float(r["p0"]), float(r["p1"])] for r in rows])
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert [int(r["class"]) for r in rows] == expected.argmax(axis=1).tolist()


def test_bench_smoke_runs_every_peer():
    result = run("bench", "--smoke", "--quiet", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every peer trained and reached its stated accuracy" in result.stdout
    peers = ["neuronlab", "scikit-learn", "reference"]
    if importlib.util.find_spec("torch") is not None:
        peers.append("pytorch")
    for peer in peers:
        assert peer in result.stdout
    assert "float32 matmul peak" in result.stdout


def test_every_option_of_every_command_has_help():
    for name, command in neuronlab_cli.cli.commands.items():
        assert command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"neuronlab {name} {param.opts[0]} has no help text"


def test_race_makes_the_folder_of_its_figure(tmp_path):
    figure = tmp_path / "figures" / "race.png"
    result = run("race", "--steps", "20", "--optimizers", "adam", "--out", str(figure))
    assert result.returncode == 0, result.stderr
    assert figure.stat().st_size > 0


def test_train_help_says_each_leaky_relus_slope():
    result = run("train", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "leaky_relu_0.1" in text and "slope 0.01" in text and "slope 0.1" in text
