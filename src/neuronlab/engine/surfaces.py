"""Two-parameter loss surfaces and gradient descent on them.

A surface is a function f(x, y) of two parameters with its analytic gradient and its known
minima. ``descend`` runs the **same optimiser classes** the network trains with
(``optimisers.py``): it hands the optimiser ``[p]`` and ``[g]`` exactly as the network hands
it ``[params]`` and ``[grads]``, so the optimiser race is not a second implementation.

Notation
--------
p : (2,) the point (x, y), the two "parameters"
g : (2,) the gradient (∂f/∂x, ∂f/∂y) at p
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .optimisers import OPTIMIZERS, Optimizer, make_optimizer
from .outcome import Outcome, classify_point, diverged, outcome_sentence, short_number
from .util import check_int, check_positive

Array = np.ndarray

MAX_STEPS = 100_000
MAX_RESOLUTION = 1000
BOX_FACTOR = 10.0  # a point farther than this many half-widths from the plot's centre escaped


@dataclass(frozen=True)
class Surface:
    """A loss surface f(x, y) with its gradient, known minima and plotting defaults."""

    name: str
    title: str
    description: str
    f: Callable[[Array, Array], Array]  # vectorised value f(x, y)
    grad: Callable[[Array], Array]  # gradient at p, shape (2,)
    minima: tuple[tuple[float, float], ...]  # known minima, global ones first
    bounds: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax for plotting
    start: tuple[float, float]  # a good default start
    learning_rate: float  # a good default rate for plain gradient descent


# --- bowl -----------------------------------------------------------------------------------
def bowl(x: Array, y: Array) -> Array:
    """f = x² + y²: an isotropic quadratic, minimum 0 at (0, 0)."""
    return x**2 + y**2


def bowl_grad(p: Array) -> Array:
    """∇f = (2x, 2y). Gradient descent multiplies p by (1 − 2η): it diverges for η > 1."""
    x, y = p
    return np.array([2 * x, 2 * y])


# --- valley ---------------------------------------------------------------------------------
def valley(x: Array, y: Array) -> Array:
    """f = x²/2 + 10 y²: curvatures 1 and 20 (condition number 20), minimum 0 at (0, 0)."""
    return 0.5 * x**2 + 10 * y**2


def valley_grad(p: Array) -> Array:
    """∇f = (x, 20 y). Stable only for η < 2/20; then x shrinks by just (1 − η) a step."""
    x, y = p
    return np.array([x, 20 * y])


# --- saddle ---------------------------------------------------------------------------------
def saddle(x: Array, y: Array) -> Array:
    """f = x² − y² + y⁴/4: a saddle at (0, 0), minima −1 at (0, ±√2)."""
    return x**2 - y**2 + 0.25 * y**4


def saddle_grad(p: Array) -> Array:
    """∇f = (2x, y³ − 2y) = (2x, y(y² − 2)): zero at the saddle (0, 0) and at (0, ±√2)."""
    x, y = p
    return np.array([2 * x, y**3 - 2 * y])


# --- Rosenbrock -----------------------------------------------------------------------------
def rosenbrock(x: Array, y: Array) -> Array:
    """f = (1 − x)² + 100 (y − x²)² (Rosenbrock 1960, a = 1, b = 100): minimum 0 at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_grad(p: Array) -> Array:
    """∇f = (−2(1 − x) − 400 x (y − x²), 200 (y − x²))."""
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


# --- Himmelblau -----------------------------------------------------------------------------
def himmelblau(x: Array, y: Array) -> Array:
    """f = (x² + y − 11)² + (x + y² − 7)² (Himmelblau 1972): four minima, all 0."""
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def himmelblau_grad(p: Array) -> Array:
    """∇f = (4x(x² + y − 11) + 2(x + y² − 7), 2(x² + y − 11) + 4y(x + y² − 7))."""
    x, y = p
    u, v = x**2 + y - 11, x + y**2 - 7
    return np.array([4 * x * u + 2 * v, 2 * u + 4 * y * v])


# --- Rastrigin ------------------------------------------------------------------------------
def rastrigin(x: Array, y: Array) -> Array:
    """f = 20 + x² − 10 cos(2πx) + y² − 10 cos(2πy) (Rastrigin 1974): minimum 0 at (0, 0),
    with a local minimum near every point of integer coordinates."""
    return 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y)


def rastrigin_grad(p: Array) -> Array:
    """∇f = (2x + 20π sin(2πx), 2y + 20π sin(2πy))."""
    return 2 * p + 20 * np.pi * np.sin(2 * np.pi * p)


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in [
        Surface(
            "bowl",
            "Bowl: f = x² + y²",
            "A round bowl. The gradient points straight at the bottom, so gradient descent "
            "walks straight in; above a learning rate of 1 every step overshoots farther "
            "than the last and the walk diverges.",
            bowl,
            bowl_grad,
            ((0.0, 0.0),),
            (-2.0, 2.0, -2.0, 2.0),
            (1.6, 1.2),
            0.1,
        ),
        Surface(
            "valley",
            "Valley: f = x²/2 + 10y²",
            "A long narrow valley, twenty times steeper across than along. A rate small "
            "enough not to bounce off the steep walls crawls along the flat floor: "
            "plain gradient descent zig-zags, momentum and Adam do better.",
            valley,
            valley_grad,
            ((0.0, 0.0),),
            (-3.0, 3.0, -1.5, 1.5),
            (-2.5, 1.0),
            0.09,
        ),
        Surface(
            "saddle",
            "Saddle: f = x² − y² + y⁴/4",
            "A saddle point at the origin: downhill along y, uphill along x, gradient zero. "
            "Started on the line y = 0, gradient descent stops at the saddle; a tiny nudge "
            "in y lets it roll off into one of the two minima at (0, ±√2).",
            saddle,
            saddle_grad,
            ((0.0, math.sqrt(2.0)), (0.0, -math.sqrt(2.0))),
            (-2.0, 2.0, -2.0, 2.0),
            (1.5, 0.01),
            0.1,
        ),
        Surface(
            "rosenbrock",
            "Rosenbrock: f = (1 − x)² + 100(y − x²)²",
            "A curved, flat-bottomed banana valley: the valley is easy to reach, the minimum "
            "at (1, 1) along its floor slow to find. A classic test of optimisers: plain "
            "gradient descent needs a tiny rate and thousands of steps, Adam far fewer.",
            rosenbrock,
            rosenbrock_grad,
            ((1.0, 1.0),),
            (-2.0, 2.0, -1.0, 3.0),
            (-1.2, 1.0),
            0.001,
        ),
        Surface(
            "himmelblau",
            "Himmelblau: f = (x² + y − 11)² + (x + y² − 7)²",
            "Four minima, all equally deep. Which one gradient descent finds depends above "
            "all on where it starts (try starts in each quarter of the plane), and also on "
            "the optimiser and its rate.",
            himmelblau,
            himmelblau_grad,
            (
                (3.0, 2.0),
                (-2.805118086952745, 3.131312518250573),
                (-3.779310253377747, -3.283185991286169),
                (3.5844283403304917, -1.8481265269644034),
            ),
            (-5.0, 5.0, -5.0, 5.0),
            (0.5, -0.5),
            0.01,
        ),
        Surface(
            "rastrigin",
            "Rastrigin: f = 20 + x² − 10cos(2πx) + y² − 10cos(2πy)",
            "An egg box on a bowl: a local minimum near every point with whole-number "
            "coordinates, the global one at (0, 0). Every optimiser here settles in the dip "
            "nearest its start: only a start in the central dip finds the global minimum.",
            rastrigin,
            rastrigin_grad,
            ((0.0, 0.0),),
            (-3.0, 3.0, -3.0, 3.0),
            (2.2, -1.7),
            0.002,
        ),
    ]
}


# Rates at which each optimiser makes a fair showing from the surface's default start,
# found by trying a few per surface (plain SGD keeps the surface's own default rate).
RACE_RATES: dict[str, dict[str, float]] = {
    "bowl": {"sgd": 0.1, "momentum": 0.05, "rmsprop": 0.05, "adam": 0.1},
    "valley": {"sgd": 0.09, "momentum": 0.01, "rmsprop": 0.05, "adam": 0.1},
    "saddle": {"sgd": 0.1, "momentum": 0.05, "rmsprop": 0.05, "adam": 0.1},
    "rosenbrock": {"sgd": 0.001, "momentum": 0.001, "rmsprop": 0.003, "adam": 0.2},
    "himmelblau": {"sgd": 0.01, "momentum": 0.003, "rmsprop": 0.05, "adam": 0.1},
    "rastrigin": {"sgd": 0.002, "momentum": 0.002, "rmsprop": 0.01, "adam": 0.05},
}


def race_rates(surface: str) -> dict[str, float]:
    """Default learning rate per optimiser on a surface (the surface's own rate otherwise).

    The lab's race and ``neuronlab race`` both start from these.
    """
    own = get_surface(surface).learning_rate
    return {name: RACE_RATES.get(surface, {}).get(name, own) for name in OPTIMIZERS}


def get_surface(surface: str | Surface) -> Surface:
    """Look a surface up by name (a Surface passes through)."""
    if isinstance(surface, Surface):
        return surface
    if not isinstance(surface, str) or surface not in SURFACES:
        raise ValueError(f"surface must be one of {', '.join(SURFACES)}; got {surface!r}")
    return SURFACES[surface]


@dataclass
class DescentPath:
    """The points an optimiser visited on a surface, and how the walk ended."""

    points: Array  # (steps + 1, 2): the start, then the point after every update
    losses: Array  # (steps + 1,): f at each point
    converged: bool  # the gradient norm fell below tol: a stationary point, maybe no minimum
    diverged: bool  # f became non-finite or too large, or the point left the box
    steps: int  # number of updates recorded in points
    message: str = ""  # one English sentence saying how the walk ended (outcome.sentence)
    outcome: Outcome | None = None  # where it ended: minimum, local minimum, saddle... (outcome.py)


def check_on_map(surface: str | Surface, start: tuple[float, float]) -> None:
    """Refuse a start outside the surface's plotting bounds (the map a learner sees).

    ``descend`` itself walks from anywhere; the lab and the command line start only where
    the picture can show the walk.
    """
    s = get_surface(surface)
    x_min, x_max, y_min, y_max = s.bounds
    x, y = start
    if not (x_min <= x <= x_max and y_min <= y <= y_max):
        raise ValueError(
            f"start must lie inside the {s.name} map, x in [{x_min:g}, {x_max:g}] and "
            f"y in [{y_min:g}, {y_max:g}]; got ({x:g}, {y:g})"
        )


def _check_start(start: object) -> Array:
    try:
        p = np.array(start, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"start must be two numbers (x, y), got {start!r}") from None
    if p.shape != (2,) or not np.all(np.isfinite(p)):
        raise ValueError(f"start must be two finite numbers (x, y), got {start!r}")
    return p


def descend(
    surface: str | Surface,
    start: tuple[float, float] | Array | None = None,
    optimizer: Optimizer | str = "sgd",
    *,
    steps: int = 500,
    tol: float = 1e-6,
    max_value: float = 1e6,
) -> DescentPath:
    """Run an optimiser on a surface from a start point.

    Each step computes g = ∇f(p) and calls ``optimizer.step([p], [g])``, which updates p in
    place (eq. 9 for SGD; optimisers.py has the others). The optimiser keeps its state
    (moments, step count) between calls, so a walk can be continued by calling again from its
    last point.

    Parameters
    ----------
    surface : str or Surface
        A key of ``SURFACES`` or a Surface.
    start : (2,) array-like, optional
        Where to begin; the surface's default start if omitted.
    optimizer : Optimizer or str
        An optimiser instance, or a name for ``make_optimizer`` at the surface's default rate.
    steps : int
        Most updates to take, 1 to 100000.
    tol : float
        Stop (converged) once the gradient norm |g| < tol.
    max_value : float
        Stop (diverged) once |f| exceeds this, f is not finite, or p leaves a box ten times
        the plotting bounds around their centre.

    Returns
    -------
    DescentPath
        ``points`` (k+1, 2), ``losses`` (k+1,), ``converged``, ``diverged``, ``steps`` = k,
        ``message``. A non-finite point is not recorded: the path ends at the last finite one.
    """
    surface = get_surface(surface)
    p = _check_start(surface.start if start is None else start)
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    tol = check_positive("tol", tol, allow_zero=True)
    max_value = check_positive("max_value", max_value)
    if isinstance(optimizer, str):
        optimizer = make_optimizer(optimizer, learning_rate=surface.learning_rate)
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer or a name, got {optimizer!r}")

    xmin, xmax, ymin, ymax = surface.bounds
    centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
    reach = BOX_FACTOR * np.array([(xmax - xmin) / 2, (ymax - ymin) / 2])

    converged = blew_up = False
    detail = ""
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is data, not a warning
        points, losses = [p.copy()], [float(surface.f(*p))]
        for k in range(1, steps + 1):
            g = surface.grad(p)
            if np.linalg.norm(g) < tol:
                converged = True
                break
            optimizer.step([p], [g])  # p ← p − η g (or the optimiser's own rule), in place
            value = float(surface.f(*p))
            if not (np.all(np.isfinite(p)) and math.isfinite(value)):
                blew_up, detail = True, f"the loss became infinite at step {k}"
                break
            points.append(p.copy())
            losses.append(value)
            if abs(value) > max_value:
                blew_up, detail = True, f"the loss reached {short_number(value)} at step {k}"
                break
            if np.any(np.abs(p - centre) > reach):
                blew_up, detail = True, f"the point flew far off the surface at step {k}"
                break
        else:
            converged = bool(np.linalg.norm(surface.grad(p)) < tol)
    points, losses = np.array(points), np.array(losses)
    taken = len(points) - 1
    if blew_up:
        outcome = diverged(points[-1], losses[-1], taken, detail)
    else:
        outcome = classify_point(surface, points[-1], steps=taken)
    message = outcome_sentence(outcome)
    return DescentPath(points, losses, converged, blew_up, taken, message, outcome)


def surface_grid(surface: str | Surface, resolution: int = 100) -> tuple[Array, Array, Array]:
    """Sample f on a regular grid over the surface's bounds, for contour and 3-D plots.

    Returns
    -------
    xs : (resolution,)
    ys : (resolution,)
    Z : (resolution, resolution), Z[i, j] = f(xs[j], ys[i]): rows follow y
    """
    surface = get_surface(surface)
    resolution = check_int("resolution", resolution, low=2, high=MAX_RESOLUTION)
    xmin, xmax, ymin, ymax = surface.bounds
    xs = np.linspace(xmin, xmax, resolution)
    ys = np.linspace(ymin, ymax, resolution)
    x, y = np.meshgrid(xs, ys)  # (resolution, resolution), rows follow y
    return xs, ys, surface.f(x, y)
