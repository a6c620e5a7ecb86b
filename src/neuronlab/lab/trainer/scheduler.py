"""The threads that train every session of a lab process, in turn: ``Scheduler``.

A thread per session made the sessions of a process take turns at Python's lock in slices
of milliseconds, and every turn waited for the operating system to wake the next thread: on
a busy two-core machine, 15 sessions in one process got 10 frames a second each while the
process used half a core. Here a few threads (``THREADS``) serve all the sessions: each
takes the session that has waited longest for its turn (an epoch due by its pace, a frame
asked for, a command), gives it one epoch and what else is due, and puts it back. So
sessions share the process fairly: a session at "no limit" gets one epoch a round, like the
others, instead of the CPU; and one session's long epoch (a big network on many points,
batch size 1) holds up a single thread, not the lab.

Sessions keep their state; this module only decides who works when. ``TrainingSession``
says when it is next ready (``ready_at``) and does one round of work (``work``), both
called here with the scheduler's lock held for the first and released for the second.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .session import TrainingSession

THREADS = 2  # per process: a long epoch leaves the other thread to serve everyone else


class Scheduler:
    """Runs the work of every session it holds on at most ``threads`` threads."""

    def __init__(self, threads: int = THREADS) -> None:
        self.cond = threading.Condition()
        self._sessions: set[TrainingSession] = set()
        self._busy: set[TrainingSession] = set()
        self._threads: list[threading.Thread] = []
        self._size = threads

    def add(self, session: TrainingSession) -> None:
        """Serve ``session`` from now on (until it has finished)."""
        with self.cond:
            self._sessions.add(session)
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            while len(self._threads) < min(self._size, len(self._sessions)):
                thread = threading.Thread(target=self._serve, name="trainer", daemon=True)
                self._threads.append(thread)
                thread.start()
            self.cond.notify()

    def __len__(self) -> int:
        with self.cond:
            return len(self._sessions)

    def __bool__(self) -> bool:
        # a scheduler with no session yet is still a scheduler: without this, ``scheduler or
        # Scheduler()`` (and any truth test) took an empty one for None, and every session of
        # a lab got a scheduler, and a thread, of its own
        return True

    def _next(self) -> TrainingSession | None:
        """The session that has waited longest, once its turn has come; None when there
        are no sessions left (the thread ends). Called with the lock held."""
        while self._sessions:
            now = time.perf_counter()
            chosen, chosen_at = None, math.inf
            for session in self._sessions:
                if session in self._busy:
                    continue
                at = session.ready_at()
                if at < chosen_at:
                    chosen, chosen_at = session, at
            if chosen is not None and chosen_at <= now:
                return chosen
            # nothing due: sleep until the next turn, or until a command or a frame request
            self.cond.wait(None if chosen_at == math.inf else chosen_at - now)
        return None

    def _serve(self) -> None:
        # overflow on the way to a diverged loss is expected and reported: no warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while True:
                with self.cond:
                    session = self._next()
                    if session is None:
                        self._threads.remove(threading.current_thread())
                        return
                    self._busy.add(session)
                try:
                    session.work()
                finally:
                    with self.cond:
                        self._busy.discard(session)
                        if session.finished:
                            self._sessions.discard(session)
                        self.cond.notify()  # another thread may want this session now
                # give up Python's lock between two rounds: the event loop, which sends the
                # frames and reads the acks, gets its turn now rather than at the next switch
                time.sleep(0)
