"""Optimisers (eq. 9, momentum, RMSProp, Adam): the first two steps by hand, convergence on the
bowl and Rosenbrock."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuronlab.engine.optimisers import (
    OPTIMIZERS,
    SGD,
    Adam,
    Momentum,
    Optimizer,
    RMSProp,
    make_optimizer,
)
from neuronlab.engine.surfaces import SURFACES, descend

# Two arrays of different shapes, as a network hands over (or several layers would):
# the optimiser must keep separate state for each.
THETA_0 = [np.array([1.0, -2.0, 0.5]), np.array([[0.3, -0.1], [2.0, 4.0]])]
GRAD_1 = [np.array([0.5, -1.0, 2.0]), np.array([[1.0, 0.0], [-3.0, 0.25]])]
GRAD_2 = [np.array([-0.2, 0.4, 1.0]), np.array([[0.5, -2.0], [1.0, 0.0]])]


def two_steps(optimizer: Optimizer) -> list[list[np.ndarray]]:
    """θ after step 1 (with GRAD_1) and after step 2 (with GRAD_2)."""
    theta = [t.copy() for t in THETA_0]
    optimizer.step(theta, GRAD_1)
    after_1 = [t.copy() for t in theta]
    optimizer.step(theta, GRAD_2)
    return [after_1, theta]


def assert_same(actual: list[list[np.ndarray]], expected: list[list[np.ndarray]]) -> None:
    for step_actual, step_expected in zip(actual, expected, strict=True):
        for a, e in zip(step_actual, step_expected, strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-13, atol=1e-15)


def by_hand(update) -> list[list[np.ndarray]]:
    """Apply ``update(i, theta, g1, g2) -> (theta_1, theta_2)`` to each array i."""
    pairs = [update(t, g1, g2) for t, g1, g2 in zip(THETA_0, GRAD_1, GRAD_2, strict=True)]
    return [[p[0] for p in pairs], [p[1] for p in pairs]]


def test_sgd_first_two_steps():
    eta = 0.1

    def update(t0, g1, g2):
        t1 = t0 - eta * g1  # eq. 9: θ ← θ − η g
        t2 = t1 - eta * g2
        return t1, t2

    assert_same(two_steps(SGD(eta)), by_hand(update))


def test_momentum_first_two_steps():
    eta, mu = 0.1, 0.9

    def update(t0, g1, g2):
        v1 = mu * 0.0 - eta * g1  # v ← μ v − η g, v starts at 0
        t1 = t0 + v1  # θ ← θ + v
        v2 = mu * v1 - eta * g2
        t2 = t1 + v2
        return t1, t2

    assert_same(two_steps(Momentum(eta, momentum=mu)), by_hand(update))


def test_nesterov_first_two_steps():
    eta, mu = 0.1, 0.8

    def update(t0, g1, g2):
        v1 = mu * 0.0 - eta * g1  # v ← μ v − η g
        t1 = t0 + mu * v1 - eta * g1  # θ ← θ + μ v − η g (look ahead along the new v)
        v2 = mu * v1 - eta * g2
        t2 = t1 + mu * v2 - eta * g2
        return t1, t2

    assert_same(two_steps(Momentum(eta, momentum=mu, nesterov=True)), by_hand(update))
    # and it differs from plain momentum, so the flag does something
    plain = two_steps(Momentum(eta, momentum=mu))
    assert not np.allclose(plain[1][0], by_hand(update)[1][0])


def test_rmsprop_first_two_steps():
    eta, rho, eps = 0.01, 0.9, 1e-8

    def update(t0, g1, g2):
        s1 = rho * 0.0 + (1 - rho) * g1**2  # s ← ρ s + (1 − ρ) g²
        t1 = t0 - eta * g1 / (np.sqrt(s1) + eps)  # θ ← θ − η g / (√s + ε)
        s2 = rho * s1 + (1 - rho) * g2**2
        t2 = t1 - eta * g2 / (np.sqrt(s2) + eps)
        return t1, t2

    assert_same(two_steps(RMSProp(eta, rho=rho, epsilon=eps)), by_hand(update))


def test_adam_first_two_steps():
    eta, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8

    def update(t0, g1, g2):
        m1 = b1 * 0.0 + (1 - b1) * g1  # m ← β₁ m + (1 − β₁) g
        v1 = b2 * 0.0 + (1 - b2) * g1**2  # v ← β₂ v + (1 − β₂) g²
        m_hat, v_hat = m1 / (1 - b1**1), v1 / (1 - b2**1)  # bias corrections, t = 1
        t1 = t0 - eta * m_hat / (np.sqrt(v_hat) + eps)  # θ ← θ − η m̂ / (√v̂ + ε)
        m2 = b1 * m1 + (1 - b1) * g2
        v2 = b2 * v1 + (1 - b2) * g2**2
        m_hat, v_hat = m2 / (1 - b1**2), v2 / (1 - b2**2)  # t = 2
        t2 = t1 - eta * m_hat / (np.sqrt(v_hat) + eps)
        return t1, t2

    assert_same(two_steps(Adam(eta, beta_1=b1, beta_2=b2, epsilon=eps)), by_hand(update))
    # the bias correction makes the first step ≈ η·sign(g) wherever g ≠ 0
    first = two_steps(Adam(eta))[0][0]
    np.testing.assert_allclose(THETA_0[0] - first, eta * np.sign(GRAD_1[0]), rtol=1e-6)


@pytest.mark.parametrize(
    ("b1", "b2", "eps"), [(0.9, 0.999, 1e-8), (0.5, 0.9, 1e-3), (0.0, 0.99, 0.1)]
)
def test_adam_equals_algorithm_1_over_many_steps(b1, b2, eps):
    """The chunked in-place code (η m̂ fused into one line) gives the same θ and moments as
    Algorithm 1 written out in float64, step after step, with gradients of every size."""
    rng = np.random.default_rng(3)
    eta = 0.01
    theta = rng.standard_normal(40)
    expected, m, v = theta.copy(), np.zeros(40), np.zeros(40)
    adam = Adam(eta, beta_1=b1, beta_2=b2, epsilon=eps)
    for t in range(1, 61):
        g = rng.standard_normal(40) * 10.0 ** rng.integers(-6, 4, size=40)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        expected = expected - eta * m_hat / (np.sqrt(v_hat) + eps)
        adam.step([theta], [g])
        np.testing.assert_allclose(theta, expected, rtol=1e-12, atol=1e-14)
    state = adam._state[0]
    np.testing.assert_allclose(state["m"], m, rtol=1e-12)
    np.testing.assert_allclose(state["v"], v, rtol=1e-12)


def second_step_by_hand(name: str, t1, g, eta_1: float, eta_2: float):
    """θ after a first step at η₁ and a second at η₂, both with gradient g (default settings)."""
    if name == "sgd":
        return t1 - eta_2 * g
    if name == "momentum":
        v1 = -eta_1 * g
        return t1 + (0.9 * v1 - eta_2 * g)
    if name == "rmsprop":
        s2 = 0.9 * (0.1 * g**2) + 0.1 * g**2
        return t1 - eta_2 * g / (np.sqrt(s2) + 1e-8)
    m2 = 0.9 * (0.1 * g) + 0.1 * g  # adam
    v2 = 0.999 * (0.001 * g**2) + 0.001 * g**2
    m_hat, v_hat = m2 / (1 - 0.9**2), v2 / (1 - 0.999**2)
    return t1 - eta_2 * m_hat / (np.sqrt(v_hat) + 1e-8)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_learning_rate_change_takes_effect_on_the_next_step(name):
    opt = make_optimizer(name, learning_rate=0.1)
    theta, g = [np.array([1.0, -1.0])], [np.array([0.5, 2.0])]
    opt.step(theta, g)
    after_1 = theta[0].copy()
    opt.learning_rate = 0.001  # as the lab does between two steps
    assert opt.learning_rate == 0.001
    opt.step(theta, g)
    expected = second_step_by_hand(name, after_1, g[0], 0.1, 0.001)
    np.testing.assert_allclose(theta[0], expected, rtol=1e-14)
    unchanged = second_step_by_hand(name, after_1, g[0], 0.1, 0.1)
    assert not np.allclose(theta[0], unchanged)  # the old rate would have given another point


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_reset_forgets_the_state(name):
    opt = make_optimizer(name, learning_rate=0.05)
    fresh = make_optimizer(name, learning_rate=0.05)
    theta = [np.array([1.0, 2.0])]
    for _ in range(3):
        opt.step(theta, [np.array([0.3, -0.7])])
    opt.reset()
    assert opt.t == 0
    a, b = [np.array([0.5, 0.5])], [np.array([0.5, 0.5])]
    opt.step(a, [np.array([1.0, -1.0])])
    fresh.step(b, [np.array([1.0, -1.0])])
    np.testing.assert_array_equal(a[0], b[0])


def test_optimisers_update_in_place_and_count_steps():
    opt = Adam(0.1)
    theta = np.array([1.0, 1.0])
    same = theta
    opt.step([theta], [np.array([1.0, 1.0])])
    assert theta is same and opt.t == 1 and theta[0] < 1.0


# Convergence: the same optimiser classes on a two-parameter problem, through ``descend``.
# Each row: optimiser, learning rate, extra arguments, most steps allowed. ``descend`` stops
# ("converged") once |∇f| < 1e-6. Step counts measured on this engine are in the comments;
# the budgets leave some room.
BOWL = [  # f = x² + y² from (1.6, 1.2); minimum (0, 0)
    ("sgd", 0.1, {}, 100),  # 69 steps: p shrinks by (1 − 2η) = 0.8 a step
    ("momentum", 0.1, {}, 300),  # 208
    ("momentum", 0.1, {"nesterov": True}, 100),  # 64
    ("rmsprop", 0.01, {}, 300),  # 211
    ("adam", 0.1, {}, 350),  # 248
]
ROSENBROCK = [  # f = (1 − x)² + 100 (y − x²)² from (−1.2, 1); minimum (1, 1)
    ("sgd", 0.0015, {}, 25_000),  # 21374 (η must stay below 2/1001.6 ≈ 0.002 at the minimum)
    ("momentum", 0.001, {}, 4_000),  # 3020
    ("momentum", 0.001, {"nesterov": True}, 4_000),  # 3066
    ("adam", 0.05, {}, 3_000),  # 2457
]


def ids(rows):
    return [f"{name}{'-nesterov' if kw else ''}-{lr}" for name, lr, kw, _ in rows]


@pytest.mark.parametrize("name, learning_rate, kwargs, budget", BOWL, ids=ids(BOWL))
def test_reaches_the_bottom_of_the_bowl(name, learning_rate, kwargs, budget):
    bowl = SURFACES["bowl"]
    assert bowl.start == (1.6, 1.2) and bowl.minima == ((0.0, 0.0),)
    path = descend(bowl, bowl.start, make_optimizer(name, learning_rate, **kwargs), steps=budget)
    assert path.converged and not path.diverged, path.message
    assert path.steps <= budget
    assert np.linalg.norm(path.points[-1]) < 1e-6


@pytest.mark.parametrize("name, learning_rate, kwargs, budget", ROSENBROCK, ids=ids(ROSENBROCK))
def test_reaches_the_rosenbrock_minimum(name, learning_rate, kwargs, budget):
    rosenbrock = SURFACES["rosenbrock"]
    assert rosenbrock.start == (-1.2, 1.0) and rosenbrock.minima == ((1.0, 1.0),)
    optimizer = make_optimizer(name, learning_rate, **kwargs)
    path = descend(rosenbrock, rosenbrock.start, optimizer, steps=budget)
    assert path.converged and not path.diverged, path.message
    assert np.linalg.norm(path.points[-1] - 1.0) < 1e-5


def test_rmsprop_reaches_the_rosenbrock_minimum():
    # RMSProp's step is about η·sign(g) whatever |g|, so at a fixed rate it ends circling the
    # minimum at a distance of order η instead of meeting |∇f| < 1e-6: we state a distance.
    # Measured: within 1e-3 of (1, 1) for good from step 9474 at η = 0.001.
    rosenbrock = SURFACES["rosenbrock"]
    path = descend(rosenbrock, rosenbrock.start, RMSProp(0.001), steps=12_000)
    assert not path.diverged
    distance = np.linalg.norm(path.points - 1.0, axis=1)
    assert distance[-1] < 1e-3
    assert distance[-1000:].max() < 1e-3  # it stays there
    assert path.losses[-1] < 1e-3  # from 24.2 at the start


def test_too_large_a_rate_diverges_on_the_bowl():
    # at η > 1 SGD multiplies p by |1 − 2η| > 1 each step: the walk must blow up, not converge
    path = descend("bowl", (1.0, 1.0), SGD(1.5), steps=200)
    assert path.diverged and not path.converged


@pytest.mark.parametrize("bad", [0, 0.0, -0.1, float("nan"), float("inf")])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_learning_rate_must_be_positive(name, bad):
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        make_optimizer(name, learning_rate=bad)
    opt = make_optimizer(name, learning_rate=0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = bad
    assert opt.learning_rate == 0.1  # a rejected value changes nothing


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: make_optimizer("adagrad"), ValueError, "optimizer must be one of"),
        (lambda: make_optimizer(None), ValueError, "optimizer must be one of"),
        (lambda: make_optimizer("sgd", learning_rate="fast"), TypeError, "learning_rate"),
        (lambda: Momentum(0.1, momentum=1.0), ValueError, "momentum"),
        (lambda: Momentum(0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda: RMSProp(0.1, rho=1.5), ValueError, "rho"),
        (lambda: Adam(0.1, beta_1=1.0), ValueError, "beta_1"),
        (lambda: Adam(0.1, beta_2=-0.1), ValueError, "beta_2"),
        (lambda: Adam(0.1, epsilon=0.0), ValueError, "epsilon"),
        (lambda: make_optimizer("adam", 0.1, momentum=0.9), TypeError, "momentum"),
    ],
)
def test_bad_arguments_name_the_argument(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_registry_and_defaults():
    assert OPTIMIZERS == {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam}
    adam = make_optimizer("adam", learning_rate=0.002)
    assert isinstance(adam, Adam) and adam.learning_rate == 0.002
    assert (adam.beta_1, adam.beta_2, adam.epsilon) == (0.9, 0.999, 1e-8)
    momentum = make_optimizer("momentum", 0.1)
    assert momentum.momentum == 0.9 and momentum.nesterov is False
    assert math.isclose(make_optimizer("rmsprop", 0.1).rho, 0.9)


def test_an_option_another_optimizer_takes_is_named_with_the_choices():
    with pytest.raises(TypeError, match=r"optimizer 'sgd' takes \['learning_rate'\]"):
        make_optimizer("sgd", learning_rate=0.1, beta_1=0.9)


def test_adam_follows_its_hyper_parameters_when_they_change_mid_run():
    """β₁, β₂ and ε enter the update as arrays made once per dtype: setting one afresh must
    reach the next step (and be checked as in the constructor)."""
    eta, g1, g2 = 0.01, np.array([0.3, -2.0, 1e-4]), np.array([-1.0, 0.5, 2.0])
    adam, theta = Adam(eta), np.zeros(3)
    adam.step([theta], [g1])  # with the defaults: m = 0.1 g₁, v = 0.001 g₁²
    t1 = theta.copy()
    adam.beta_1, adam.beta_2, adam.epsilon = 0.5, 0.9, 1e-3
    adam.step([theta], [g2])
    m2 = 0.5 * (0.1 * g1) + 0.5 * g2
    v2 = 0.9 * (0.001 * g1**2) + 0.1 * g2**2
    expected = t1 - eta * (m2 / (1 - 0.5**2)) / (np.sqrt(v2 / (1 - 0.9**2)) + 1e-3)
    np.testing.assert_allclose(theta, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="beta_1"):
        adam.beta_1 = 1.5
    with pytest.raises(ValueError, match="epsilon"):
        adam.epsilon = -1.0


def test_adam_on_float32_parameters_stays_float32_and_follows_algorithm_1():
    rng = np.random.default_rng(5)
    theta = rng.standard_normal(300).astype(np.float32)
    expected = theta.astype(np.float64)
    m = v = np.zeros(300)
    adam = Adam(0.01)
    for t in range(1, 6):
        g = rng.standard_normal(300).astype(np.float32)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g.astype(np.float64) ** 2
        expected = expected - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        adam.step([theta], [g])
    assert theta.dtype == np.float32 and adam._state[0]["m"].dtype == np.float32
    np.testing.assert_allclose(theta, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_unpickled_optimiser_goes_on_from_its_moments(dtype):
    # a pickled estimator carries its optimiser: after loading, the next step continues from
    # m and v (an unpickled dtype is an equal copy, not the same object, and must still match)
    import pickle

    rng = np.random.default_rng(6)
    theta = rng.standard_normal(50).astype(dtype)
    grads = [rng.standard_normal(50).astype(dtype) for _ in range(4)]
    adam = Adam(0.01)
    for g in grads[:3]:
        adam.step([theta], [g])
    copy_theta = theta.copy()  # as a pickled estimator rebuilds its network's parameters
    copy_adam = pickle.loads(pickle.dumps(adam))
    adam.step([theta], [grads[3]])
    copy_adam.step([copy_theta], [grads[3]])
    assert copy_adam.t == 4
    np.testing.assert_array_equal(copy_adam._state[0]["m"], adam._state[0]["m"])
    np.testing.assert_array_equal(copy_theta, theta)


def test_an_optimiser_pickled_by_an_older_version_keeps_its_moments():
    # before 2026-12-07 a state named its θ by one "like" entry and had no "chunks" entry
    # when unchunked, and Adam kept no bias-correction arrays: such a pickle still steps on
    import pickle

    rng = np.random.default_rng(7)
    theta = rng.standard_normal(40)
    grads = [rng.standard_normal(40) for _ in range(3)]
    adam = Adam(0.01)
    for g in grads[:2]:
        adam.step([theta], [g])
    old = pickle.loads(pickle.dumps(adam))
    state = old._state[0]
    state["like"] = (state.pop("shape"), state.pop("dtype"))
    for name in ("chunks", "scale_m", "scale_v"):
        del state[name]
    old = pickle.loads(pickle.dumps(old))  # unpickled the way an old file would be
    old_theta = theta.copy()
    adam.step([theta], [grads[2]])
    old.step([old_theta], [grads[2]])
    np.testing.assert_array_equal(old._state[0]["m"], adam._state[0]["m"])
    np.testing.assert_array_equal(old_theta, theta)
