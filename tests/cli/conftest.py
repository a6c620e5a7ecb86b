"""Run the real `neuronlab` console script in a subprocess, as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NEURONLAB = shutil.which("neuronlab") or str(Path(sys.executable).with_name("neuronlab"))


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"COLUMNS": "140", "MPLBACKEND": "Agg"})
    env.pop("NEURONLAB_DEBUG", None)
    return env


def run(*args: str, timeout: float = 60, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`neuronlab ARGS...`; returns the finished process with text stdout and stderr."""
    return subprocess.run(
        [NEURONLAB, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(),
        cwd=cwd,
    )


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> Path:
    """One short training run on spirals with --gif, shared by the tests that read it."""
    out = tmp_path_factory.mktemp("run")
    result = run(
        "train", "--epochs", "25", "--points", "200", "--seed", "3", "--gif", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    return out
