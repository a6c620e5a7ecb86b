"""Measurements and the run: FLOP counts, the matmul peak, threads, machine, results."""

from __future__ import annotations

import contextlib
import datetime
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from .configs import CONFIGS, SMOKE, Config, Data, make_data
from .peers import ESTIMATOR, RUNNERS, Run, peers_for, torch_available

ESTIMATOR_COST = 1.10  # the estimator's fit may cost at most 10% more than the Trainer's epochs


def matmul_flops(layer_sizes: tuple[int, ...]) -> tuple[int, int]:
    """Floating-point operations per sample of the matrix products: (train step, forward).

    Forward: 2 n_in n_out per layer. Backward: 2 n_in n_out for ∂C/∂W of every layer and
    again for δ of every layer but the first.
    """
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    forward = sum(2 * a * b for a, b in pairs)
    backward = forward + sum(2 * a * b for a, b in pairs[1:])
    return forward + backward, forward


def config_gflop(config: Config, n_train: int) -> float:
    """GFLOP of a whole run: the matrix products of every minibatch step (no peer makes an
    end-of-epoch pass, so none is counted)."""
    train, _ = matmul_flops(config.layer_sizes)
    return config.epochs * n_train * train / 1e9


def matmul_peak(size: int = 2048, repeats: int = 6) -> float:
    """Best float32 matrix-product rate of this machine, GFLOP/s (size x size x size)."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((size, size), dtype=np.float32)
    B = rng.standard_normal((size, size), dtype=np.float32)
    C = np.empty_like(A)
    np.matmul(A, B, out=C)  # warm up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(A, B, out=C)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


@contextlib.contextmanager
def limited_threads(threads: int) -> Iterator[str]:
    """Limit BLAS / OpenMP threads for every peer while inside; yields what was done."""
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=threads):
        libraries = sorted({f"{info['internal_api']}" for info in threadpool_info()})
        said = f"{threads} thread(s): threadpoolctl limit on {', '.join(libraries)}"
        torch = None
        if torch_available():
            import torch

            before = torch.get_num_threads()
            torch.set_num_threads(threads)
            said += f"; torch.set_num_threads({threads})"
        try:
            yield said
        finally:
            if torch is not None:
                torch.set_num_threads(before)


def machine() -> dict[str, str]:
    """Where and with what the benchmark ran."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sklearn

    from .. import __version__

    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "neuronlab": __version__,
    }
    if torch_available():
        import torch

        versions["torch"] = torch.__version__
    try:
        from threadpoolctl import threadpool_info

        blas = [
            f"{i['internal_api']} {i.get('version') or ''} ({i.get('architecture') or '?'})"
            for i in threadpool_info()
            if i["user_api"] == "blas"
        ]
    except Exception:  # pragma: no cover - only a description
        blas = []
    return {
        "load": _load_average(),
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": f"{cpu}, {os.cpu_count()} logical cores",
        "os": f"{platform.system()} {platform.release()}",
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "numpy blas": "; ".join(dict.fromkeys(blas)) or "unknown",
    }


def _load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"


# ---------------------------------------------------------------------------- the run
@dataclass
class PeerResult:
    peer: str
    runs: list[Run]

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def accuracy(self) -> float:
        return statistics.median(r.accuracy for r in self.runs)

    @property
    def extrapolated_from(self) -> int | None:
        return self.runs[0].extrapolated_from


@dataclass
class ConfigResult:
    config: Config
    n_train: int
    peers: dict[str, PeerResult]

    def ratio(self, peer: str, ours: str = "neuronlab") -> float:
        """How many times faster we are: peer time / our time (the Trainer's, or ``ours``)."""
        return self.peers[peer].seconds / self.peers[ours].seconds

    def samples_per_second(self, peer: str) -> float:
        return self.n_train * self.config.epochs / self.peers[peer].seconds

    def gflops(self, peer: str) -> float:
        return config_gflop(self.config, self.n_train) / self.peers[peer].seconds

    def ours(self) -> list[str]:
        """Our entries in this result: the Trainer, and the estimator when it ran."""
        return [name for name in ("neuronlab", ESTIMATOR) if name in self.peers]


@dataclass
class Results:
    configs: list[ConfigResult]
    peak_gflops: float
    threads: str
    machine: dict[str, str]
    repeats: int
    smoke: bool

    def checks(self) -> list[tuple[str, bool]]:
        """Each target as (sentence, met)."""
        out = []
        for result in self.configs:
            c = result.config
            for ours in result.ours():  # the targets hold for the estimator as for the Trainer
                who = "" if ours == "neuronlab" else " through the estimator"
                for peer, wanted in c.targets.items():
                    if peer in result.peers:
                        got = result.ratio(peer, ours)
                        out.append(
                            (
                                f"config {c.number}{who}: {got:.2f}x faster than {peer} "
                                f"(target {wanted:g}x)",
                                got >= wanted,
                            )
                        )
                if c.peak_target and self.peak_gflops:
                    share = result.gflops(ours) / self.peak_gflops
                    out.append(
                        (
                            f"config {c.number}{who}: {share:.1%} of the float32 matmul peak "
                            f"(target {c.peak_target:.0%})",
                            share >= c.peak_target,
                        )
                    )
            if ESTIMATOR in result.peers and c.targets:
                cost = result.peers[ESTIMATOR].seconds / result.peers["neuronlab"].seconds
                out.append(
                    (
                        f"config {c.number}: the estimator's fit takes {cost:.2f}x the "
                        f"Trainer's time (target at most {ESTIMATOR_COST:.2f}x)",
                        cost <= ESTIMATOR_COST,
                    )
                )
            if c.accuracy_gap is not None:
                ours = result.peers["neuronlab"].accuracy
                for peer, peer_result in result.peers.items():
                    if peer not in result.ours() and math.isfinite(peer_result.accuracy):
                        gap = ours - peer_result.accuracy
                        out.append(
                            (
                                f"config {c.number}: held-out accuracy {ours:.1%} vs "
                                f"{peer} {peer_result.accuracy:.1%} (within "
                                f"{c.accuracy_gap:.0%})",
                                gap >= -c.accuracy_gap,
                            )
                        )
        return out

    def smoke_failures(self) -> list[str]:
        """Peers that did not reach the smoke accuracy (every finite accuracy is checked)."""
        failures = []
        for result in self.configs:
            for peer, peer_result in result.peers.items():
                accuracy = peer_result.accuracy
                if math.isfinite(accuracy) and accuracy < result.config.smoke_accuracy:
                    failures.append(
                        f"config {result.config.number}: {peer} reached "
                        f"{accuracy:.1%} < {result.config.smoke_accuracy:.0%}"
                    )
        return failures


def run_benchmark(
    configs: list[int] | None = None,
    *,
    repeats: int = 5,
    threads: int = 1,
    smoke: bool = False,
    include_torch: bool | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Results:
    """Run the configs, interleaving the peers repeat by repeat; returns every timing."""
    table = SMOKE if smoke else CONFIGS
    configs = list(table) if configs is None else configs
    for number in configs:
        if number not in table:
            smoke_run = " in a smoke run" if smoke else ""
            raise ValueError(f"configs must be among {sorted(table)}{smoke_run}, got {number}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    say = progress or (lambda message: None)
    include_torch = torch_available() if include_torch is None else include_torch
    with limited_threads(threads) as threads_said:
        say(f"BLAS threads: {threads_said}")
        return _run(
            table,
            configs,
            repeats=repeats,
            smoke=smoke,
            include_torch=include_torch,
            seed=seed,
            say=say,
            threads_said=threads_said,
        )


def _run(table, configs, *, repeats, smoke, include_torch, seed, say, threads_said) -> Results:
    load_before = _load_average()
    peak = matmul_peak(size=1024 if smoke else 2048)
    say(f"float32 matmul peak: {peak:.0f} GFLOP/s")

    results = []
    for number in configs:
        config = table[number]
        data = make_data(config, seed)
        peers = peers_for(config, include_torch)
        # one untimed short run each: first-call costs (imports, allocations) stay out
        warm = replace(config, epochs=1, reference_epochs=None)
        for peer in peers:
            if peer != "reference":
                RUNNERS[peer](warm, Data(data.X[:256], data.y[:256]), seed)
        runs: dict[str, list[Run]] = {peer: [] for peer in peers}
        for repeat in range(repeats):
            for peer in peers:
                run = RUNNERS[peer](config, data, seed)
                runs[peer].append(run)
                say(
                    f"config {number} repeat {repeat + 1}/{repeats}: {peer} "
                    f"{run.seconds:.3f} s, accuracy {run.accuracy:.3f}"
                )
        results.append(
            ConfigResult(
                config, len(data.y), {peer: PeerResult(peer, runs[peer]) for peer in peers}
            )
        )
    where = machine()
    where["load"] = f"{load_before} at the start, {_load_average()} at the end"
    return Results(results, peak, threads_said, where, repeats, smoke)
