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
