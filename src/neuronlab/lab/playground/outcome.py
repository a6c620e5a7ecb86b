"""How a playground run ended: a status the page knows and the sentence the learner reads.

``final_event`` builds a run's last event, ``{"type": "done", "status", "message",
"seconds"}``. The status is ``ok``, ``error``, ``stopped``, ``timeout``, ``output``, ``cpu``,
``memory``, ``refused`` or ``crashed``. Why the server killed the run decides first (Stop,
the wall clock, the output cap, an unreadable channel); then the child's own account of how
the code ended (its ``done`` frame); then, when there is none, how the process died. Each
limit's message says what to change.
"""

from __future__ import annotations

import errno
import signal
import time

from .sandbox import Limits


def final_event(
    limits: Limits,
    *,
    reason: str | None,
    done: dict | None,
    returncode: int | None,
    started: float,
) -> dict:
    """The ``done`` event of a run started at ``started`` (``time.monotonic()``).

    Parameters
    ----------
    limits : the run's limits, quoted in the messages
    reason : why the server killed it (stopped, timeout, output, channel), or None
    done : the child's own account of how the code ended, or None if it sent none
    returncode : the process's exit code (negative: the signal that killed it), or None
    started : when the run started, on the ``time.monotonic()`` clock
    """
    seconds = round(time.monotonic() - started, 2)
    status, message = _outcome(limits, reason, done, returncode, started)
    if status == "ok":
        message = message.replace("Finished", f"Finished in {seconds:.2f} s", 1)
    return {"type": "done", "status": status, "message": message, "seconds": seconds}


def _outcome(
    limits: Limits, reason: str | None, done: dict | None, code: int | None, started: float
) -> tuple[str, str]:
    if reason == "stopped":
        return "stopped", "Stopped: you pressed Stop (or left the page)."
    if reason == "timeout":
        return "timeout", (
            f"Time limit: the run was stopped after {limits.wall_seconds:g} seconds. "
            "Look for a loop that never ends or a long sleep, or do less work."
        )
    if reason == "output":
        return "output", (
            f"Output limit: the run printed more than {limits.output_bytes // 1000} kB "
            "and was stopped. Print less (a summary every few epochs)."
        )
    if reason == "channel":
        return "crashed", "The run wrote something unreadable to its output channel."
    if done is not None:
        return _code_outcome(done, limits)
    if code is not None and code < 0:
        name = _signal_name(-code)
        if -code == signal.SIGXCPU or (-code == signal.SIGKILL and _cpu_exhausted(started, limits)):
            return "cpu", (
                f"CPU limit: the run used more than {limits.cpu_seconds} seconds of "
                "processor time and was stopped."
            )
        return "crashed", f"The run ended unexpectedly: killed by {name}."
    return "crashed", f"The run ended unexpectedly (exit code {code})."


def _cpu_exhausted(started: float, limits: Limits) -> bool:
    return time.monotonic() - started >= limits.cpu_seconds


def _code_outcome(done: dict, limits: Limits) -> tuple[str, str]:
    outcome = done.get("outcome")
    if outcome == "ok":
        return "ok", "Finished."
    if outcome == "exit":
        return "ok", f"Finished: the code called sys.exit({str(done.get('code'))[:40]})."
    kind = str(done.get("type", "Exception"))[:80]
    message = str(done.get("message", ""))[:300]
    if kind == "MemoryError":
        return "memory", (
            f"Memory limit: the code asked for more than the {limits.memory_bytes >> 20} MB "
            "a run may use (MemoryError). Use smaller arrays."
        )
    if kind == "PermissionError" and message.startswith("the playground"):
        return "refused", f"Refused: {message}."
    if kind == "OSError" and message.startswith(f"[Errno {errno.EFBIG}]"):
        size = limits.file_bytes
        size_text = f"{size >> 20} MB" if size >= 1 << 20 else f"{size} bytes"
        return "error", (  # "error" as before: the page words each status it knows
            f"File limit: the code wrote a file larger than the {size_text} a run may write "
            "(OSError: File too large). Write smaller files."
        )
    detail = f": {message}" if message else ""
    return "error", f"The code raised {kind}{detail} (the traceback is above)."


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
