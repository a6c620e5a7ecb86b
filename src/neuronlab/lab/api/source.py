""" "Show the Python": the highlighted source of the engine function behind a widget.

``GET /api/source/{name}`` serves only names in ``SOURCES`` (a whitelist), so the page can
show the code that ran and nothing else. A value is ``"module:qualname"``; a key ending in
``.*`` admits every function or class *defined* in that module (``activations.relu``).
Add the names your widget shows to ``SOURCES``.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

router = APIRouter(prefix="/api/source", tags=["source"])

SOURCES: dict[str, str] = {
    "network.Network": "neuronlab.engine.network:Network",
    "network.forward": "neuronlab.engine.network:Network.forward",
    "network.backward": "neuronlab.engine.network:Network.backward",
    "network.loss": "neuronlab.engine.network:Network.loss",
    "network.predict_proba": "neuronlab.engine.network:Network.predict_proba",
    "network.hidden_activations": "neuronlab.engine.network:Network.hidden_activations",
    "optimisers.SGD.step": "neuronlab.engine.optimisers:SGD._update",
    "optimisers.Momentum.step": "neuronlab.engine.optimisers:Momentum._update",
    "optimisers.RMSProp.step": "neuronlab.engine.optimisers:RMSProp._update",
    "optimisers.Adam.step": "neuronlab.engine.optimisers:Adam._update",
    "optimisers.Optimizer.step": "neuronlab.engine.optimisers:Optimizer.step",
    "training.Trainer.run_epoch": "neuronlab.engine.training:Trainer.run_epoch",
    "training.Trainer.add_point": "neuronlab.engine.training:Trainer.add_point",
    "training.Trainer": "neuronlab.engine.training:Trainer",
    "training.Trainer.report": "neuronlab.engine.training:Trainer._report",
    "training.Trainer.restore_best": "neuronlab.engine.training:Trainer.restore_best",
    "grid.plane_grid": "neuronlab.engine.grid:plane_grid",
    "activations.*": "neuronlab.engine.activations:*",
    "losses.*": "neuronlab.engine.losses:*",
    "initialisers.*": "neuronlab.engine.initialisers:*",
    "datasets.*": "neuronlab.engine.datasets:*",
    "surfaces.*": "neuronlab.engine.surfaces:*",
    "perceptron.*": "neuronlab.engine.perceptron:*",
    "gradcheck.*": "neuronlab.engine.gradcheck:*",
    "reference.*": "neuronlab.engine.reference:*",
}

_QUALNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # .../src/neuronlab


class SourceCode(BaseModel):
    """One highlighted piece of engine code."""

    name: str  # the whitelist name asked for, e.g. "network.forward"
    qualname: str  # e.g. "Network.forward"
    file: str  # path inside the package, e.g. "neuronlab/engine/network.py"
    line: int  # first line in that file
    html: str  # Pygments HTML, classes styled by /static/css/source.css
    text: str  # the plain source


def _resolve(name: str) -> tuple[str, str] | None:
    if name in SOURCES:
        module, _, qualname = SOURCES[name].partition(":")
        return module, qualname
    prefix, _, rest = name.partition(".")
    target = SOURCES.get(f"{prefix}.*")
    if target is None or not rest or not _QUALNAME.match(rest):
        return None
    return target.partition(":")[0], rest


@lru_cache(maxsize=256)
def load_source(name: str) -> SourceCode:
    """Find, read and highlight a whitelisted engine object; 404 for anything else."""
    found = _resolve(name)
    if found is None:
        known = ", ".join(sorted(SOURCES))
        raise HTTPException(404, f"No source is shown for {name!r}. Known names: {known}.")
    module_name, qualname = found
    try:
        obj = importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise HTTPException(404, f"{module_name} is not part of this version.") from None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise HTTPException(404, f"{module_name} has no {qualname!r}.")
    defined_in = getattr(obj, "__module__", None)
    if not (inspect.isfunction(obj) or inspect.isclass(obj)) or defined_in != module_name:
        raise HTTPException(404, f"{name!r} is not a function or class of {module_name}.")

    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    try:
        lines, start = inspect.getsourcelines(obj)
    except (OSError, TypeError):
        # written at run time (a dataclass's __init__, __eq__, ...): no file holds its lines
        raise HTTPException(
            404, f"{name!r} has no source to show: Python generated it. Ask for its class."
        ) from None
    text = textwrap.dedent("".join(lines))
    if not _starts_with_definition(text, obj.__name__):
        # the file was edited after the server imported it: its lines no longer hold the
        # code that runs, and showing them would show something else
        raise HTTPException(
            409,
            f"The source of {qualname} changed since the lab started: restart "
            "`neuronlab lab` to see the code that runs.",
        )
    html = highlight(text, PythonLexer(), HtmlFormatter(cssclass="source", wrapcode=True))
    path = Path(inspect.getsourcefile(obj) or "").resolve()
    try:
        shown = path.relative_to(_PACKAGE_ROOT.parent).as_posix()
    except ValueError:
        shown = path.name
    return SourceCode(name=name, qualname=qualname, file=shown, line=start, html=html, text=text)


def _starts_with_definition(text: str, name: str) -> bool:
    """Whether the first ``def``/``class`` line of dedented source defines ``name``."""
    first = re.search(r"^(?:async\s+)?(?:def|class)\s+(\w+)", text, re.MULTILINE)
    return first is not None and first.group(1) == name


@router.get("", response_model=list[str])
def source_names() -> list[str]:
    """The whitelisted names (patterns end in ``.*``)."""
    return sorted(SOURCES)


@router.get("/{name}", response_model=SourceCode)
def source(name: str) -> SourceCode:
    """The highlighted source of one whitelisted engine function or class."""
    return load_source(name)
