"""Measure what the playground's sandbox costs a run (not a test; run on demand).

    python scripts/measure_playground.py [--runs 15]

Runs two small programs as the lab does (``PlaygroundRun``, the real child, the real
limits), alternately without the sandbox and inside bubblewrap, and prints the median
seconds from start to the final event, and their ratio:

- ``print(1)``: the start-up itself (Python, numpy, matplotlib and neuronlab loaded by the
  child before the learner's code, then the guard);
- a matplotlib figure sent back as a PNG (the font list is read from the shared cache).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from neuronlab.lab.playground import bubblewrap  # noqa: E402
from neuronlab.lab.playground.runner import Limits, PlaygroundRun  # noqa: E402

PROGRAMS = {
    "print(1)": "print(1)\n",
    "a figure": "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()\n",
}


async def seconds_for(code: str, bwrap: str | None) -> float:
    run = PlaygroundRun(code, Limits(wall_seconds=60.0), bwrap=bwrap)
    started = time.perf_counter()
    await run.start()
    async for event in run.events():
        if event["type"] == "done":
            if event["status"] != "ok":
                raise RuntimeError(f"the run failed: {event}")
    took = time.perf_counter() - started
    await run.close()
    return took


async def main(runs: int) -> None:
    check = bubblewrap.check()
    if not check.available:
        sys.exit(f"no sandbox on this machine: {check.problem}")
    await seconds_for("pass", check.bwrap)  # warm: the font cache, the page cache
    await seconds_for("pass", None)
    print(f"{runs} runs each, alternating; median seconds from start to the final event")
    print(f"{'program':<12} {'plain':>8} {'sandbox':>8} {'ratio':>6} {'extra':>7}")
    for name, code in PROGRAMS.items():
        plain, boxed = [], []
        for _ in range(runs):
            plain.append(await seconds_for(code, None))
            boxed.append(await seconds_for(code, check.bwrap))
        p, b = statistics.median(plain), statistics.median(boxed)
        print(f"{name:<12} {p:8.3f} {b:8.3f} {b / p:6.2f} {b - p:+7.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    asyncio.run(main(parser.parse_args().runs))
