"""The scheduler: every session of a lab process is trained by the same few threads."""

from __future__ import annotations

import threading
import time

from neuronlab.lab.settings import Settings
from neuronlab.lab.trainer import protocol as p
from neuronlab.lab.trainer.registry import SessionRegistry
from neuronlab.lab.trainer.scheduler import THREADS, Scheduler


def trainer_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "trainer"]


def test_an_empty_scheduler_is_still_a_scheduler():
    # a truth test on it (``scheduler or Scheduler()``) must not take it for None
    assert Scheduler()
    assert len(Scheduler()) == 0


def test_twenty_sessions_share_the_process_s_threads():
    registry = SessionRegistry(Settings(max_sessions=20))
    before = len(trainer_threads())
    sessions = [registry.open(lambda message: None, lambda: None) for _ in range(20)]
    try:
        assert all(session._scheduler is registry.scheduler for session in sessions)
        assert len(registry.scheduler) == 20
        assert len(trainer_threads()) - before <= THREADS
        for session in sessions:
            session.submit(p.Configure(type="configure", config=p.TrainerConfig(speed=0)))
            session.submit(p.Step(type="step", epochs=3))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if all(s.trainer is not None and s.trainer.epoch == 3 for s in sessions):
                break
            time.sleep(0.05)
        assert [session.trainer.epoch for session in sessions] == [3] * 20
    finally:
        registry.close_all(timeout=5)
    assert len(registry.scheduler) == 0


def test_sessions_at_no_limit_get_an_epoch_a_round_each():
    """Fair sharing: six sessions as fast as they can on the process's two threads each
    get about the same number of epochs (one a round), none the lion's share."""
    registry = SessionRegistry(Settings(max_sessions=6))
    sessions = [registry.open(lambda message: None, lambda: None) for _ in range(6)]
    try:
        for session in sessions:
            session.submit(p.Configure(type="configure", config=p.TrainerConfig(speed=0)))
        for session in sessions:
            session.submit(p.Start(type="start"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until every one has run 30 epochs at least
            time.sleep(0.05)
            if all(s.trainer is not None and s.trainer.epoch >= 30 for s in sessions):
                break
        for session in sessions:
            session.submit(p.Pause(type="pause"))
        time.sleep(0.2)
        epochs = [session.trainer.epoch for session in sessions]
        assert min(epochs) >= 30
        assert min(epochs) >= 0.75 * max(epochs), epochs
    finally:
        registry.close_all(timeout=5)
