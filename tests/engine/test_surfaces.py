"""Loss surfaces: gradients against finite differences, minima, and descent with the optimisers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuronlab.engine.optimisers import make_optimizer
from neuronlab.engine.surfaces import SURFACES, DescentPath, Surface, descend, surface_grid

NAMES = list(SURFACES)


def central_difference(surface: Surface, p: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """(f(p + h e_i) − f(p − h e_i)) / 2h for each coordinate i."""
    g = np.empty(2)
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        g[i] = (surface.f(*(p + e)) - surface.f(*(p - e))) / (2 * h)
    return g


def test_registry_holds_the_promised_surfaces():
    assert {"bowl", "valley", "saddle", "rosenbrock", "himmelblau"} <= set(SURFACES)
    for name, surface in SURFACES.items():
        assert surface.name == name
        assert surface.title and len(surface.description) > 40
        xmin, xmax, ymin, ymax = surface.bounds
        assert xmin < xmax and ymin < ymax
        assert xmin <= surface.start[0] <= xmax and ymin <= surface.start[1] <= ymax
        assert surface.learning_rate > 0 and surface.minima


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    surface = SURFACES[name]
    xmin, xmax, ymin, ymax = surface.bounds
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = rng.uniform([xmin, ymin], [xmax, ymax])
        g = surface.grad(p)
        numeric = central_difference(surface, p)
        scale = max(1.0, np.abs(numeric).max())
        np.testing.assert_allclose(g, numeric, atol=1e-6 * scale, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_f_is_vectorised(name):
    surface = SURFACES[name]
    x = np.linspace(-1, 1, 7)
    y = np.linspace(0.5, -0.5, 7)
    values = surface.f(x, y)
    assert values.shape == (7,)
    np.testing.assert_allclose(values, [surface.f(a, b) for a, b in zip(x, y, strict=True)])


@pytest.mark.parametrize("name", NAMES)
def test_every_known_minimum_has_zero_gradient_and_is_a_local_minimum(name):
    surface = SURFACES[name]
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    for minimum in surface.minima:
        p = np.array(minimum)
        assert np.linalg.norm(surface.grad(p)) < 1e-9
        for radius in (1e-3, 1e-2):
            ring = p + radius * np.column_stack([np.cos(angles), np.sin(angles)])
            assert np.all(surface.f(ring[:, 0], ring[:, 1]) > surface.f(*p))


def test_known_minimum_values():
    assert SURFACES["rosenbrock"].f(1.0, 1.0) == 0
    for x, y in SURFACES["himmelblau"].minima:
        assert SURFACES["himmelblau"].f(x, y) == pytest.approx(0, abs=1e-20)
    for x, y in SURFACES["saddle"].minima:
        assert SURFACES["saddle"].f(x, y) == pytest.approx(-1)
    assert len(SURFACES["himmelblau"].minima) == 4


def test_the_saddle_is_a_stationary_point_but_not_a_minimum():
    saddle = SURFACES["saddle"]
    np.testing.assert_array_equal(saddle.grad(np.zeros(2)), [0, 0])
    assert saddle.f(0.0, 0.1) < saddle.f(0.0, 0.0) < saddle.f(0.1, 0.0)


def test_plain_sgd_walks_down_the_bowl_to_the_origin():
    path = descend("bowl", (1.5, -1.0), make_optimizer("sgd", learning_rate=0.1), steps=500)
    assert isinstance(path, DescentPath)
    assert path.converged and not path.diverged
    assert np.linalg.norm(path.points[-1]) < 1e-6
    assert path.points.shape == (path.steps + 1, 2) and path.losses.shape == (path.steps + 1,)
    np.testing.assert_array_equal(path.points[0], [1.5, -1.0])
    assert np.all(np.diff(path.losses) < 0)  # every step on the bowl goes downhill at this rate
    # on the bowl SGD multiplies p by (1 − 2η) = 0.8 every step
    np.testing.assert_allclose(path.points[1], [1.2, -0.8])
    assert "converged" in path.message
    # its tiny numbers read as the lab's readouts write them: 3.29e−7, not 3.291e-07
    x, y = path.points[-1]
    assert f"at ({x:.3g}, {y:.3g})".replace("e-0", "e-").replace("-", "−") in path.message
    assert "e-0" not in path.message


def test_a_too_large_rate_on_the_bowl_diverges_and_says_so():
    path = descend("bowl", (1.0, 1.0), make_optimizer("sgd", learning_rate=1.5), steps=500)
    assert path.diverged and not path.converged
    assert path.steps < 500
    assert "diverged" in path.message and "learning rate" in path.message
    assert np.all(np.isfinite(path.points)) and np.all(np.isfinite(path.losses))
    assert path.losses[-1] > path.losses[0]


def test_overflow_becomes_a_divergence_not_a_warning():
    # one step of rate 1e160 lands near 2e160, where x² overflows to infinity
    with np.errstate(all="raise"):
        path = descend("bowl", (1.0, 1.0), make_optimizer("sgd", learning_rate=1e160))
    assert path.diverged and "infinite" in path.message
    assert path.steps == 0 and path.points.shape == (1, 2)  # the non-finite point is dropped
    with np.errstate(all="raise"):
        path = descend("rosenbrock", (-2.0, 3.0), make_optimizer("sgd", learning_rate=0.1))
    assert path.diverged and np.all(np.isfinite(path.points))


def test_sgd_stops_at_the_saddle_when_started_on_its_ridge_and_escapes_with_a_nudge():
    stuck = descend("saddle", (1.5, 0.0), "sgd", steps=1000)
    assert stuck.converged
    np.testing.assert_allclose(stuck.points[-1], [0, 0], atol=1e-6)
    free = descend("saddle", (1.5, 0.01), "sgd", steps=1000)
    assert free.converged
    np.testing.assert_allclose(free.points[-1], [0, math.sqrt(2)], atol=1e-5)


def test_adam_reaches_rosenbrocks_minimum_where_sgd_does_not():
    # Adam at learning rate 0.02 from the classic start (-1.2, 1): within 0.05 of (1, 1)
    # after 3000 steps (it first gets there at about step 2000).
    adam = descend(
        "rosenbrock", (-1.2, 1.0), make_optimizer("adam", learning_rate=0.02), steps=3000
    )
    assert np.abs(adam.points[-1] - [1, 1]).max() < 0.05
    sgd = descend("rosenbrock", (-1.2, 1.0), make_optimizer("sgd", learning_rate=0.001), steps=3000)
    assert not sgd.diverged and np.abs(sgd.points[-1] - [1, 1]).max() > 0.05


@pytest.mark.parametrize("name", NAMES)
def test_default_start_and_rate_descend_without_diverging(name):
    path = descend(name, optimizer="sgd", steps=2000)
    assert not path.diverged
    assert path.losses[-1] < path.losses[0]


def test_himmelblau_minimum_depends_on_the_start():
    found = set()
    for start in [(2, 2), (-2, 2), (-2, -2), (2, -2)]:
        path = descend("himmelblau", start, "sgd", steps=2000)
        assert path.converged
        found.add(tuple(np.round(path.points[-1], 3)))
    assert len(found) == 4


def test_optimizer_state_carries_over_between_calls():
    optimizer = make_optimizer("momentum", learning_rate=0.01)
    first = descend("valley", (-2.5, 1.0), optimizer, steps=10)
    second = descend("valley", first.points[-1], optimizer, steps=10)
    fresh = descend(
        "valley", first.points[-1], make_optimizer("momentum", learning_rate=0.01), steps=10
    )
    assert not np.allclose(second.points[-1], fresh.points[-1])  # the velocity was kept


def test_surface_grid_orientation():
    xs, ys, Z = surface_grid("valley", resolution=31)
    assert xs.shape == (31,) and ys.shape == (31,) and Z.shape == (31, 31)
    assert xs[0] == -3 and xs[-1] == 3 and ys[0] == -1.5 and ys[-1] == 1.5
    assert Z[4, 9] == SURFACES["valley"].f(xs[9], ys[4])  # rows follow y, columns follow x


@pytest.mark.parametrize(
    ("call", "argument", "error"),
    [
        (lambda: descend("mountain"), "surface", ValueError),
        (lambda: descend("bowl", (1.0,)), "start", ValueError),
        (lambda: descend("bowl", (1.0, float("nan"))), "start", ValueError),
        (lambda: descend("bowl", ("a", "b")), "start", TypeError),
        (lambda: descend("bowl", steps=0), "steps", ValueError),
        (lambda: descend("bowl", steps=100_001), "steps", ValueError),
        (lambda: descend("bowl", tol=-1.0), "tol", ValueError),
        (lambda: descend("bowl", optimizer="newton"), "optimizer", ValueError),
        (lambda: descend("bowl", optimizer=0.1), "optimizer", TypeError),
        (lambda: surface_grid("bowl", resolution=1), "resolution", ValueError),
        (lambda: surface_grid("plateau"), "surface", ValueError),
    ],
)
def test_bad_arguments_name_themselves(call, argument, error):
    with pytest.raises(error, match=rf"^{argument} must"):
        call()


def test_unknown_surface_lists_the_known_ones():
    with pytest.raises(ValueError, match="bowl, valley, saddle, rosenbrock, himmelblau"):
        descend("everest")
