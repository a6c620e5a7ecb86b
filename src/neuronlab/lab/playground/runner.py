"""The code playground's runner: the learner's Python in a sandboxed child process.

Each run gets its own subprocess, started in a new session so that the whole process group
can be killed at once (``sandbox.py``: the environment, the folder, the spawn), inside
bubblewrap when the machine allows it (``bubblewrap.py``: namespaces, a read-only system,
no network, its own tmpfs folder, an unprivileged user), and:

- a wall-clock limit (10 s by default), enforced here with SIGKILL to the process group;
- CPU-time, memory (address space), file-size, open-file and process limits, set by the
  child on itself before it loads anything (``child.py``);
- an output cap (200 kB): the run is stopped when its output passes it
  (``channel.py``, which also reads the child's frames and caps its figures);
- an environment built from scratch (nothing inherited but ``OPENBLAS_CORETYPE``);
- a fresh working directory: a tmpfs in the sandbox, or a temporary folder removed afterwards;
- an audit hook in the child refusing processes, signals, sockets, ctypes and files outside
  its directory (an inner layer that explains refusals in words, not the wall: see
  docs/security.md).

The process group is killed on timeout, on Stop, when the output cap is passed, when the
run ends (stray children included) and when the caller goes away (``close``). The last
event says how the run ended, in words (``outcome.py``). Everything here is
asyncio: a run never blocks the server. ``Playground`` caps the runs going at once.

Usage::

    run = PlaygroundRun(code)
    await run.start()
    async for event in run.events():   # {"type": "stdout" | "stderr" | "figure" | "done", ...}
        ...
    await run.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from . import bubblewrap
from .channel import RunOutput
from .outcome import final_event
from .sandbox import Limits, make_workdir, remove_workdir, spawn

MAX_RUNS = 4  # runs at once on one server, all sessions together
SANDBOX_MODES = ("auto", "bubblewrap", "none")


class PlaygroundRun:
    """One run of the learner's code in a limited subprocess.

    Parameters
    ----------
    code : the Python source to run (as the file ``main.py``)
    limits : what the run may use
    python : the interpreter (the server's own by default)
    bwrap : bubblewrap's path to run inside the sandbox, or None for a plain process
    """

    def __init__(
        self,
        code: str,
        limits: Limits | None = None,
        python: str | None = None,
        bwrap: str | None = None,
    ):
        if not isinstance(code, str):
            raise TypeError(f"code must be a str, got {type(code).__name__}")
        self.limits = limits or Limits()
        if len(code) > self.limits.code_chars:
            raise ValueError(
                f"code must be at most {self.limits.code_chars} characters, got {len(code)}"
            )
        self.code = code
        self.python = python or sys.executable
        self.bwrap = bwrap
        self._output = RunOutput(self.limits, self._kill)
        self._process: asyncio.subprocess.Process | None = None
        self._workdir: str | None = None
        self._reason: str | None = None  # why we killed it: stopped, timeout, output, channel
        self._started = 0.0
        self._supervisor: asyncio.Task | None = None
        self._finished = asyncio.Event()

    # --- public -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._supervisor is not None and not self._finished.is_set()

    async def start(self) -> None:
        """Start the child process; events then arrive through ``events()``."""
        if self._supervisor is not None:
            raise RuntimeError("a PlaygroundRun runs once; make a new one")
        if self.bwrap is None:  # in the sandbox, main.py goes straight into its tmpfs
            self._workdir = make_workdir()
            Path(self._workdir, "main.py").write_text(self.code, encoding="utf-8")
        read_fd, write_fd = os.pipe()
        self._started = time.monotonic()
        try:
            self._process = await spawn(
                self.python, self._workdir, self.limits, write_fd, self.code, self.bwrap
            )
        except BaseException:
            os.close(read_fd)
            self._remove_workdir()
            raise
        finally:
            os.close(write_fd)  # only the child writes; its exit then ends our reads
        self._supervisor = asyncio.create_task(self._supervise(read_fd))

    def events(self) -> AsyncIterator[dict]:
        """Output, figures and finally one ``done`` event; text is merged as it queues up."""
        return self._output.events()

    def stop(self) -> None:
        """The learner pressed Stop: kill the process group now."""
        self._kill("stopped")

    async def close(self) -> None:
        """Kill the run if it is still going and wait until it is cleaned up."""
        if self._supervisor is None:
            self._remove_workdir()
            return
        if not self._finished.is_set():
            self._kill("stopped")
        try:
            await self._supervisor
        except asyncio.CancelledError:
            # the caller is being cancelled (server shutting down): clean up without waiting
            self._kill_group()
            self._remove_workdir()
            raise

    # --- the supervisor ---------------------------------------------------------------------
    async def _supervise(self, read_fd: int) -> None:
        process = self._process
        assert process is not None
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 16)
        pipe = os.fdopen(read_fd, "rb", buffering=0)
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe
        )
        tasks = [
            asyncio.create_task(self._output.read_channel(reader)),
            asyncio.create_task(self._output.read_raw(process.stdout)),
            asyncio.create_task(self._wait_and_sweep()),
        ]
        finished = asyncio.gather(*tasks, return_exceptions=True)
        try:
            try:
                await asyncio.wait_for(asyncio.shield(finished), self.limits.wall_seconds)
            except TimeoutError:
                self._kill("timeout")
            # once the group is dead every pipe closes; a process that left the group could
            # hold one open, so give up on the readers after a moment
            try:
                await asyncio.wait_for(asyncio.shield(finished), 3.0)
            except TimeoutError:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._kill_group()
            transport.close()
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            # synchronous on purpose: a few hundred files at most (the child caps them), and
            # no await before it means the folder goes even if this task is being cancelled
            self._remove_workdir()
            try:
                if process.returncode is None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(process.wait(), 3.0)
            finally:
                self._output.end(self._final_event())
                self._finished.set()

    async def _wait_and_sweep(self) -> None:
        assert self._process is not None
        # Process.wait() also waits for the pipes to close, which a child left behind holding
        # them would delay for ever: watch the return code instead
        while self._process.returncode is None:
            await asyncio.sleep(0.05)
        self._kill_group()  # children the code may have left behind die with it

    # --- ending -----------------------------------------------------------------------------
    def _kill(self, reason: str) -> None:
        if self._reason is None and not self._finished.is_set():
            self._reason = reason
        self._kill_group()
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()  # even if it left its group

    def _kill_group(self) -> None:
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)

    def _remove_workdir(self) -> None:
        if self._workdir is not None:
            remove_workdir(self._workdir)
            self._workdir = None

    def _final_event(self) -> dict:
        returncode = self._process.returncode if self._process is not None else None
        if self.bwrap is not None:
            returncode = bubblewrap.exit_code(returncode)
        return final_event(
            self.limits,
            reason=self._reason,
            done=self._output.done,
            returncode=returncode,
            started=self._started,
        )


class Playground:
    """The server's playground: its limits, its sandbox and how many runs are going at once.

    Parameters
    ----------
    limits : what each run may use
    max_runs : runs at once, all pages together
    sandbox : ``"auto"`` runs inside bubblewrap when this machine can, as plain limited
        processes otherwise; ``"bubblewrap"`` insists on the sandbox; ``"none"`` never uses it
    """

    def __init__(
        self, limits: Limits | None = None, max_runs: int = MAX_RUNS, sandbox: str = "auto"
    ) -> None:
        if max_runs < 1:
            raise ValueError(f"max_runs must be at least 1, got {max_runs}")
        if sandbox not in SANDBOX_MODES:
            raise ValueError(f"sandbox must be one of {', '.join(SANDBOX_MODES)}, got {sandbox!r}")
        self.limits = limits or Limits()
        self.max_runs = max_runs
        self.sandbox = sandbox
        if sandbox == "none":
            self.check = bubblewrap.SandboxCheck(None, "the sandbox is switched off")
        else:
            self.check = bubblewrap.check()
        self.active: set[PlaygroundRun] = set()

    @property
    def sandboxed(self) -> bool:
        """Whether runs start inside bubblewrap."""
        return self.check.available

    def stop_all(self) -> None:
        """Kill every run now (the server is stopping); each cleans up as it ends."""
        for run in list(self.active):
            run.stop()

    def new_run(self, code: str) -> PlaygroundRun:
        """A run not started yet; ``PlaygroundBusy`` when ``max_runs`` are going."""
        if len(self.active) >= self.max_runs:
            raise PlaygroundBusy(
                f"The server is running {self.max_runs} programs already: "
                "try again in a few seconds."
            )
        run = PlaygroundRun(code, self.limits, bwrap=self.check.bwrap if self.sandboxed else None)
        self.active.add(run)
        return run

    async def finish(self, run: PlaygroundRun) -> None:
        """Close a run and free its place."""
        try:
            await run.close()
        finally:
            self.active.discard(run)


class PlaygroundBusy(RuntimeError):
    """Too many runs at once on this server."""
