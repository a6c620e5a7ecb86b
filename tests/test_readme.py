"""The README's Python examples run as written, without warnings."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from neuronlab import MLPClassifier

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_library_examples_run_as_written_without_warnings(capsys, tmp_path, monkeypatch):
    blocks = readme_python_blocks()
    # the estimator in ten lines, a grid search on Dask (run below), the engine by hand
    assert len(blocks) == 3 and "parallel_backend" in blocks[1]
    monkeypatch.chdir(tmp_path)  # the example saves spirals.npz where it runs
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a quick start that warns (ConvergenceWarning) fails
        for block in (blocks[0], blocks[2]):
            exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["same"].score(namespace["X_val"], namespace["y_val"]) == (
        namespace["model"].score(namespace["X_val"], namespace["y_val"])
    )
    printed = capsys.readouterr().out.splitlines()
    accuracy = float(printed[0].rsplit(" ", 1)[1])
    assert printed[0].startswith("validation accuracy") and accuracy >= 0.95
    assert len(printed) == 1 + 100  # then one line per epoch of the Trainer example
    assert printed[-1].split()[0] == "100"


@pytest.mark.timeout(180)
def test_readme_grid_search_on_dask_runs_as_written(capsys):
    pytest.importorskip("distributed")
    blocks = readme_python_blocks()
    namespace: dict = {}
    exec(compile(blocks[0].split("model = ")[0], "README.md", "exec"), namespace)  # the data
    namespace["MLPClassifier"] = MLPClassifier
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Dask's own start-up notices are not ours to judge
        exec(compile(blocks[1], "README.md", "exec"), namespace)
    search = namespace["search"]
    assert len(search.cv_results_["params"]) == 4 and search.best_score_ > 0.6
    assert "learning_rate_init" in capsys.readouterr().out
