"""`neuronlab sweep`: a grid of settings on a two-worker Dask LocalCluster, bounded in time."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import time

import pytest
from PIL import Image

from .conftest import NEURONLAB, cli_env, run

pytest.importorskip("distributed")  # the sweep extra; scripts/test.sh installs it


def test_a_two_by_two_sweep_writes_the_table_and_the_labelled_grid(tmp_path):
    result = run("sweep", "-d", "moons", "--points", "120", "--epochs", "15",
                 "--lrs", "0.001,0.1", "--widths", "2,8", "--workers", "2",
                 "--out", str(tmp_path), timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "on a local Dask cluster of 2 workers" in result.stderr
    with open(tmp_path / "sweep.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["learning_rate"], r["width"]) for r in rows] == [
        ("0.001", "2"), ("0.001", "8"), ("0.1", "2"), ("0.1", "8"),
    ]  # fmt: skip
    assert all(0 <= float(r["val_accuracy"]) <= 1 and r["epochs"] == "15" for r in rows)
    # a fast rate on a wide net learns the moons; a slow one on two units does not, in 15 epochs
    scores = {(r["learning_rate"], r["width"]): float(r["val_accuracy"]) for r in rows}
    assert scores[("0.1", "8")] > scores[("0.001", "2")]
    with Image.open(tmp_path / "sweep.png") as image:
        assert image.size[0] > 400 and image.size[1] > 400
    assert "learning rate" in result.stdout and "8 units" in result.stdout


def test_ctrl_c_stops_the_sweep_cleanly_and_keeps_what_finished(tmp_path):
    process = subprocess.Popen(
        [NEURONLAB, "sweep", "--points", "2000", "--epochs", "3000", "--lrs", "0.01,0.1",
         "--widths", "64,128", "--out", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        started = False
        while time.monotonic() < deadline and not started:
            line = process.stderr.readline()
            started = line.startswith("sweeping")
        assert started, "the sweep never started"
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 130
    assert "interrupted: 0 of 4 settings finished" in err and "Traceback" not in err


def ctrl_c_at_the_terminal(tmp_path, presses: int):
    """Start a sweep in its own process group, wait for its first setting, then press Ctrl-C
    ``presses`` times as a terminal does: SIGINT to every process of the group (the command
    and the Dask workers it started). Returns (exit code, stderr, the group's id)."""
    process = subprocess.Popen(
        [NEURONLAB, "sweep", "--points", "2000", "--epochs", "300", "--lrs", "0.01,0.02",
         "--widths", "2,256", "--out", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
        start_new_session=True,
    )  # fmt: skip
    seen = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(s.startswith("  1/4") for s in seen):
            line = process.stderr.readline()
            if not line:
                break
            seen.append(line)
        assert any(s.startswith("  1/4") for s in seen), "".join(seen)
        for press in range(presses):
            if press:
                time.sleep(0.5)
            os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    return process.returncode, "".join(seen) + err, process.pid


def alive_in_group(group: int) -> list[str]:
    """The processes of a process group that still run (zombies awaiting their reaper aside)."""
    listed = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-g", str(group)],
                            capture_output=True, text=True).stdout  # fmt: skip
    return [line for line in listed.splitlines() if line.split()[1:2] != ["Z"]]


@pytest.mark.parametrize("presses", [1, 2], ids=["once", "twice"])
def test_ctrl_c_at_the_terminal_is_quiet_keeps_what_finished_and_leaves_no_process(
    tmp_path, presses
):
    code, err, group = ctrl_c_at_the_terminal(tmp_path, presses)
    assert code == 130
    assert "Traceback" not in err and " - WARNING - " not in err and " - ERROR - " not in err, err
    finished = int(err.split("interrupted: ")[1].split(" of 4")[0])
    assert finished >= 1
    with open(tmp_path / "sweep.csv", newline="", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == finished  # what finished is kept, even so
    assert (tmp_path / "sweep.png").exists()
    deadline = time.monotonic() + 15
    while alive_in_group(group) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert alive_in_group(group) == []


def test_an_unreachable_scheduler_is_one_line():
    result = run("sweep", "--scheduler", "tcp://127.0.0.1:9", "--epochs", "1", timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in result.stderr


def test_bad_lists_name_their_option():
    result = run("sweep", "--lrs", "0.1,fast")
    assert result.returncode == 2 and "--learning-rates" in result.stderr
    result = run("sweep", "--widths", "0,4")
    assert result.returncode == 2 and "must be in (0, 1024]" in result.stderr


def test_an_interrupted_grid_keeps_its_panels_aligned_and_labelled(tmp_path):
    from neuronlab.cli.sweep import _figure, train_setting

    base = {"dataset": "moons", "points": 60, "noise": 0.1, "seed": 0, "layers": 2,
            "activation": "relu", "optimizer": "adam", "batch_size": 32, "epochs": 2}  # fmt: skip
    done = [train_setting({**base, "learning_rate": 0.1, "width": 4})]  # one of four finished
    figure = _figure(tmp_path / "sweep.png", done, [0.1, 1.0], [4, 8], base)
    figure.canvas.draw()
    boxes = {tuple(round(v) for v in ax.get_position().size * 100) for ax in figure.axes}
    assert len(boxes) == 1, boxes  # "not run" panels are the shape of the drawn ones
    assert [ax.get_xlabel() for ax in figure.axes[2:]] == ["4 units × 2 layers",
                                                           "8 units × 2 layers"]  # fmt: skip
    assert [ax.get_ylabel() for ax in figure.axes[::2]] == ["η = 0.1", "η = 1"]


def test_a_one_column_grid_shows_its_whole_title(tmp_path):
    from neuronlab.cli.sweep import _figure, train_setting

    base = {"dataset": "circles", "points": 60, "noise": 0.1, "seed": 0, "layers": 2,
            "activation": "relu", "optimizer": "sgd", "batch_size": 32, "epochs": 2}  # fmt: skip
    done = [train_setting({**base, "learning_rate": rate, "width": 8}) for rate in (0.1, 10.0)]
    figure = _figure(tmp_path / "sweep.png", done, [0.1, 10.0], [8], base)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()  # measure it as it was written
    title = figure._suptitle.get_window_extent(renderer)
    assert figure.bbox.x0 <= title.x0 and title.x1 <= figure.bbox.x1, (title, figure.bbox)
