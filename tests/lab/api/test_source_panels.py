"""The "Show the Python" panels: plain code first, what runs second, real line numbers, and
every equation a section teaches present in the code its panel shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import neuronlab

SECTIONS = Path(neuronlab.__file__).parent / "lab" / "static" / "sections"
PACKAGE_ROOT = Path(neuronlab.__file__).parent.parent


def section_panels() -> list[tuple[str, str, list[str]]]:
    """(section file, panel names, the equation tags its MathML shows) for every panel."""
    found = []
    for path in sorted(SECTIONS.glob("*.html")):
        html = path.read_text(encoding="utf-8")
        tags = re.findall(r"<mtext>\((eq\. \d+|BP\d′?|§\d+)", html)
        for names in re.findall(r'data-source="([^"]+)"', html):
            found.append((path.name, names, tags))
    return found


def panel(client, names: str) -> dict:
    response = client.get("/api/source/panel", params={"names": names})
    assert response.status_code == 200, response.text
    return response.json()


def tier_text(tier: dict) -> str:
    return "\n".join(source["text"] for source in tier["sources"])


@pytest.mark.parametrize(("section", "names", "tags"), section_panels())
def test_each_panel_holds_the_equations_its_section_teaches(lab_client, section, names, tags):
    body = panel(lab_client, names)
    shown = "\n".join(tier_text(tier) for tier in body["tiers"])
    for tag in tags:
        assert tag in shown, f"{section}: its panel ({names}) never cites {tag}"


def test_the_sections_teach_what_we_expect_to_check():
    # guards the test above against a regex that silently finds nothing
    by_section = {section: tags for section, _, tags in section_panels()}
    assert set(by_section["08-backprop.html"]) >= {"BP1", "BP1′", "BP2", "BP3", "BP4"}
    assert "eq. 5" in by_section["03-forward.html"]
    assert "eq. 9" in by_section["05-descent.html"]


def test_the_backprop_panel_reads_plain_first_and_both_tiers_hold_bp1_to_bp4(lab_client):
    names = next(names for section, names, _ in section_panels() if section == "08-backprop.html")
    read, runs = panel(lab_client, names)["tiers"]
    assert read["heading"].startswith("Read this")
    assert runs["heading"].startswith("What runs: the same numbers, arranged for speed")
    assert [s["name"] for s in read["sources"]][0] == "reference.backprop"
    assert [s["name"] for s in runs["sources"]] == ["network.backward"]
    for tier in (read, runs):
        for tag in ("BP1′", "BP2", "BP3", "BP4"):
            assert tag in tier_text(tier), (tier["heading"], tag)
    assert "BP1 " in tier_text(read) or "BP1:" in tier_text(read) or "# BP1\n" in tier_text(read)
    assert len(runs["differs"]) == 1 and "minibatch" in runs["differs"][0]


def test_line_numbers_are_the_files_and_tagged_lines_cite_an_equation(lab_client):
    read, runs = panel(lab_client, "network.backward")["tiers"]
    for source in read["sources"] + runs["sources"]:
        lines = (PACKAGE_ROOT / source["file"]).read_text(encoding="utf-8").splitlines()
        name = source["qualname"].rsplit(".", 1)[-1]
        assert lines[source["line"] - 1].lstrip().startswith(f"def {name}(")
        assert source["tagged"], source["name"]
        for number in source["tagged"]:
            assert re.search(r"eq\. ?\d+|BP\d|§\d+", lines[number - 1]), (source["name"], number)
        # the HTML numbers its lines from the def line and highlights the tagged ones
        assert f'<span class="linenos">{source["line"]}</span>' in source["html"]
        assert source["html"].count('class="hll"') == len(source["tagged"])


def test_the_training_loop_panel_shows_the_loop_itself(lab_client):
    names = next(n for s, n, _ in section_panels() if s == "09-training-loop.html")
    read, runs = panel(lab_client, names)["tiers"]
    assert read["sources"][0]["name"] == "reference.train"
    assert "rng.shuffle(order)" in tier_text(read)
    loop = tier_text(runs)
    assert "for i in range(0, n, bs):" in loop and "opt.step(params, grads)" in loop


def test_every_activation_panel_has_its_plain_twin(lab_client):
    functions = {"leaky_relu_0.1": "leaky_relu_01"}  # a Python name has no dot
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu_0.1", "gelu"):
        view = lab_client.post("/api/activations/evaluate", json={"activation": name, "z": 0.5})
        read, runs = panel(lab_client, ",".join(view.json()["source"]))["tiers"]
        function = functions.get(name, name)
        assert [s["name"] for s in read["sources"]] == [
            f"reference.{function}",
            f"reference.{function}_prime",
        ]
    read, _ = panel(lab_client, "activations.sigmoid,activations.sigmoid_prime")["tiers"]
    assert "eq. 3" in tier_text(read) and "eq. 4" in tier_text(read)


def test_an_engine_function_without_a_plain_twin_is_shown_alone(lab_client):
    (only,) = panel(lab_client, "surfaces.descend")["tiers"]
    assert only["heading"] == "The code" and only["differs"] == []


@pytest.mark.parametrize(
    ("names", "status"),
    [
        ("", 422),
        ("os.system", 404),
        ("network.forward,nope.nope", 404),
        (",".join(["losses.mse"] * 9), 422),
    ],
)
def test_bad_panel_requests_get_a_sentence(lab_client, names, status):
    response = lab_client.get("/api/source/panel", params={"names": names})
    assert response.status_code == status
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.endswith(".")
