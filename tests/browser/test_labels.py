"""Labels a learner can read: the weight on each edge of the forward-pass and backprop
diagrams, and the tick labels of the 3-D loss surface.

The diagrams are measured in the browser (each label's box from SVG ``getBBox``, each edge
from its line), at the default values and after the numbers change; the 3-D plot's tick
labels are drawn in WebGL, so they are found in pixels: one axis's tick labels at a time,
against the plot with none.
"""

from __future__ import annotations

import io
import math
import os

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from neuronlab.engine.surfaces import SURFACES as neuronlab_surfaces
from tests.browser.support import open_section

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

WIDTHS = [1400, 390]
SURFACES = list(neuronlab_surfaces)  # bowl, the default, first

# Every edge (its line, in drawing order) with its label: the text's box and, if the label has
# one, the box drawn behind it (opaque, white, and above every line: it hides the strokes
# under the number); every node's circle and the boxes of the node's own texts. All in the
# diagram's user units.
GEOMETRY = """(selector) => {
    const svg = document.querySelector(selector + ' svg.w-network');
    const box = (e) => { const b = e.getBBox(); return [b.x, b.y, b.width, b.height]; };
    const lines = [...svg.querySelectorAll('line')];
    const last = lines[lines.length - 1];
    const backing = (text) => {
        const rect = text.parentNode.querySelector('rect');
        if (!rect) return null;
        const style = getComputedStyle(rect);
        const above = last.compareDocumentPosition(rect) & Node.DOCUMENT_POSITION_FOLLOWING;
        const white = style.fill === 'rgb(255, 255, 255)' && Number(style.fillOpacity) === 1;
        return above && white ? box(rect) : null;
    };
    const labels = [...svg.querySelectorAll('text.w-edge-label')];
    const view = svg.viewBox.baseVal;
    return {
        view: [view.width, view.height],
        edges: lines.map((l, k) => ({
            a: [Number(l.getAttribute('x1')), Number(l.getAttribute('y1'))],
            b: [Number(l.getAttribute('x2')), Number(l.getAttribute('y2'))],
            width: Number(l.getAttribute('stroke-width')),
            label: labels[k] ? labels[k].textContent : null,
            text: labels[k] ? box(labels[k]) : null,
            backing: labels[k] ? backing(labels[k]) : null,
        })),
        count: labels.length,
        nodes: [...svg.querySelectorAll('[data-node]')].map((g) => {
            const c = g.querySelector('circle');
            return {
                name: g.dataset.node,
                circle: [Number(c.getAttribute('cx')), Number(c.getAttribute('cy')),
                         Number(c.getAttribute('r'))],
                texts: [...g.querySelectorAll('text')].map(box),
            };
        }),
    };
}"""


def overlap(p: list[float], q: list[float], gap: float = 0.0) -> bool:
    """Whether boxes (x, y, width, height) come closer than ``gap``."""
    return (
        p[0] < q[0] + q[2] + gap
        and q[0] < p[0] + p[2] + gap
        and p[1] < q[1] + q[3] + gap
        and q[1] < p[1] + p[3] + gap
    )


def to_segment(point, a, b) -> float:
    """Distance from a point to the segment a-b."""
    (px, py), (ax, ay), (bx, by) = point, a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def segment_to_box(a, b, box) -> float:
    """Distance from the segment a-b to a box (0 where it enters it), in 0.25-unit steps."""
    x, y, w, h = box
    steps = max(2, math.ceil(4 * math.hypot(b[0] - a[0], b[1] - a[1])))
    t = np.linspace(0.0, 1.0, steps + 1)
    px, py = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
    dx = np.maximum.reduce([x - px, np.zeros_like(px), px - (x + w)])
    dy = np.maximum.reduce([y - py, np.zeros_like(py), py - (y + h)])
    return float(np.hypot(dx, dy).min())


def circle_to_box(circle, box) -> float:
    cx, cy, r = circle
    x, y, w, h = box
    nx, ny = min(max(cx, x), x + w), min(max(cy, y), y + h)
    return math.hypot(cx - nx, cy - ny) - r


def check_labels(page: Page, selector: str, when: str, artifacts_dir: str) -> int:
    """`labels_hold`, with a picture of the diagram if they do not."""
    try:
        return labels_hold(page, selector, when)
    except AssertionError:
        name = f"labels-failed-{selector.split('#')[1]}-{page.viewport_size['width']}.png"
        page.locator(f"{selector} .w-network-scroll").screenshot(
            path=os.path.join(artifacts_dir, name)
        )
        raise


def labels_hold(page: Page, selector: str, when: str) -> int:
    """Assert every edge label is readable and tied to its edge; return how many there are.

    Readable: no stroke runs through the number (a label without an opaque box behind it must
    keep off even its own edge), no label meets another label, a node or a node's text.
    Tied: the label sits on or right beside its own edge, and every other edge keeps clear
    of it.
    """
    g = page.evaluate(GEOMETRY, selector)
    edges = g["edges"]
    assert g["count"] == len(edges) > 0, f"{when}: one label per edge"
    boxes = [e["backing"] or e["text"] for e in edges]
    for k, edge in enumerate(edges):
        name = f"{when}: label {edge['label']!r} of edge {k}"
        box, text = boxes[k], edge["text"]
        if edge["backing"]:
            assert overlap(box, text) and box[0] <= text[0] and box[1] <= text[1], name
            assert box[0] + box[2] >= text[0] + text[2] and box[1] + box[3] >= text[1] + text[3]
        else:
            assert segment_to_box(edge["a"], edge["b"], text) >= edge["width"] / 2 + 1, (
                f"{name} has its own edge's stroke running through it"
            )
        assert 0 <= box[0] and box[0] + box[2] <= g["view"][0], f"{name} leaves the diagram"
        assert 0 <= box[1] and box[1] + box[3] <= g["view"][1], f"{name} leaves the diagram"
        centre = (box[0] + box[2] / 2, box[1] + box[3] / 2)
        assert to_segment(centre, edge["a"], edge["b"]) <= box[3] / 2 + edge["width"] / 2 + 2, (
            f"{name} is not on its edge"
        )
        for m, other in enumerate(edges):
            if m == k:
                continue
            assert not overlap(box, boxes[m], 1), (
                f"{name} meets label {other['label']!r} of edge {m}"
            )
            assert segment_to_box(other["a"], other["b"], box) >= other["width"] / 2 + 2, (
                f"{name} is crossed or crowded by edge {m} ({other['label']!r})"
            )
        for node in g["nodes"]:
            assert circle_to_box(node["circle"], box) >= 1, f"{name} covers node {node['name']}"
            for text_box in node["texts"]:
                assert not overlap(box, text_box), f"{name} covers a text of node {node['name']}"
    return len(edges)


@pytest.mark.parametrize("width", WIDTHS)
def test_forward_weights_are_readable_and_tied_to_their_edges(page, lab_url, artifacts_dir, width):
    open_section(page, lab_url, "forward", width=width)
    section = page.locator("section#forward")
    expect(section.locator("[data-node='2-1'] text.w-node-bias")).to_be_visible()
    assert check_labels(page, "section#forward", "default weights", artifacts_dir) == 12
    section.locator(".w-network-scroll").screenshot(
        path=os.path.join(artifacts_dir, f"labels-forward-{width}.png")
    )
    # new weights change every number (other lengths, other signs), and all five phases
    for seed in range(4):
        before = section.locator("text.w-edge-label").all_text_contents()
        section.locator("[data-action='new-weights']").click()
        expect(section.locator("text.w-edge-label").first).not_to_have_text(before[0])
        check_labels(page, "section#forward", f"new weights {seed + 1}", artifacts_dir)
    for phase in range(4):
        section.locator("[data-action='step']").click()
        expect(section.locator(".w-phase")).to_contain_text(f"Phase {phase + 2} of 5")
        check_labels(page, "section#forward", f"phase {phase + 2}", artifacts_dir)
    section.locator(".w-network-scroll").screenshot(
        path=os.path.join(artifacts_dir, f"labels-forward-{width}-after.png")
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_backprop_numbers_are_readable_and_tied_to_their_edges(page, lab_url, artifacts_dir, width):
    stepper = "section#backprop-stepper"
    open_section(page, lab_url, "backprop-stepper", width=width)
    section = page.locator(stepper)
    expect(section.locator("[data-node-value='2-0']")).not_to_have_text("–")
    assert check_labels(page, stepper, "default weights", artifacts_dir) == 12
    section.locator(".w-network-scroll").screenshot(
        path=os.path.join(artifacts_dir, f"labels-backprop-{width}.png")
    )
    # a large learning rate and three rounds of five steps: the gradients (step 4) and the
    # weights after each update grow longer and change sign
    section.locator("input[name='rate']").fill("2")
    section.locator("input[name='rate']").dispatch_event("input")
    for round_ in range(3):
        for phase in range(1, 6):
            expect(section.locator(".w-phase")).to_contain_text(f"Step {phase} of 5")
            check_labels(page, stepper, f"round {round_}, step {phase}", artifacts_dir)
            if round_ == 2 and phase == 4:
                section.locator(".w-network-scroll").screenshot(
                    path=os.path.join(artifacts_dir, f"labels-backprop-{width}-gradients.png")
                )
            section.locator("[data-action='step']").click()
        expect(section.locator("[data-readout='round']")).to_contain_text(str(round_ + 1))
    section.locator(".w-network-scroll").screenshot(
        path=os.path.join(artifacts_dir, f"labels-backprop-{width}-after.png")
    )


# One axis's tick labels at a time (titles off, so that a title moving with its ticks does not
# count), all of them or only the values given, or (show false) the same plot without them:
# what differs between the two is those tick labels. (The grid lines follow the tick values,
# so both pictures of a pair have the same values.)
SHOW_TICKS = """async ([axis, values, show]) => {
    const plot = document.querySelector('section#surface3d .w-plot3d');
    const change = {};
    for (const a of ['x', 'y', 'z']) {
        change[`scene.${a}axis.showticklabels`] = show && a === axis;
        change[`scene.${a}axis.title.text`] = '';
    }
    if (values) {
        change[`scene.${axis}axis.tickmode`] = 'array';
        change[`scene.${axis}axis.tickvals`] = values;
    }
    await window.Plotly.relayout(plot, change);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    await new Promise((r) => setTimeout(r, 150));
}"""

# the tick values each axis shows: the widget's own list, or plotly's evenly spaced ones
TICKS = """() => {
    const scene = document.querySelector('section#surface3d .w-plot3d')._fullLayout.scene;
    const out = {};
    for (const a of ['x', 'y', 'z']) {
        const axis = scene[a + 'axis'];
        const [lo, hi] = axis.range;
        if (axis.tickmode === 'array') {
            out[a] = axis.tickvals.filter((v) => v >= lo && v <= hi);
        } else {
            out[a] = [];
            for (let v = axis._tmin; v <= axis._tmax + 1e-9; v += axis.dtick) out[a].push(v);
        }
    }
    return out;
}"""


def grow(mask: np.ndarray, by: int) -> np.ndarray:
    """The mask widened by ``by`` pixels each way."""
    out = mask.copy()
    for dy in range(-by, by + 1):
        for dx in range(-by, by + 1):
            out |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out


def where(mask: np.ndarray) -> tuple[int, int]:
    y, x = np.argwhere(mask)[0]
    return int(x), int(y)


# every surface on a phone, where the ticks are most cramped; two at 1400 px
THREE_D = [(surface, 390) for surface in SURFACES] + [("bowl", 1400), ("rosenbrock", 1400)]


@pytest.mark.parametrize(("surface", "width"), THREE_D)
def test_3d_tick_labels_do_not_collide_in_the_default_view(
    page, lab_url, artifacts_dir, width, surface
):
    open_section(page, lab_url, "surface3d", query=f"?surface3d.surface={surface}", width=width)
    section = page.locator("section#surface3d")
    expect(section.locator(".w-plot3d .main-svg").first).to_be_visible(timeout=15_000)
    page.mouse.move(0, 0)  # no hover label over the plot
    plot = section.locator(".w-plot3d")
    expect(section.locator(".widget")).to_have_attribute("data-surface", surface)
    plot.screenshot(path=os.path.join(artifacts_dir, f"labels-surface3d-{surface}-{width}.png"))
    ticks = page.evaluate(TICKS)

    def shot() -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(plot.screenshot())).convert("L"), dtype=int)

    def picture(axis: str, values=None, show=True) -> np.ndarray:
        page.evaluate(SHOW_TICKS, [axis, values, show])
        # the WebGL scene redraws in its own frames: take it once two shots agree
        before = shot()
        for _ in range(8):
            now = shot()
            if np.array_equal(now, before):
                return now
            before = now
        raise AssertionError(f"the 3-D plot kept changing after a relayout ({axis} axis)")

    def labels(axis: str, values=None) -> np.ndarray:
        mask = np.abs(picture(axis, values) - picture(axis, values, show=False)) > 40
        assert mask.sum() > 20, f"no tick labels found on the {axis} axis"
        return mask

    bare = picture("x", show=False)
    masks = {axis: labels(axis) for axis in "xyz"}
    assert (np.abs(picture("x", show=False) - bare) > 40).sum() == 0, "the plot redraws unlike"
    # neighbours on one axis: every other tick against the ticks between them
    for axis in "xyz":
        assert len(ticks[axis]) >= 3, f"the {axis} axis shows fewer than three ticks"
        even, odd = labels(axis, ticks[axis][0::2]), labels(axis, ticks[axis][1::2])
        touching = grow(even, 1) & grow(odd, 1)
        assert not touching.any(), (
            f"{surface} at {width} px: two {axis} tick labels touch near pixel {where(touching)}"
        )
    for p, q in [("x", "y"), ("x", "z"), ("y", "z")]:
        touching = grow(masks[p], 1) & grow(masks[q], 1)
        assert not touching.any(), (
            f"{surface} at {width} px: a {p} tick label touches a {q} tick label"
            f" near pixel {where(touching)}"
        )
