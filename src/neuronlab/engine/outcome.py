"""Where a descent ended, and why: a minimum, a lower one elsewhere, a saddle, or still going.

A walk that stops because the gradient vanished has found a *stationary* point, not
necessarily a minimum. What kind of point it is, the second derivatives say (the
second-order conditions of any calculus or optimisation text, e.g. Nocedal & Wright,
*Numerical Optimization*, 2nd ed., §2.1):

- ∇f(p) = 0 is the first-order condition: necessary for a minimum, not sufficient;
- with H = ∇²f(p) (the Hessian) and its eigenvalues λ₁ ≤ λ₂, p is a strict local minimum
  when λ₁ > 0 (the surface curves up in every direction), a saddle when λ₁ < 0 (it falls
  away along λ₁'s eigenvector, however small the gradient), and undecided when λ₁ ≈ 0;
- a local minimum is the minimum a learner wants only when f there is as low as the lowest
  minimum the surface is known to have.

The same reading serves the race (``read_race``): which walk reached the minimum, from which
step, in the words the lab and ``neuronlab race`` both print.

Notation
--------
p : (2,) the point (x, y) a walk ended at
g : (2,) the gradient ∇f(p)
H : (2, 2) the Hessian ∇²f(p), symmetric
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

OUTCOMES = ("converged", "local minimum", "saddle", "flat", "still descending", "diverged")
STATIONARY_GRADIENT = 1e-3  # |∇f| below this counts as "the gradient is near zero"
CURVATURE_TOL = 1e-6  # |λ| below this (relative to the largest |λ|) is no curvature: flat
SAME_VALUE = 1e-6  # two minima within this (relative) of each other are equally low
NEAR = 0.1  # within this distance of a lowest known minimum, a walk has reached it


@dataclass(frozen=True)
class Outcome:
    """What kind of point a descent ended at, read from the gradient and the Hessian there.

    ``kind`` is one of OUTCOMES. "converged" only at a minimum as low as the lowest known:
    gradient near zero and the Hessian positive definite. With a negative eigenvalue the
    point is a saddle and ``direction`` is that eigenvalue's unit eigenvector, the way down.
    A minimum higher than the lowest known is a "local minimum"; ``lowest`` is then the
    nearest of the lowest known minima and ``lowest_minima`` all of them.
    """

    kind: str
    point: tuple[float, float]
    value: float
    gradient_norm: float
    eigenvalues: tuple[float, float] | None = None  # of the Hessian, ascending
    direction: tuple[float, float] | None = None  # saddle: the eigenvector it falls away along
    lowest: tuple[float, float] | None = None  # the nearest of the lowest known minima
    lowest_value: float | None = None
    lowest_minima: tuple[tuple[float, float], ...] = ()
    steps: int = 0
    detail: str = ""  # diverged: what gave way ("the loss became infinite")

    @property
    def sentence(self) -> str:
        """One English sentence saying where the walk ended."""
        return outcome_sentence(self)


def _surface(surface):
    # surfaces.py calls classify_point from descend, so it cannot be imported at the top
    # of this module; a name is looked up in its registry only when one is given
    if isinstance(surface, str):
        from .surfaces import get_surface

        return get_surface(surface)
    return surface


def _point(point) -> Array:
    p = np.asarray(point, dtype=np.float64)
    if p.shape != (2,) or not np.all(np.isfinite(p)):
        raise ValueError(f"point must be two finite numbers (x, y), got {point!r}")
    return p


def hessian(surface, point, h: float | None = None) -> Array:
    """The 2 × 2 Hessian of f at ``point``, by central differences of the analytic gradient.

    H[:, j] = (∇f(p + h eⱼ) − ∇f(p − h eⱼ)) / 2h, an O(h²) approximation, then symmetrised
    (H + Hᵀ)/2, which the true Hessian is. h defaults to 1e-5 · max(1, |p|∞).

    Parameters
    ----------
    surface : str or Surface
        A key of ``surfaces.SURFACES``, or anything with ``grad(p) -> (2,)``.
    point : (2,) array-like
    """
    s = _surface(surface)
    p = _point(point)
    if h is None:
        h = 1e-5 * max(1.0, float(np.abs(p).max()))
    elif not (isinstance(h, int | float) and math.isfinite(h) and h > 0):
        raise ValueError(f"h must be a finite number > 0, got {h!r}")
    H = np.empty((2, 2))
    for j in range(2):
        step = np.zeros(2)
        step[j] = h
        H[:, j] = (s.grad(p + step) - s.grad(p - step)) / (2 * h)  # (2,) column j
    return 0.5 * (H + H.T)


def lowest_minima(surface) -> tuple[tuple[tuple[float, float], ...], float]:
    """The surface's known minima that are as low as any of them, and that lowest value."""
    s = _surface(surface)
    values = [float(s.f(*np.array(m, dtype=float))) for m in s.minima]
    low = min(values)
    close = SAME_VALUE * max(1.0, abs(low))
    pairs = zip(s.minima, values, strict=True)
    lowest = tuple((float(m[0]), float(m[1])) for m, v in pairs if v <= low + close)
    return lowest, low


def classify_point(surface, point, *, steps: int = 0) -> Outcome:
    """Is ``point`` the lowest minimum, a local minimum, a saddle, flat, or none of these?

    First order: the gradient must be near zero (|∇f| < STATIONARY_GRADIENT), else the walk
    is "still descending". Second order, the Hessian's eigenvalues λ₁ ≤ λ₂: λ₁ > 0 a
    minimum, λ₁ < 0 a saddle (the point falls away along λ₁'s eigenvector), λ₁ ≈ 0 flat. A
    minimum is "converged" when f there is as low as the lowest known minimum of the
    surface, else a "local minimum".

    Parameters
    ----------
    surface : str or Surface
        A key of ``surfaces.SURFACES``, or anything with ``f``, ``grad`` and ``minima``.
    point : (2,) array-like
    steps : int
        The walk's length, kept for the sentence.
    """
    s = _surface(surface)
    p = _point(point)
    value = float(s.f(*p))
    norm = float(np.linalg.norm(s.grad(p)))
    where = (float(p[0]), float(p[1]))
    minima, low = lowest_minima(s)
    nearest = min(minima, key=lambda m: math.dist(m, where))
    known = {"lowest": nearest, "lowest_value": low, "lowest_minima": minima, "steps": steps}
    if norm >= STATIONARY_GRADIENT:
        return Outcome("still descending", where, value, norm, **known)
    eigenvalues, vectors = np.linalg.eigh(hessian(s, p))  # ascending; columns are vectors
    small, large = (float(v) for v in eigenvalues)
    scale = max(1.0, abs(small), abs(large))
    if small < -CURVATURE_TOL * scale:
        down = vectors[:, 0]  # λ₁'s eigenvector, signed so that its larger part is > 0
        down = down if down[np.argmax(np.abs(down))] > 0 else -down
        direction = (float(down[0]), float(down[1]))
        return Outcome("saddle", where, value, norm, (small, large), direction, **known)
    if small <= CURVATURE_TOL * scale:
        return Outcome("flat", where, value, norm, (small, large), **known)
    if value > low + SAME_VALUE * max(1.0, abs(low)):
        return Outcome("local minimum", where, value, norm, (small, large), **known)
    return Outcome("converged", where, value, norm, (small, large), **known)


def diverged(point, value: float, steps: int, detail: str) -> Outcome:
    """The outcome of a walk that blew up at step ``steps``; ``detail`` says how."""
    x, y = (float(v) for v in point)
    return Outcome("diverged", (x, y), float(value), math.inf, steps=steps, detail=detail)


def outcome_sentence(outcome: Outcome, near: float = NEAR) -> str:
    """The outcome in one English sentence, numbers written as the lab writes them.

    A walk still moving within ``near`` of a lowest minimum is said to be near it, not
    told to take a larger rate (the race's momentum, circling the minimum at its end).
    """
    at = _pair(outcome.point)
    kind, steps = outcome.kind, outcome.steps
    after = f"after {steps} step{'' if steps == 1 else 's'}"
    if kind == "diverged":
        detail = outcome.detail or f"the walk blew up {after}"
        return f"diverged: {detail}. Lower the learning rate."
    if kind == "still descending" and _near_lowest(outcome, near):
        gap = math.dist(outcome.point, outcome.lowest)
        return (
            f"still moving near {_lowest_point(outcome)} at {_pair(outcome.lowest)}: "
            f"{short_number(gap)} from it {after}, loss {short_number(outcome.value)} "
            f"(gradient {short_number(outcome.gradient_norm)}); more steps may let it settle, "
            "and if it keeps circling or bouncing, a smaller rate will."
        )
    if kind == "still descending":
        return (
            f"still descending at {at} {after}, loss {short_number(outcome.value)} (gradient "
            f"{short_number(outcome.gradient_norm)}): give it more steps or a larger rate."
        )
    if kind == "saddle":
        return (
            f"stuck on a saddle point at {at} {after}, loss {short_number(outcome.value)}: the "
            "gradient is zero, but the surface falls away both ways along "
            f"{_pair(outcome.direction, 3)}, so this is no minimum (a nudge that way lets it "
            f"roll on); {_lowest(outcome)}."
        )
    if kind == "flat":
        return (
            f"stopped at {at} {after}, loss {short_number(outcome.value)}, where the surface is "
            "flat in one direction: no curvature says whether this is a minimum."
        )
    if kind == "local minimum":
        return (
            f"settled in a local minimum at {at} {after}, loss {short_number(outcome.value)}: "
            f"the surface curves up every way, but this is not the lowest point; "
            f"{_lowest(outcome)}."
        )
    return (
        f"converged {after} to {_lowest_point(outcome)} at {at}, "
        f"loss {short_number(outcome.value)}."
    )


def _near_lowest(outcome: Outcome, near: float) -> bool:
    """Whether the walk ended within ``near`` of a lowest minimum, wherever it goes next."""
    return outcome.lowest is not None and math.dist(outcome.point, outcome.lowest) < near


def _lowest_point(outcome: Outcome) -> str:
    return "one of the lowest minima" if len(outcome.lowest_minima) > 1 else "the minimum"


def _lowest(outcome: Outcome) -> str:
    """Where the lowest known minimum is (or minima are), as a clause."""
    points = [_pair(m) for m in outcome.lowest_minima] or [_pair(outcome.lowest)]
    loss = short_number(outcome.lowest_value)
    if len(points) == 1:
        return f"the lowest known minimum is at {points[0]}, loss {loss}"
    listed = ", ".join(points[:-1]) + " and " + points[-1]
    return f"the lowest known minima are at {listed}, loss {loss}"


# ----------------------------------------------------------------------------- the race
@dataclass(frozen=True)
class RaceReading:
    """Who reached the minimum in a race, from which step, and the words for it.

    ``reached[label]`` is the first step from which the walk stays within ``near`` of one
    of the lowest known minima to its end (None if it never settles there, or diverged):
    one definition for the headline, the rows and the command line.
    """

    near: float
    reached: dict[str, int | None]
    summaries: dict[str, str]  # a few words per runner, for a table's row
    headline: str
    kinds: dict[str, str]  # how each walk ended, in a word or two (an OUTCOMES kind, mostly)
    sentences: dict[str, str]  # how each walk ended, one sentence read with this ``near``


def distances_to_lowest(points: Array, surface) -> Array:
    """(k,) distance from each of the points (k, 2) to the nearest lowest known minimum."""
    minima = np.array(lowest_minima(surface)[0])  # (m, 2)
    gaps = np.asarray(points, dtype=float)[:, None, :] - minima[None, :, :]  # (k, m, 2)
    return np.sqrt((gaps**2).sum(axis=2)).min(axis=1)


def reached_step(points: Array, surface, near: float, *, blew_up: bool = False) -> int | None:
    """First step from which the walk stays within ``near`` of a lowest minimum to its end."""
    if blew_up:
        return None
    outside = np.flatnonzero(distances_to_lowest(points, surface) >= near)
    if len(outside) == 0:
        return 0
    first = int(outside[-1]) + 1
    return first if first < len(points) else None


def read_race(surface, paths: Mapping[str, object], near: float) -> RaceReading:
    """Read a race: ``paths`` maps a runner's label ("SGD") to its ``DescentPath``."""
    if not (isinstance(near, int | float) and math.isfinite(near) and near > 0):
        raise ValueError(f"near must be a finite number > 0, got {near!r}")
    reached, summaries, kinds, sentences = {}, {}, {}, {}
    for label, path in paths.items():
        step = reached_step(path.points, surface, near, blew_up=path.diverged)
        reached[label] = step
        summaries[label] = _summary(path.outcome, step)
        kinds[label] = _race_kind(path.outcome.kind, step)
        sentences[label] = outcome_sentence(path.outcome, near)
    return RaceReading(near, reached, summaries, _headline(reached, near), kinds, sentences)


def _summary(outcome: Outcome, reached: int | None) -> str:
    """A few words for a race's row: how the walk ended, and when it reached the minimum."""
    kind = outcome.kind
    if kind == "diverged":
        return "diverged: lower its rate"
    if reached is None:
        return {
            "converged": "converged to the minimum",
            "still descending": f"still descending after {outcome.steps} steps",
            "saddle": "stuck on a saddle point",
            "local minimum": "stuck in a local minimum",
        }.get(kind, "stopped where the surface is flat")
    # within near of a lowest minimum for good: the words say so first, as the headline does
    there = f"reached the minimum at step {reached}"
    if kind == "converged":
        return f"converged; {there}"
    return f"{there}; {_race_kind(kind, reached)}"


def _race_kind(kind: str, reached: int | None) -> str:
    """The outcome's kind, except that a walk near the minimum for good is "still moving"
    there (momentum circling it), which "still descending" would misread."""
    return "still moving" if kind == "still descending" and reached is not None else kind


def _headline(reached: dict[str, int | None], near: float) -> str:
    arrived = {label: step for label, step in reached.items() if step is not None}
    if not arrived:
        return f"No optimiser reached the minimum and stayed within {near:g} of it."
    first = min(arrived.values())
    winners = [label for label, step in arrived.items() if step == first]
    who = winners[0] if len(winners) == 1 else ", ".join(winners[:-1]) + " and " + winners[-1]
    together = "" if len(winners) == 1 else " together"
    return (
        f"{who} reached the minimum first{together}, at step {first}, and stayed within "
        f"{near:g} of it."
    )


# ----------------------------------------------------------------------------- numbers
def short_number(value: float) -> str:
    """Three significant figures, written as the lab's readouts write them: 3.29e−7, −0.5."""
    text = f"{value:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"  # e-07 -> e-7
    return text.replace("-", "−")


def _pair(point, decimals: int | None = None) -> str:
    x, y = point
    if decimals is not None:  # a direction: −1e−17 is 0, and 0 has no sign
        x, y = round(x, decimals) + 0.0, round(y, decimals) + 0.0
    return f"({short_number(x)}, {short_number(y)})"
