"""The lab's package rule, read from the imports themselves (docs/architecture.md):
nothing imports ``lab/api/``, and ``lab/trainer/`` and ``lab/playground/`` never import each
other. ``app.py`` is the one place that puts the features together."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import neuronlab

PACKAGE = Path(neuronlab.__file__).resolve().parent
LAB = PACKAGE / "lab"


def imported_modules(path: Path) -> set[str]:
    """Every neuronlab module a file imports, as a dotted name, relative imports resolved."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                parent = ".".join(base + ([node.module] if node.module else []))
            else:
                parent = node.module or ""
            found.add(parent)
            found.update(f"{parent}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("neuronlab")}


def lab_files(folder: str = "") -> list[Path]:
    return sorted((LAB / folder).rglob("*.py"))


def test_nothing_but_the_app_imports_the_widget_routers():
    offenders = []
    for path in lab_files():
        if path.name == "app.py" and path.parent == LAB or LAB / "api" in path.parents:
            continue
        if any(name.startswith("neuronlab.lab.api") for name in imported_modules(path)):
            offenders.append(str(path.relative_to(LAB)))
    assert offenders == []


def test_trainer_and_playground_do_not_import_each_other():
    for mine, theirs in (("trainer", "playground"), ("playground", "trainer")):
        for path in lab_files(mine):
            names = imported_modules(path)
            assert not any(n.startswith(f"neuronlab.lab.{theirs}") for n in names), path


def test_the_engine_imports_nothing_above_it():
    for path in sorted((PACKAGE / "engine").rglob("*.py")):
        names = imported_modules(path)
        assert all(n.startswith("neuronlab.engine") for n in names), (path, names)


def test_the_rule_reader_sees_relative_imports(tmp_path):
    # a check that reads no imports would pass every rule above: make sure it resolves them
    names = imported_modules(LAB / "trainer" / "routes.py")
    assert "neuronlab.lab.trainer.protocol" in names
    assert "neuronlab.lab.settings" in names


def test_the_architecture_page_names_every_module():
    """docs/architecture.md is the contributors' map: a module it does not name is missing
    from it (the widget routers of lab/api/ are named in a list, without .py)."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text(
        encoding="utf-8"
    )
    unnamed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        in_api = path.parent.name == "api"
        if path.name not in page and not (in_api and re.search(rf"\b{path.stem}\b", page)):
            unnamed.append(str(path.relative_to(PACKAGE)))
    assert not unnamed, f"docs/architecture.md does not name {unnamed}"


class ControlsInMountPoints(HTMLParser):
    """Collects the controls written inside a section's ``data-widget`` elements."""

    CONTROLS = {"input", "select", "textarea", "button", "output", "canvas"}
    VOID = {"input", "br", "img", "hr", "meta", "link", "wbr", "source", "col", "area"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # open elements inside a mount point (0: outside every one)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth:
            if tag in self.CONTROLS:
                self.found.append((tag, attributes.get("id") or ""))
            if tag not in self.VOID:
                self.depth += 1
        elif "data-widget" in attributes and tag not in self.VOID:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1


def test_every_widget_builds_its_own_controls():
    # one widget shape: a section's HTML holds the prose and a mount point; the widget's
    # module builds its controls (the playground used to bind a dozen ids of static HTML)
    sections = sorted((LAB / "static" / "sections").glob("*.html"))
    assert sections
    for path in sections:
        parser = ControlsInMountPoints()
        parser.feed(path.read_text(encoding="utf-8"))
        assert parser.found == [], (path.name, parser.found)


def test_the_mount_point_reader_sees_controls():
    parser = ControlsInMountPoints()
    parser.feed('<div data-widget="x"><p>Loading</p><div><button id="b">Go</button></div></div>')
    parser.feed("<button>outside</button>")
    assert parser.found == [("button", "b")]
