"""Time the engine of two git revisions on benchmark configs, interleaved, and print ratios.

    python scripts/benchmarks/compare_revisions.py main HEAD --configs 1 2 3 4 --repeats 5

Each revision's ``src`` is exported to a temporary folder (``git archive``); every run is
a fresh subprocess that imports one of them and times ``bench.peers.run_neuronlab`` on one
config (the training alone, as the benchmark does). Runs alternate old, new, old, new, ... so
that a change in the machine's load falls on both. BLAS is held to one thread. The medians
and the ratio new / old are printed; one run of this script is one measurement, not a proof.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from neuronlab.bench.configs import CONFIGS, make_data
from neuronlab.bench.peers import run_neuronlab
config = CONFIGS[int(sys.argv[1])]
run = run_neuronlab(config, make_data(config))
print(run.seconds, run.accuracy)
"""


def export(revision: str, into: Path) -> Path:
    archive = into / f"{revision.replace('/', '_')}.tar"
    subprocess.run(
        ["git", "-C", str(ROOT), "archive", "-o", str(archive), revision, "src"], check=True
    )
    target = into / revision.replace("/", "_")
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def one_run(src: Path, config: int) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=str(src), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(config)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--configs", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = {args.old: export(args.old, Path(tmp)), args.new: export(args.new, Path(tmp))}
        print(f"config  {args.old:>10s}  {args.new:>10s}  new/old  (medians of {args.repeats})")
        for config in args.configs:
            times: dict[str, list[float]] = {args.old: [], args.new: []}
            accuracy = {}
            for _ in range(args.repeats):
                for revision in (args.old, args.new):
                    seconds, accuracy[revision] = one_run(sources[revision], config)
                    times[revision].append(seconds)
            old, new = (statistics.median(times[r]) for r in (args.old, args.new))
            spread = {r: f"{min(times[r]):.3f}-{max(times[r]):.3f}" for r in times}
            print(
                f"{config:>6d}  {old:9.3f}s  {new:9.3f}s  {new / old:7.3f}"
                f"  ranges {spread[args.old]} / {spread[args.new]}"
                f"  accuracy {accuracy[args.old]:.3f} / {accuracy[args.new]:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
