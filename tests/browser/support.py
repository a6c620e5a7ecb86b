"""What the browser tests share: opening the page, finding a section, reading numbers, and a
watch on everything that goes wrong (a console error, an uncaught exception, a failed request,
an HTTP error, a request to anywhere but this machine)."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from playwright.sync_api import Page

READY = "html[data-ready='true']"

# Resolves true once the page has stood still: its fonts loaded and, for `frames` animation
# frames in a row, the same scroll position and the same height. Every widget mounted
# (READY) is not always enough: a scroll-sideways hint that the lookout shows a frame later
# moves a linked section (#trainer) and the page brings it back, and a link or a button that
# scrolls does so smoothly (lab.css); a box read or a mouse aimed meanwhile is where the page
# was, not where it stops. False if it is still moving after 10 s.
SETTLE = """async (frames) => {
    await document.fonts.ready;
    const deadline = performance.now() + 10000;
    const where = () => [scrollX, scrollY, document.documentElement.scrollHeight].join();
    let last = where();
    for (let still = 0; still < frames; ) {
        if (performance.now() > deadline) return false;
        // a frame, or 50 ms where frames are held back (a page in the background)
        await new Promise((done) => { requestAnimationFrame(done); setTimeout(done, 50); });
        const now = where();
        still = now === last ? still + 1 : 0;
        last = now;
    }
    return true;
}"""

LOCAL = {"127.0.0.1", "localhost"}


def watch(page: Page) -> list[str]:
    """Everything that went wrong on the page, collected while the test runs."""
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    def on_request(request) -> None:
        url = request.url
        if not url.startswith(("data:", "blob:")) and urlsplit(url).hostname not in LOCAL:
            problems.append(f"request left the machine: {url}")

    def on_response(response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("request", on_request)
    page.on("response", on_response)
    return problems


def settle(page: Page, frames: int = 6) -> None:
    """Wait until every widget has mounted and the page has stopped scrolling and growing."""
    page.wait_for_selector(READY, timeout=30_000)
    assert page.evaluate(SETTLE, frames), "the page was still scrolling or growing after 10 s"


def page_boxes(page: Page, selectors: list[str]) -> dict[str, dict]:
    """Each selector's box in page coordinates (scroll included), all read in one go: boxes
    read one call apart can straddle a scroll."""
    return page.evaluate(
        """(selectors) => Object.fromEntries(selectors.map((s) => {
            const r = document.querySelector(s).getBoundingClientRect();
            return [s, { x: r.left + scrollX, y: r.top + scrollY, width: r.width,
                         height: r.height, top: r.top + scrollY, bottom: r.bottom + scrollY }];
        }))""",
        selectors,
    )


def open_page(page: Page, url: str, width: int = 1400, height: int = 900) -> list[str]:
    problems = watch(page)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    settle(page)
    return problems


def section(page: Page, name: str):
    return page.locator(f"section#{name}")


def open_section(
    page: Page, lab_url: str, section: str, query: str = "", width: int = 1400
) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(f"{lab_url.rstrip('/')}/{query}#{section}")
    settle(page)
    page.locator(f"section#{section}").scroll_into_view_if_needed()


def shot(page: Page, artifacts_dir: str, section: str, name: str) -> None:
    page.locator(f"section#{section}").screenshot(path=os.path.join(artifacts_dir, name))


def readout(page: Page, section: str, key: str):
    return page.locator(f"section#{section} [data-readout='{key}']")


def numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text.replace("−", "-"))]


def plane_point(page: Page, canvas, x: float, y: float, bounds=(-1.2, 1.2, -1.2, 1.2)):
    """Screen coordinates of the data point (x, y) on a canvas showing `bounds`."""
    box = canvas.bounding_box()
    x_min, x_max, y_min, y_max = bounds
    return (
        box["x"] + (x - x_min) / (x_max - x_min) * box["width"],
        box["y"] + (y_max - y) / (y_max - y_min) * box["height"],
    )


COUNT_ANNOUNCEMENTS = """() => {
    window.announced = [];
    const live = '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"]';
    new MutationObserver((records) => {
        for (const record of records) {
            const target = record.target;
            const node = target.nodeType === 1 ? target : target.parentElement;
            const region = node && node.closest(live);
            if (region) {
                window.announced.push(`${region.closest('section').id}: ${region.textContent}`);
            }
        }
    }).observe(document.body, { childList: true, characterData: true, subtree: true });
}"""


def announced(page: Page, section_id: str) -> list[str]:
    said = page.evaluate("window.announced")
    return [text for text in said if text.startswith(f"{section_id}:")]
