"""Measure the lab's first load in Chromium against a real lab server (not a test; run on demand).

    python scripts/measure_first_load.py [--runs 5]

Each run is a cold load: a fresh browser context (an empty HTTP cache) on loopback, with the
same Chromium and launch flags as the browser tests. It prints, as medians over the runs:

- bytes transferred when the page opens at the top, until the network is quiet (the bytes on
  the wire as Chromium counts them: ``Network.loadingFinished.encodedDataLength``, headers and
  compressed bodies, summed over every request), and whether plotly.js was among them;
- milliseconds from navigation to the moment a press on the trainer's Train button really
  starts training: the page is opened at ``#trainer``, a script in the page presses Train every
  50 ms from the start (a press on a disabled button, or one the page cannot send yet, does
  nothing), and the time is when the page receives the server's ``status`` message with
  ``running: true``, in the page's own clock; also the bytes of that load (the trainer's loss
  chart needs plotly, so it is fetched there).

The issue's targets: at most 1 MB transferred, Train usable within 1 s of navigation.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support import lab_process  # noqa: E402

READY = "html[data-ready='true']"
QUIET_MS = 1500  # the network counts as quiet after this long without a request

# Runs before the page's own scripts: notes, in the page's clock (0 = navigation start), when
# the first "status: running" message from the server arrives on any WebSocket, and (for
# --verbose) each press of Train and each socket's first events.
WATCH_STATUS = """(() => {
  window.__firstRunning = null;
  const events = (window.__socketEvents = []);
  const note = (what) => events.push([what, performance.now()]);
  document.addEventListener("click", (event) => {
    if (event.target.closest?.("#tr-train")) note("Train pressed");
  }, true);
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      note("socket created");
      this.addEventListener("open", () => note("socket open"));
      let seen = 0;
      this.addEventListener("message", (event) => {
        const text = typeof event.data === "string";
        const message = text ? JSON.parse(event.data) : { type: "frame" };
        if (seen++ < 4) note(`socket message: ${message.type}`);
        if (message.type === "status" && message.running && window.__firstRunning === null) {
          window.__firstRunning = performance.now();
        }
      });
    }
  };
})();"""

# A learner pressing Train every 50 ms from the moment the page starts, until training starts
# (a press on a disabled button, or before the page can send it, does nothing).
PRESS_TRAIN = """(() => {
  const timer = setInterval(() => {
    if (window.__firstRunning !== null) return clearInterval(timer);
    document.getElementById("tr-train")?.click();
  }, 50);
})();"""

# When each file and answer finished arriving, and the sockets' first events (for --verbose)
TIMELINE = """() => [
  ...performance.getEntriesByType("resource").map((r) => [
    new URL(r.name).pathname.replace(/^.static.[^/]+./, ""), r.responseEnd]),
  ["DOMContentLoaded", performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd],
  ...window.__socketEvents,
]"""


class WireCounter:
    """Bytes on the wire per request, from the DevTools protocol's Network domain."""

    def __init__(self, page) -> None:
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.encodings: dict[str, str] = {}
        self.last_activity = time.monotonic()
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.clearBrowserCache")

    def _sent(self, event) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]
        self.last_activity = time.monotonic()

    def _received(self, event) -> None:
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        self.encodings[event["requestId"]] = headers.get("content-encoding", "")

    def _finished(self, event) -> None:
        self.bytes[event["requestId"]] = int(event["encodedDataLength"])
        self.last_activity = time.monotonic()

    def wait_quiet(self, page, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = set(self.urls) - set(self.bytes)
            idle = (time.monotonic() - self.last_activity) * 1000
            if not pending and idle > QUIET_MS:
                return
            page.wait_for_timeout(100)
        raise RuntimeError(f"the network did not go quiet within {timeout:.0f} s")

    def total(self) -> int:
        return sum(self.bytes.values())

    def plotly_bytes(self) -> int:
        return sum(n for rid, n in self.bytes.items() if "plotly.min.js" in self.urls.get(rid, ""))

    def table(self) -> list[tuple[int, str, str]]:
        rows = [
            (n, self.encodings.get(rid, ""), self.urls.get(rid, "?"))
            for rid, n in self.bytes.items()
        ]
        return sorted(rows, reverse=True)


def load_weight(browser, url: str) -> WireCounter:
    """A cold load at the top of the page, left alone until the network is quiet."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        counter = WireCounter(page)
        page.goto(url)
        page.wait_for_selector(READY, timeout=30_000)
        counter.wait_quiet(page)
        return counter
    finally:
        context.close()


def train_usable(browser, url: str, verbose: bool = False) -> tuple[float, WireCounter]:
    """Milliseconds from navigation to the server's first "running" status after pressing Train."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        counter = WireCounter(page)
        page.add_init_script(WATCH_STATUS)
        page.add_init_script(PRESS_TRAIN)
        page.goto(f"{url}#trainer", wait_until="commit")
        page.wait_for_function("window.__firstRunning !== null", timeout=30_000, polling=50)
        elapsed = page.evaluate("window.__firstRunning")
        if verbose:
            timeline = page.evaluate(TIMELINE)
            for name, at in sorted(timeline, key=lambda row: row[1]):
                print(f"  {at:8.0f} ms  {name}")
            print(f"  {elapsed:8.0f} ms  status running (after pressing Train)")
        counter.wait_quiet(page)
        return elapsed, counter
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold loads of each kind")
    parser.add_argument("--verbose", action="store_true", help="list every request of one run")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    log_path = os.path.join(ROOT, "tests", "artifacts", "measure-server.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with lab_process(log_path) as (url, _):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                warm = load_weight(browser, url)  # the server's own first requests, not counted
                del warm
                weights, plotly_on_top = [], []
                for _ in range(args.runs):
                    counter = load_weight(browser, url)
                    weights.append(counter.total())
                    plotly_on_top.append(counter.plotly_bytes())
                if args.verbose:
                    print("requests of the last load at the top (bytes, encoding, url):")
                    for n, encoding, request_url in counter.table():
                        print(f"  {n:>9,} {encoding or '-':<5} {request_url}")
                times, trainer_weights, trainer_plotly = [], [], []
                for _ in range(args.runs):
                    elapsed, counter = train_usable(browser, url, args.verbose and not times)
                    times.append(elapsed)
                    trainer_weights.append(counter.total())
                    trainer_plotly.append(counter.plotly_bytes())
            finally:
                browser.close()

    mb = 1_000_000
    print(
        f"cold loads: {args.runs} of each kind, Chromium on loopback; machine load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)"
    )
    print(
        f"first load at the top: {statistics.median(weights) / mb:.3f} MB transferred "
        f"(median; runs {', '.join(f'{w / mb:.3f}' for w in weights)}); "
        f"plotly requested: {'yes' if any(plotly_on_top) else 'no'}"
    )
    print(
        f"Train usable: {statistics.median(times):.0f} ms after navigation (median; runs "
        f"{', '.join(f'{t:.0f}' for t in times)})"
    )
    print(
        f"load opened at #trainer: {statistics.median(trainer_weights) / mb:.3f} MB transferred "
        f"(median), {statistics.median(trainer_plotly) / mb:.3f} MB of it plotly.js"
    )


if __name__ == "__main__":
    main()
