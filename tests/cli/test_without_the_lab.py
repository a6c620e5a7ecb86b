"""A library-only install: without the lab's packages, neuronlab imports, fits and trains, and
`neuronlab lab` says what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from .conftest import cli_env

# a Python that cannot import the lab's dependencies, as after `pip install neuronlab`
BLOCK = textwrap.dedent(
    """
    import importlib.abc, sys
    LAB = {"fastapi", "uvicorn", "plotly", "pygments", "starlette", "distributed", "dask"}

    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in LAB:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    import importlib.util
    _find = importlib.util.find_spec
    importlib.util.find_spec = lambda name, *a: None if name.split(".")[0] in LAB else (
        _find(name, *a)
    )
    """
)


def python(code: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + textwrap.dedent(code)],
                          capture_output=True, text=True, env=cli_env(), timeout=120,
                          cwd=tmp_path)  # fmt: skip


def test_the_library_and_train_work_without_the_lab(tmp_path):
    result = python(
        """
        import warnings
        warnings.simplefilter("ignore")
        import neuronlab
        from sklearn.datasets import make_moons
        X, y = make_moons(100, random_state=0)
        model = neuronlab.MLPClassifier((8,), max_iter=20, random_state=0).fit(X, y)
        neuronlab.save(model, "m.npz")
        print("score", neuronlab.load("m.npz").score(X, y))
        from neuronlab.cli import main
        main(["train", "--epochs", "3", "--points", "60", "-q", "--out", "run"])
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "score " in result.stdout and (tmp_path / "run" / "model.npz").exists()
    for name in ("fastapi", "uvicorn", "plotly"):
        assert name not in result.stderr


def test_lab_without_its_packages_says_what_to_install(tmp_path):
    result = python('from neuronlab.cli import main\nmain(["lab", "--no-browser"])\n', tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "pip install 'neuronlab[lab]'" in result.stderr
    assert "fastapi, uvicorn, plotly, pygments are not installed" in result.stderr


def test_sweep_without_dask_says_what_to_install(tmp_path):
    result = python('from neuronlab.cli import main\nmain(["sweep"])\n', tmp_path)
    assert result.returncode == 2 and "pip install 'neuronlab[sweep]'" in result.stderr
