"""Measure the live trainer in Chromium against a real lab server (not a test; run on demand).

    python scripts/measure_trainer.py [--seconds 5] [--runs 3]

Prints, for spirals (500 points, noise 0.1, 2 x 16 ReLU, Adam 0.01, 100 x 100 boundary):
- frames per second reaching the page while training;
- seconds from pressing Train to the first frame showing >= 95% training accuracy;
- milliseconds from a click on the plane to the first frame drawn after the new point.
The issue's targets: >= 30 frames/s, < 5 s to 95%, < 100 ms from click to frame.

Then, for the page as it opens (the default spirals, the default pace), how long a class
watches the boundary form before training accuracy passes 95% (issue 15 asks for at least
3 s), and the same with the Full speed button pressed, one click away.
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

CONFIG = (
    "?trainer.dataset=spirals&trainer.points=500&trainer.noise=0.1&trainer.hidden_layers=2"
    "&trainer.units=16&trainer.activation=relu&trainer.optimizer=adam"
    "&trainer.learning_rate=0.01&trainer.grid=100#trainer"
)
STATS = "document.querySelector('[data-widget=trainer]').trainerStats"

WATCH_95 = f"""() => new Promise((resolve) => {{
    const stats = {STATS};
    const start = performance.now();
    document.querySelector('#tr-train').click();
    const timer = setInterval(() => {{
        if (stats.accuracy !== null && stats.accuracy >= 0.95 && stats.epoch > 0) {{
            clearInterval(timer);
            resolve({{ seconds: (performance.now() - start) / 1000, epoch: stats.epoch }});
        }}
    }}, 2);
}})"""

CLICK_TO_FRAME = f"""() => new Promise((resolve) => {{
    const stats = {STATS};
    const plane = document.querySelector('#tr-plane');
    const box = plane.getBoundingClientRect();
    const added = stats.added;
    const start = performance.now();
    plane.dispatchEvent(new MouseEvent('click', {{ bubbles: true,
        clientX: box.left + box.width * 0.1, clientY: box.top + box.height * 0.1 }}));
    let echoed = null;
    const timer = setInterval(() => {{
        if (echoed === null && stats.added > added) echoed = stats.frames;
        if (echoed !== null && stats.frames > echoed) {{
            clearInterval(timer);
            resolve((performance.now() - start));
        }}
    }}, 1);
}})"""


def watch_default(page, url: str, runs: int) -> None:
    """Seconds to 95% on the page's own defaults, at the default pace and at Full speed."""
    for label, full_speed in (("default pace", False), ("Full speed", True)):
        seconds, epochs = [], []
        for _ in range(runs):
            page.goto("about:blank")  # a new page each run (a goto to the same URL is not)
            page.goto(url + "#trainer")
            page.wait_for_function(f"{STATS}?.frames > 0", timeout=30_000)
            page.locator("#trainer").scroll_into_view_if_needed()
            if full_speed:
                page.click("#tr-full-speed")
                page.wait_for_function("location.search.includes('trainer.speed=0')")
            result = page.evaluate(WATCH_95)
            seconds.append(result["seconds"])
            epochs.append(result["epoch"])
            if full_speed:
                page.click("#tr-full-speed")  # back to the default, for the next page load
                page.wait_for_function("!location.search.includes('trainer.speed')")
                page.wait_for_timeout(300)  # the change reaches the server before unload
        print(
            f"default spirals, {label}: 95% after {statistics.median(seconds):.2f} s median "
            f"(min {min(seconds):.2f}, max {max(seconds):.2f}; epochs {sorted(epochs)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="frame-rate window")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measurement")
    parser.add_argument(
        "--watch-only", action="store_true", help="only the default page's time to 95%%"
    )
    args = parser.parse_args()

    log_path = os.path.join(ROOT, "tests", "artifacts", "measure-server.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with lab_process(log_path) as (url, _):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            watch_default(page, url, args.runs)
            if args.watch_only:
                browser.close()
                return
            fps, to_95, clicks = [], [], []
            for _ in range(args.runs):
                page.goto(url + CONFIG)
                page.wait_for_function(f"{STATS}?.frames > 0", timeout=30_000)
                page.locator("#trainer").scroll_into_view_if_needed()
                result = page.evaluate(WATCH_95)
                to_95.append(result["seconds"])
                seconds, epoch = result["seconds"], result["epoch"]
                print(f"95% training accuracy after {seconds:.2f} s (epoch {epoch})")
                before = page.evaluate(f"({{...{STATS}}})")
                time.sleep(args.seconds)
                after = page.evaluate(f"({{...{STATS}}})")
                frames = after["frames"] - before["frames"]
                rate = frames / args.seconds
                fps.append(rate)
                drawing = (after["drawMs"] - before["drawMs"]) / max(frames, 1)
                print(
                    f"frames per second while training: {rate:.1f} ({drawing:.1f} ms to draw one)"
                )
                for _ in range(5):
                    clicks.append(page.evaluate(CLICK_TO_FRAME))
                    time.sleep(0.2)
                print(f"click to next frame: {', '.join(f'{c:.0f}' for c in clicks[-5:])} ms")
            browser.close()
        print()
        median = statistics.median
        print(f"frames/s: median {median(fps):.1f} (min {min(fps):.1f}), target >= 30")
        print(f"to 95%:   median {median(to_95):.2f} s (max {max(to_95):.2f}), target < 5")
        print(f"click:    median {median(clicks):.0f} ms (max {max(clicks):.0f}), target < 100")


if __name__ == "__main__":
    main()
