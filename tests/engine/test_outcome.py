"""Where a descent ended: minimum, local minimum, saddle, flat, still descending, diverged;
and the race's one definition of "reached the minimum"."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuronlab.engine.optimisers import make_optimizer
from neuronlab.engine.outcome import (
    NEAR,
    OUTCOMES,
    classify_point,
    hessian,
    lowest_minima,
    reached_step,
    read_race,
)
from neuronlab.engine.surfaces import SURFACES, descend


def test_a_walk_stopped_on_the_saddle_is_a_saddle_with_its_way_down():
    path = descend("saddle", (1.5, 0.0), "sgd", steps=2000)
    assert path.converged  # the gradient vanished: that flag alone cannot tell a saddle
    assert path.outcome.kind == "saddle"
    assert path.outcome.direction == pytest.approx((0.0, 1.0), abs=1e-6)  # f = x² − y² + y⁴/4
    assert path.outcome.eigenvalues == pytest.approx((-2.0, 2.0), rel=1e-4)
    sentence = path.outcome.sentence
    assert sentence.startswith("stuck on a saddle point") and "converged" not in sentence
    assert "falls away both ways along (0, 1)" in sentence
    assert "the lowest known minima are at (0, 1.41) and (0, −1.41), loss −1" in sentence
    assert path.message == sentence  # the walk's own message is the same sentence
    # a nudge in y and it rolls on into a true minimum
    rolled = descend("saddle", (1.5, 0.01), "sgd", steps=2000)
    assert rolled.outcome.kind == "converged" and "one of the lowest minima" in rolled.message
    assert classify_point("saddle", (0.0, 0.0)).kind == "saddle"


def test_the_issues_saddle_case_left_of_centre_is_not_called_converged():
    # Descent → Saddle → a start at the map's vertical middle, left of centre → Descend
    path = descend("saddle", (-1.0, 0.0), make_optimizer("sgd", learning_rate=0.1), steps=300)
    assert path.outcome.kind == "saddle" and path.steps < 300
    assert "converged" not in path.message and "saddle" in path.message


def test_a_rastrigin_dip_is_a_local_minimum_that_names_the_lowest():
    path = descend("rastrigin", (2.2, -1.7), "adam", steps=2000)
    outcome = path.outcome
    assert path.converged and outcome.kind == "local minimum"
    assert outcome.value > 7 and outcome.lowest == (0.0, 0.0) and outcome.lowest_value == 0.0
    assert outcome.eigenvalues[0] > 0  # it does curve up every way: a minimum, not the lowest
    assert "local minimum" in outcome.sentence
    assert "the lowest known minimum is at (0, 0), loss 0" in outcome.sentence
    assert descend("rastrigin", (0.3, -0.2), "sgd", steps=2000).outcome.kind == "converged"


def test_the_lowest_minima_are_the_ones_as_low_as_any():
    minima, low = lowest_minima("saddle")
    assert minima == ((0.0, math.sqrt(2)), (0.0, -math.sqrt(2))) and low == pytest.approx(-1.0)
    minima, low = lowest_minima("himmelblau")
    assert len(minima) == 4 and low == pytest.approx(0.0, abs=1e-20)
    assert lowest_minima("rastrigin") == (((0.0, 0.0),), 0.0)


def test_a_flat_end_is_flat_not_a_minimum():
    class Trough:  # f = x²: flat along y everywhere, the gradient zero on the whole line x = 0
        minima = ((0.0, 0.0),)

        @staticmethod
        def f(x, y):
            return np.asarray(x) ** 2 + 0 * np.asarray(y)

        @staticmethod
        def grad(p):
            return np.array([2 * p[0], 0.0])

    outcome = classify_point(Trough(), (0.0, 3.0))
    assert outcome.kind == "flat" and "flat" in outcome.sentence


def test_hessian_by_differences_matches_the_analytic_one():
    x, y = 0.7, -0.4  # Rosenbrock: H = [[2 − 400(y − 3x²), −400x], [−400x, 200]]
    expected = [[2 - 400 * (y - 3 * x**2), -400 * x], [-400 * x, 200]]
    np.testing.assert_allclose(hessian("rosenbrock", (x, y)), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="point"):
        hessian("bowl", (0.0, math.nan))


def test_every_end_gets_an_outcome_and_the_old_flags_stay():
    far = descend("bowl", (1.6, 1.2), make_optimizer("sgd", learning_rate=1.5), steps=100)
    assert far.diverged and far.outcome.kind == "diverged"
    assert far.message.startswith("diverged: ") and far.message.endswith("learning rate.")
    slow = descend("rosenbrock", (-1.2, 1.0), make_optimizer("sgd", learning_rate=1e-4), steps=50)
    assert not slow.converged and slow.outcome.kind == "still descending"
    assert "more steps" in slow.outcome.sentence
    for path in (far, slow):
        assert path.outcome.kind in OUTCOMES and path.outcome.steps == path.steps


# ------------------------------------------------------------------------------ the race
def test_reached_is_the_step_from_which_the_walk_stays_near_the_minimum():
    points = np.array([[1.0, 0], [0.05, 0], [0.3, 0], [0.05, 0], [0.01, 0]])  # bowl, near 0.1
    assert reached_step(points, "bowl", 0.1) == 3  # step 1 was near, but it left again
    assert reached_step(points[:3], "bowl", 0.1) is None
    assert reached_step(points[3:], "bowl", 0.1) == 0
    assert reached_step(points, "bowl", 0.1, blew_up=True) is None


def test_the_race_headline_and_rows_agree_on_the_bowl():
    # the issue: "Momentum reached the minimum first, at step 5" beside "converged at step 239"
    paths = {
        label: descend("bowl", (1.6, 1.2), make_optimizer(name, learning_rate=rate), steps=1000)
        for label, name, rate in [
            ("SGD", "sgd", 0.1), ("Momentum", "momentum", 0.05),
            ("RMSProp", "rmsprop", 0.05), ("Adam", "adam", 0.1),
        ]
    }  # fmt: skip
    race = read_race("bowl", paths, 0.1)
    first = min(step for step in race.reached.values() if step is not None)
    winner = next(label for label, step in race.reached.items() if step == first)
    assert race.headline.startswith(f"{winner} reached the minimum first, at step {first}")
    for label, step in race.reached.items():
        assert f"reached the minimum at step {step}" in race.summaries[label]
        after = np.linalg.norm(paths[label].points[step:], axis=1)
        assert after.max() < 0.1 and np.linalg.norm(paths[label].points[step - 1]) >= 0.1


def test_a_walk_still_moving_near_the_minimum_is_not_told_to_take_a_larger_rate():
    # the lab's default race: momentum stays within 0.1 of (1, 1) from step 486 but still
    # moves at step 1000 (|∇f| 0.0045); "still descending ... a larger rate" misread that
    momentum = make_optimizer("momentum", learning_rate=0.001)
    path = descend("rosenbrock", (-1.2, 1.0), momentum, steps=1000)
    gap = math.dist(path.outcome.point, (1.0, 1.0))
    assert path.outcome.kind == "still descending" and gap < NEAR
    sentence = path.outcome.sentence
    assert sentence.startswith("still moving near the minimum at (1, 1): ")
    assert "more steps may let it settle" in sentence and "larger rate" not in sentence
    race = read_race("rosenbrock", {"Momentum": path}, NEAR)
    step = race.reached["Momentum"]
    assert step is not None
    assert race.summaries["Momentum"] == f"reached the minimum at step {step}; still moving"
    assert race.kinds["Momentum"] == "still moving"
    assert race.sentences["Momentum"] == sentence
    # a race read with a tighter near: not reached, and its sentence agrees (no "near" words)
    tight = read_race("rosenbrock", {"Momentum": path}, gap / 2)
    assert tight.reached["Momentum"] is None and tight.kinds["Momentum"] == "still descending"
    assert tight.sentences["Momentum"].endswith("give it more steps or a larger rate.")
    # plain SGD at rate 1 on the bowl bounces across the minimum for ever: never "settles" on
    # its own words, and the sentence names the smaller rate that would
    bounce = descend("bowl", (0.05, 0.05), make_optimizer("sgd", learning_rate=1.0), steps=300)
    assert bounce.outcome.kind == "still descending"
    assert bounce.outcome.sentence.endswith("keeps circling or bouncing, a smaller rate will.")
    # far from every minimum, the old advice stands
    slow = descend("rosenbrock", (-1.2, 1.0), make_optimizer("sgd", learning_rate=1e-4), steps=50)
    assert slow.outcome.sentence.endswith("give it more steps or a larger rate.")


def test_a_race_nobody_wins_says_so_and_a_saddle_row_says_saddle():
    wild = make_optimizer("sgd", learning_rate=3.0)
    paths = {
        "SGD": descend("saddle", (1.5, 0.0), "sgd", steps=300),
        "Wild": descend("saddle", (1.5, 0.0), wild, steps=300),
    }
    race = read_race("saddle", paths, 0.1)
    assert race.reached == {"SGD": None, "Wild": None}
    assert race.summaries == {"SGD": "stuck on a saddle point", "Wild": "diverged: lower its rate"}
    assert race.headline.startswith("No optimiser reached the minimum")
    with pytest.raises(ValueError, match="near"):
        read_race("saddle", paths, 0.0)


def test_every_surface_knows_its_lowest_minimum():
    for surface in SURFACES.values():
        minima, low = lowest_minima(surface)
        assert minima and all(surface.f(*m) <= low + 1e-6 for m in minima)
