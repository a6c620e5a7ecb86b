""" "Show the Python": the highlighted source of the engine function behind a widget.

``GET /api/source/{name}`` serves only names in ``SOURCES`` (a whitelist), so the page can
show the code that ran and nothing else. A value is ``"module:qualname"``; a key ending in
``.*`` admits every function or class *defined* in that module (``activations.relu``).
Add the names your widget shows to ``SOURCES``.

``GET /api/source/panel?names=a,b`` serves a whole panel in two tiers: first the plain
functions of ``engine/reference.py`` that compute the same numbers ("read this"), found in
``PLAIN``, then the engine functions named ("what runs"), each with a sentence on what the
arrangement for speed changes. Code comes with the file's real line numbers, and the lines
that cite an equation (eq. 5, BP2, §8, ...) are highlighted.
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
    "network.forward": "neuronlab.engine.network:Network._forward",  # the maths, past the checks
    "network.backward": "neuronlab.engine.network:Network._backward",  # the maths, past the checks
    "network.loss": "neuronlab.engine.network:Network.loss",
    "network.predict_proba": "neuronlab.engine.network:Network.predict_proba",
    "network.hidden_activations": "neuronlab.engine.network:Network.hidden_activations",
    "optimisers.SGD.step": "neuronlab.engine.optimisers:SGD._update",
    "optimisers.Momentum.step": "neuronlab.engine.optimisers:Momentum._update",
    "optimisers.RMSProp.step": "neuronlab.engine.optimisers:RMSProp._update",
    "optimisers.Adam.step": "neuronlab.engine.optimisers:Adam._update",
    "optimisers.Optimizer.step": "neuronlab.engine.optimisers:Optimizer.step",
    "training.Trainer.run_epoch": "neuronlab.engine.training:Trainer.run_epoch",
    "training.Trainer.epoch_loop": "neuronlab.engine.training:Trainer._run_epoch",
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
    "outcome.*": "neuronlab.engine.outcome:*",
    "perceptron.*": "neuronlab.engine.perceptron:*",
    "gradcheck.*": "neuronlab.engine.gradcheck:*",
    "reference.*": "neuronlab.engine.reference:*",
    "deep_start.*": "neuronlab.engine.deep_start:*",
    "landscape.*": "neuronlab.engine.landscape:*",
}

# engine name -> (its plain twins in reference.py, what the engine's arrangement changes)
_BATCH = "the engine takes a whole minibatch at once, one example per row"
PLAIN: dict[str, tuple[tuple[str, ...], str]] = {
    "network.forward": (
        ("reference.forward",),
        f"{_BATCH}, so eq. 5 is one matrix product per layer, z = a W + b, with W stored "
        "transposed; after the first layer b rides in the product as one more row of W, and "
        "every z and a goes into a buffer kept from call to call.",
    ),
    "network.backward": (
        ("reference.backprop", "reference.batch_backprop"),
        f"{_BATCH}: BP2 is one product δ Wᵀ per layer, BP3 and BP4 one product [a, 1]ᵀ δ "
        "(the first layer, which reads X itself, after the loop), δ carries the 1/n of the "
        "batch mean, and f′(z) is written over z's buffer.",
    ),
    "losses.softmax": (
        ("reference.softmax",),
        "the engine does every row of a batch at once and can write into a buffer it is given.",
    ),
    "losses.cross_entropy": (
        ("reference.cross_entropy",),
        "the engine takes the logits and uses log-softmax, which never takes the log of an "
        "underflowed 0, and averages over the rows of a batch.",
    ),
    "losses.mse": (("reference.mse",), "the engine averages over the rows of a batch."),
    "losses.cross_entropy_delta": (
        ("reference.backprop",),
        "the engine computes BP1′ for a whole batch, with the batch mean's 1/n inside δ.",
    ),
    "optimisers.SGD.step": (
        ("reference.SGD.step",),
        "the engine updates every parameter at once, in one flat array, through a kept buffer.",
    ),
    "optimisers.Momentum.step": (
        ("reference.Momentum.step",),
        "the engine updates every parameter at once, in one flat array, through kept buffers.",
    ),
    "optimisers.RMSProp.step": (
        ("reference.RMSProp.step",),
        "the engine updates every parameter at once, in one flat array, through kept buffers.",
    ),
    "optimisers.Adam.step": (
        ("reference.Adam.step",),
        "the engine updates every parameter at once, in one flat array, and never stores m̂ "
        "or v̂ alone: η m̂ comes from one product, and one buffer takes v̂, √v̂, then √v̂ + ε.",
    ),
    "training.Trainer.epoch_loop": (
        ("reference.train",),
        "the engine shuffles once per epoch by copying the rows in the new order (a large "
        "training set is gathered batch by batch instead), runs one forward, backward and "
        "step per minibatch on whole arrays, and measures the losses after the epoch.",
    ),
    "training.Trainer.run_epoch": (("reference.train",), "run_epoch calls the loop below."),
}
for _name in ("sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu_01", "gelu", "identity"):
    for _f in (_name, f"{_name}_prime"):
        PLAIN[f"activations.{_f}"] = (
            (f"reference.{_f}",),
            "the engine takes a whole array of z at once, writes into a buffer it is given, "
            "and its derivatives may read the activation a as well as z.",
        )

TAG = re.compile(r"(?:eq\. ?\d+|BP\d′?|§\d+)")  # an equation's name, as the course gives it

_QUALNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # .../src/neuronlab


class SourceCode(BaseModel):
    """One highlighted piece of engine code."""

    name: str  # the whitelist name asked for, e.g. "network.forward"
    qualname: str  # e.g. "Network.forward"
    file: str  # path inside the package, e.g. "neuronlab/engine/network.py"
    line: int  # first line in that file
    html: str  # Pygments HTML with the file's line numbers, classes styled by source.css
    text: str  # the plain source
    tagged: list[int]  # the file's numbers of the lines that cite an equation (highlighted)


class Tier(BaseModel):
    """Code of one tier of a panel."""

    heading: str
    sources: list[SourceCode]
    differs: list[str]  # for the engine tier: what the arrangement for speed changes


class SourcePanel(BaseModel):
    """A "Show the Python" panel: the plain code first, then the code that ran."""

    tiers: list[Tier]


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
    relative = [k for k, line in enumerate(text.splitlines(), start=1) if TAG.search(line)]
    formatter = HtmlFormatter(
        cssclass="source", wrapcode=True, linenos="inline", linenostart=start, hl_lines=relative
    )
    html = highlight(text, PythonLexer(), formatter)
    path = Path(inspect.getsourcefile(obj) or "").resolve()
    try:
        shown = path.relative_to(_PACKAGE_ROOT.parent).as_posix()
    except ValueError:
        shown = path.name
    tagged = [start + k - 1 for k in relative]
    return SourceCode(
        name=name, qualname=qualname, file=shown, line=start, html=html, text=text, tagged=tagged
    )


def _starts_with_definition(text: str, name: str) -> bool:
    """Whether the first ``def``/``class`` line of dedented source defines ``name``."""
    first = re.search(r"^(?:async\s+)?(?:def|class)\s+(\w+)", text, re.MULTILINE)
    return first is not None and first.group(1) == name


@router.get("", response_model=list[str])
def source_names() -> list[str]:
    """The whitelisted names (patterns end in ``.*``)."""
    return sorted(SOURCES)


@router.get("/panel", response_model=SourcePanel)
def source_panel(names: str) -> SourcePanel:
    """A panel for the comma- or space-separated whitelisted engine ``names``."""
    wanted = [name for name in re.split(r"[\s,]+", names) if name]
    if not wanted:
        raise HTTPException(
            422, "names must list at least one source name, such as network.forward."
        )
    if len(wanted) > MAX_PANEL_NAMES:
        raise HTTPException(
            422, f"names may list at most {MAX_PANEL_NAMES} sources, got {len(wanted)}."
        )
    return load_panel(wanted)


@router.get("/{name}", response_model=SourceCode)
def source(name: str) -> SourceCode:
    """The highlighted source of one whitelisted engine function or class."""
    return load_source(name)


READ = "Read this: the plain Python, one example and one number at a time"
RUNS = "What runs: the same numbers, arranged for speed"
MAX_PANEL_NAMES = 8


def load_panel(names: list[str]) -> SourcePanel:
    """The two tiers of a panel for the engine ``names`` a widget shows."""
    plain: list[str] = []
    differs: list[str] = []
    for name in names:
        twins, sentence = PLAIN.get(name, ((), ""))
        plain += [twin for twin in twins if twin not in plain]
        if sentence:
            differs.append(f"{load_source(name).qualname}: {sentence}")
    runs = Tier(heading=RUNS if plain else "The code", sources=[], differs=differs)
    runs.sources = [load_source(name) for name in names]
    tiers = [runs]
    if plain:
        tiers.insert(0, Tier(heading=READ, sources=[load_source(n) for n in plain], differs=[]))
    return SourcePanel(tiers=tiers)
