"""The open training sessions: at most ``settings.max_sessions``, trained in turn by the
process's ``Scheduler`` on one BLAS thread each.

The registry is the lab's capacity limit. Past the cap, ``open`` raises ``LabBusy``, whose
message is the sentence the learner reads; closing a session frees its place at once, while
the scheduler finishes the epoch it may be in the middle of. With ``--workers``, the cap is
the lab's: the registries of every worker count their sessions in one shared integer
(``workers.lab_sessions``).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable

from ..settings import Settings
from ..workers import lab_sessions, session_prefix
from .scheduler import Scheduler
from .session import TrainingSession


class LabBusy(RuntimeError):
    """Every training session is taken."""


_blas_limit = None


def _limit_blas_threads() -> None:
    """One BLAS thread per session: several sessions then share the cores side by side."""
    global _blas_limit
    if _blas_limit is None:
        from threadpoolctl import threadpool_limits

        _blas_limit = threadpool_limits(limits=1, user_api="blas")


class SessionRegistry:
    """The open sessions, at most ``settings.max_sessions`` of them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._sessions: dict[str, TrainingSession] = {}
        self._lock = threading.Lock()
        self.scheduler = Scheduler()  # the threads that train them all, in turn
        self._lab = lab_sessions()  # the whole lab's count, when there are several workers

    def _take_place(self) -> bool:
        """Count one more session against the cap; False when the lab is full. Called with
        the lock held."""
        if self._lab is None:
            return len(self._sessions) < self.settings.max_sessions
        with self._lab.get_lock():
            if self._lab.value >= self.settings.max_sessions:
                return False
            self._lab.value += 1
            return True

    def _free_places(self, count: int) -> None:
        if self._lab is not None and count:
            with self._lab.get_lock():
                self._lab.value = max(0, self._lab.value - count)

    def open(
        self, on_message: Callable[[dict], None], on_frame: Callable[[], None]
    ) -> TrainingSession:
        """Start a session, or raise LabBusy when the cap is reached."""
        with self._lock:
            if not self._take_place():
                raise LabBusy(
                    f"The lab is busy: all {self.settings.max_sessions} training sessions are "
                    "in use. Close another trainer tab, or try again in a minute."
                )
            try:
                _limit_blas_threads()
                # the id names this worker process: another worker forwards its downloads here
                session_id = session_prefix(self.settings.worker) + secrets.token_urlsafe(12)
                session = TrainingSession(
                    session_id, self.settings, on_message, on_frame, self.scheduler
                )
            except BaseException:
                self._free_places(1)  # the place taken is not held by anyone
                raise
            self._sessions[session_id] = session
        session.start()
        return session

    def close(self, session: TrainingSession, wait: bool = True) -> None:
        """Forget the session and stop its thread (waiting for it unless ``wait`` is false)."""
        with self._lock:
            if self._sessions.pop(session.id, None) is not None:
                self._free_places(1)
        if wait:
            session.close()
        else:
            session.stop()

    def get(self, session_id: str) -> TrainingSession | None:
        with self._lock:
            return self._sessions.get(session_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def close_all(self, timeout: float = 1.0) -> None:
        """Stop every session, waiting at most ``timeout`` seconds in all: each thread is
        asked to stop first, so they finish their epochs side by side, not one after another
        (a session still in a long epoch is on a daemon thread, which dies with the process)."""
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
            self._free_places(len(sessions))
        for session in sessions:
            session.stop()
        deadline = time.monotonic() + timeout
        for session in sessions:
            session.close(timeout=max(0.0, deadline - time.monotonic()))
