"""A light first load in Chromium: no plotly.js at the top of the page, charts drawn once near.

The page opens at the top and is left alone: plotly.js is not asked for. The learner scrolls
to each section with a chart (the 3-D surface, the trainer, the overfitting lab) and each one
draws. A link that opens at a chart, with the widget configured in the address, draws it
configured. The files come gzipped under one version segment, and a second visit takes them
from the browser's cache. How many bytes and how soon Train works are measured by
``scripts/measure_first_load.py``, not asserted here.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

READY = "html[data-ready='true']"
CHARTS = {"surface3d": ".w-plot3d", "trainer": "#tr-chart", "overfitting": ".w-chart"}


def record_requests(page: Page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def plotly_asked(urls: list[str]) -> bool:
    return any(url.endswith("/plotly.min.js") for url in urls)


def problems_of(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: message.type == "error" and problems.append(message.text),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}")
        ),
    )
    return problems


def quiet(page: Page) -> None:
    """Let the first load finish: every widget mounted, the network idle."""
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_load_state("networkidle", timeout=30_000)


@pytest.mark.parametrize("width,height", [(1400, 900), (390, 844)])
def test_plotly_waits_until_a_chart_comes_near(page: Page, lab_url, artifacts_dir, width, height):
    problems = problems_of(page)
    urls = record_requests(page)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(lab_url)
    quiet(page)
    assert not plotly_asked(urls), "plotly.js was fetched at the top of the page"
    assert page.evaluate("window.Plotly === undefined")
    for name, chart in CHARTS.items():
        expect(page.locator(f"section#{name} {chart} .main-svg")).to_have_count(0)

    for name, chart in CHARTS.items():  # the learner scrolls down to each chart in turn
        page.locator(f"section#{name} {chart}").scroll_into_view_if_needed()
        expect(page.locator(f"section#{name} {chart} .main-svg").first).to_be_visible(
            timeout=30_000
        )
        page.locator(f"section#{name} {chart}").screenshot(
            path=os.path.join(artifacts_dir, f"first-load-{name}-{width}.png")
        )
    assert plotly_asked(urls)
    assert sum(url.endswith("/plotly.min.js") for url in urls) == 1  # fetched once for all
    # the 3-D plot has its surface, the overfitting chart its two curves (and the best epoch)
    expect(page.locator("section#surface3d .w-plot3d .gl-container canvas").first).to_be_attached()
    expect(
        page.locator("section#overfitting .w-chart .scatterlayer .trace").nth(1)
    ).to_be_attached()
    assert problems == []


def test_a_link_that_opens_at_a_chart_draws_it_as_configured(page: Page, lab_url, artifacts_dir):
    problems = problems_of(page)
    urls = record_requests(page)
    page.set_viewport_size({"width": 1400, "height": 900})
    query = "?surface3d.surface=saddle&surface3d.ex=0&surface3d.ey=2.2&surface3d.ez=0.9"
    page.goto(f"{lab_url}{query}#surface3d")
    section = page.locator("section#surface3d")
    plot = section.locator(".w-plot3d")
    expect(plot.locator(".main-svg").first).to_be_visible(timeout=30_000)
    expect(section.get_by_label("surface", exact=True)).to_have_value("saddle")
    expect(section.locator("[data-readout='camera']")).to_contain_text("x 0.00, y 2.20, z 0.90")
    expect(section.locator(".widget")).to_have_attribute("data-surface", "saddle")
    # the plot's own camera is the one from the link (plotly holds it in the element's layout)
    eye = plot.evaluate("(el) => el._fullLayout.scene.camera.eye")
    assert [round(eye[axis], 2) for axis in "xyz"] == [0, 2.2, 0.9]
    # a view button turns the plot once it is drawn
    section.get_by_role("button", name="View from above").click()
    expect(section.locator("[data-readout='camera']")).to_contain_text("z 2.60")
    assert plot.evaluate("(el) => el._fullLayout.scene.camera.eye.z") == pytest.approx(2.6)
    section.screenshot(path=os.path.join(artifacts_dir, "first-load-link-surface3d.png"))
    assert plotly_asked(urls)
    assert problems == []


def test_a_link_to_the_overfitting_lab_draws_its_chart(page: Page, lab_url, artifacts_dir):
    problems = problems_of(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{lab_url}?overfit.l2=0.01&overfit.early=1#overfitting")
    section = page.locator("section#overfitting")
    # the link opens at the section's heading; on a phone its prose and controls come first,
    # and the chart (with plotly) arrives, and the run starts, as the learner scrolls to it
    section.locator(".w-chart").scroll_into_view_if_needed()
    expect(section.locator(".widget")).to_have_attribute("data-state", "finished", timeout=30_000)
    # the finished run's chart: both curves, the best epoch's star and its label
    expect(section.locator(".w-chart .annotation-text", has_text="best")).to_be_visible(
        timeout=30_000
    )
    expect(section.locator(".w-chart .scatterlayer .trace")).to_have_count(3)
    expect(section.get_by_label("L2 strength λ")).to_have_attribute("aria-valuetext", "0.01")
    section.screenshot(path=os.path.join(artifacts_dir, "first-load-link-overfitting-390.png"))
    assert problems == []


def test_files_come_gzipped_and_a_second_visit_takes_them_from_the_cache(page: Page, lab_url):
    seen: dict[str, dict] = {}
    page.on("response", lambda response: seen.setdefault(response.url, response.all_headers()))
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(lab_url)
    quiet(page)
    static = {url: headers for url, headers in seen.items() if "/static/" in url}
    versions = {re.search(r"/static/([^/]+)/", url).group(1) for url in static}
    assert len(versions) == 1, versions  # every module imported under the page's version
    for url, headers in static.items():
        if url.endswith((".js", ".css")):
            assert headers.get("content-encoding") == "gzip", url
            assert "immutable" in headers["cache-control"], url
    assert seen[lab_url]["content-encoding"] == "gzip"
    assert seen[lab_url]["cache-control"] == "no-cache"

    # the second visit: the page is asked for again, its files are not
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    from_network: list[str] = []
    from_cache: list[str] = []

    def received(event) -> None:
        response = event["response"]
        if not (response.get("fromDiskCache") or response.get("fromMemoryCache")):
            from_network.append(response["url"])

    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.update({e["requestId"]: e["request"]["url"]})
    )
    cdp.on("Network.requestServedFromCache", lambda e: from_cache.append(urls[e["requestId"]]))
    cdp.on("Network.responseReceived", received)
    page.goto("about:blank")
    page.goto(lab_url)
    quiet(page)
    assert lab_url in from_network
    served = [url for url in from_network if "/static/" in url and url not in from_cache]
    assert served == []
    assert any(url.endswith("/js/main.js") for url in from_cache)
    assert any(url.endswith("/css/lab.css") for url in from_cache)


def test_a_malformed_address_still_opens_the_lab(page: Page, lab_url):
    problems = problems_of(page)
    page.goto(f"{lab_url}#%E0%A4%A")  # not UTF-8 once decoded: decodeURIComponent throws
    page.wait_for_selector(READY, timeout=30_000)
    expect(page.locator("section#perceptron canvas").first).to_be_visible()
    assert problems == []
