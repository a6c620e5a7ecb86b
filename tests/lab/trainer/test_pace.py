"""The trainer's pace (epochs a second, for a class to watch), against a fake clock: what the
session schedules, not how fast this machine happens to be."""

from __future__ import annotations

import pytest

from neuronlab.lab.settings import Settings
from neuronlab.lab.trainer import protocol as p
from neuronlab.lab.trainer import session as session_module
from neuronlab.lab.trainer.session import TrainingSession
from neuronlab.lab.trainer.setup import build_trainer, make_data


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def paced(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(session_module, "time", clock)
    session = TrainingSession("pace-test", Settings(), lambda message: None, lambda: None)
    session.config = p.TrainerConfig(speed=5)
    return session, clock


def epoch_ran(session: TrainingSession) -> None:
    """What the session does after each epoch it trains."""
    session._schedule_next_epoch()


def test_epochs_keep_to_the_beat_of_the_pace(paced):
    session, clock = paced
    epoch_ran(session)  # the first epoch ran at once
    assert session._next_epoch_at == pytest.approx(clock.now + 0.2)  # 5 a second
    due = session._next_epoch_at
    clock.now = due + 0.05  # a late wake-up on a busy server ...
    epoch_ran(session)
    assert session._next_epoch_at == pytest.approx(due + 0.2)  # ... does not slow the beat


def test_a_session_far_behind_starts_a_new_beat_instead_of_rushing(paced):
    session, clock = paced
    epoch_ran(session)
    clock.now += 2.0  # ten epochs late
    epoch_ran(session)
    assert session._next_epoch_at == pytest.approx(clock.now + 0.2)


def test_no_limit_makes_every_epoch_due_at_once(paced):
    session, clock = paced
    session.config = p.TrainerConfig(speed=0)
    epoch_ran(session)
    assert session._next_epoch_at == clock.now


def test_the_default_pace_is_one_a_class_can_watch():
    # The default spirals, trained as a session trains them (setup.build_trainer): at the
    # default pace a learner watches the boundary form for at least 3 s before 95% training
    # accuracy, and a class of 30 is there within 5 s (README, "A class on one server").
    config = p.TrainerConfig()
    data, _ = make_data(config)
    trainer = build_trainer(config, data, [])
    first = next(
        (epoch for epoch in range(1, 1001) if trainer.run_epoch().train_accuracy >= 0.95),
        None,
    )
    assert first is not None, "the default spirals never reached 95% in 1,000 epochs"
    seconds = first / config.speed
    assert 3.0 <= seconds <= 5.0, (first, config.speed)
