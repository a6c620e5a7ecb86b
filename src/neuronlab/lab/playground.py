"""The code playground's runner: the learner's Python in a limited child process.

Each run gets its own subprocess (``python -I``: no user site-packages, no ``PYTHON*``
variables; ``neuronlab`` importable through its package's parent directory), started in a
new session so that the whole process group can be killed at once, and:

- a wall-clock limit (10 s by default), enforced here with SIGKILL to the process group;
- CPU-time, memory (address space), file-size, open-file and process limits, set by the
  child on itself before it loads anything (``playground_child.py``);
- an output cap (200 kB): the run is stopped when its output passes it;
- an environment built from scratch (nothing inherited but ``OPENBLAS_CORETYPE``);
- a fresh temporary working directory, removed afterwards;
- an audit hook in the child refusing processes, signals, sockets, ctypes and files outside
  its directory (a classroom guard, not a security boundary: see docs/security.md).

The process group is killed on timeout, on Stop, when the output cap is passed, when the
run ends (stray children included) and when the caller goes away (``close``). Everything
here is asyncio: a run never blocks the server.

Usage::

    run = PlaygroundRun(code)
    await run.start()
    async for event in run.events():   # {"type": "stdout" | "stderr" | "figure" | "done", ...}
        ...
    await run.close()
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import contextlib
import errno
import json
import os
import shutil
import signal
import stat
import struct
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path

CHILD_SCRIPT = Path(__file__).resolve().parent / "playground_child.py"
PACKAGE_PARENT = Path(__file__).resolve().parents[2]  # the directory that holds neuronlab/
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEADER = struct.Struct(">cI")
FRAME_KINDS = {b"o": "stdout", b"e": "stderr", b"f": "figure", b"d": "done"}
MAX_DONE_BYTES = 10_000
MAX_TEXT_FRAME = 65_536  # the child splits longer text
COALESCE_BYTES = 65_536  # text events merged into one message up to this size
MAX_RUNS = 4  # runs at once on one server, all sessions together


@dataclass(frozen=True)
class Limits:
    """What one run may use. The defaults suit a classroom on a small machine."""

    wall_seconds: float = 10.0  # from start to kill, including Python's start-up
    cpu_seconds: int = 10  # RLIMIT_CPU: SIGXCPU, then SIGKILL two seconds later
    memory_bytes: int = 1 << 30  # RLIMIT_AS; numpy + matplotlib need about 200 MB
    output_bytes: int = 200_000  # printed text, stdout and stderr together
    file_bytes: int = 16 << 20  # RLIMIT_FSIZE: largest file the code may write
    max_figures: int = 10  # figures shown per run
    figure_bytes: int = 2_000_000  # largest PNG accepted
    code_chars: int = 50_000  # longest program accepted

    def describe(self) -> dict:
        """The limits as plain numbers for the page."""
        return asdict(self)


def matplotlib_config_dir() -> str | None:
    """A per-user directory for matplotlib's font cache, shared by runs (built once)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "neuronlab", "matplotlib")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    except OSError:
        return None  # then every run builds its own cache in its directory (slower)
    return path


def sandbox_environment(workdir: str, config_dir: str | None) -> dict[str, str]:
    """The child's environment, built from scratch: no secret of the server's is inherited."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": config_dir or os.path.join(workdir, ".matplotlib"),
        # one BLAS thread: runs share two cores with the server and with each other
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if "OPENBLAS_CORETYPE" in os.environ:  # some CPUs need it for OpenBLAS to load at all
        env["OPENBLAS_CORETYPE"] = os.environ["OPENBLAS_CORETYPE"]
    return env


class PlaygroundRun:
    """One run of the learner's code in a limited subprocess.

    Parameters
    ----------
    code : the Python source to run (as the file ``main.py``)
    limits : what the run may use
    python : the interpreter (the server's own by default)
    """

    def __init__(self, code: str, limits: Limits | None = None, python: str | None = None):
        if not isinstance(code, str):
            raise TypeError(f"code must be a str, got {type(code).__name__}")
        self.limits = limits or Limits()
        if len(code) > self.limits.code_chars:
            raise ValueError(
                f"code must be at most {self.limits.code_chars} characters, got {len(code)}"
            )
        self.code = code
        self.python = python or sys.executable
        self._queue: asyncio.Queue[dict] = asyncio.Queue()
        self._process: asyncio.subprocess.Process | None = None
        self._workdir: str | None = None
        self._reason: str | None = None  # why we killed it: stopped, timeout, output, channel
        self._done: dict | None = None  # the child's own account of how the code ended
        self._output_used = 0
        self._figures = 0
        self._figure_note = False
        self._started = 0.0
        self._supervisor: asyncio.Task | None = None
        self._finished = asyncio.Event()
        # a frame may end inside a character: decode each stream incrementally
        self._decoders = {
            kind: codecs.getincrementaldecoder("utf-8")("replace") for kind in ("stdout", "stderr")
        }

    # --- public -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._supervisor is not None and not self._finished.is_set()

    async def start(self) -> None:
        """Start the child process; events then arrive through ``events()``."""
        if self._supervisor is not None:
            raise RuntimeError("a PlaygroundRun runs once; make a new one")
        self._workdir = tempfile.mkdtemp(prefix="neuronlab-run-")
        Path(self._workdir, "main.py").write_text(self.code, encoding="utf-8")
        read_fd, write_fd = os.pipe()
        limits = json.dumps(
            {
                "memory_bytes": self.limits.memory_bytes,
                "cpu_seconds": self.limits.cpu_seconds,
                "file_bytes": self.limits.file_bytes,
                "channel": write_fd,
                "parent": os.getpid(),
            }
        )
        self._started = time.monotonic()
        try:
            self._process = await asyncio.create_subprocess_exec(
                self.python,
                "-I",
                "-u",
                str(CHILD_SCRIPT),
                str(PACKAGE_PARENT),
                limits,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=self._workdir,
                env=sandbox_environment(self._workdir, matplotlib_config_dir()),
                start_new_session=True,  # its own process group: one kill ends it all
                pass_fds=(write_fd,),
            )
        except BaseException:
            os.close(read_fd)
            self._remove_workdir()
            raise
        finally:
            os.close(write_fd)  # only the child writes; its exit then ends our reads
        self._supervisor = asyncio.create_task(self._supervise(read_fd))

    async def events(self) -> AsyncIterator[dict]:
        """Output, figures and finally one ``done`` event; text is merged as it queues up."""
        while True:
            event = await self._queue.get()
            if event["type"] in ("stdout", "stderr"):
                while not self._queue.empty() and len(event["text"]) < COALESCE_BYTES:
                    following = self._queue._queue[0]  # peek: merge only the same stream
                    if following["type"] != event["type"]:
                        break
                    self._queue.get_nowait()
                    event = {"type": event["type"], "text": event["text"] + following["text"]}
            yield event
            if event["type"] == "done":
                return

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
            asyncio.create_task(self._read_channel(reader)),
            asyncio.create_task(self._read_raw(process.stdout)),
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
                self._queue.put_nowait(self._final_event())
                self._finished.set()

    async def _wait_and_sweep(self) -> None:
        assert self._process is not None
        # Process.wait() also waits for the pipes to close, which a child left behind holding
        # them would delay for ever: watch the return code instead
        while self._process.returncode is None:
            await asyncio.sleep(0.05)
        self._kill_group()  # children the code may have left behind die with it

    async def _read_channel(self, reader: asyncio.StreamReader) -> None:
        largest = max(self.limits.figure_bytes, MAX_TEXT_FRAME, MAX_DONE_BYTES)
        while True:
            try:
                header = await reader.readexactly(HEADER.size)
            except asyncio.IncompleteReadError:
                return
            kind, length = HEADER.unpack(header)
            if kind not in FRAME_KINDS or length > largest:
                self._kill("channel")
                return
            try:
                payload = await reader.readexactly(length)
            except asyncio.IncompleteReadError:
                return
            self._frame(FRAME_KINDS[kind], payload)

    async def _read_raw(self, stream: asyncio.StreamReader | None) -> None:
        """What the child writes to its own fd 1 and 2 (C libraries, crashes, start-up)."""
        if stream is None:
            return
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while True:
            chunk = await stream.read(65_536)
            if not chunk:
                return
            self._text("stderr", decoder.decode(chunk))

    def _frame(self, kind: str, payload: bytes) -> None:
        if kind in ("stdout", "stderr"):
            self._text(kind, self._decoders[kind].decode(payload))
        elif kind == "figure":
            self._figure(payload)
        elif kind == "done" and self._done is None and len(payload) <= MAX_DONE_BYTES:
            with contextlib.suppress(ValueError):
                done = json.loads(payload)
                if isinstance(done, dict):
                    self._done = done

    def _text(self, kind: str, text: str) -> None:
        if not text or self._reason == "output":
            return
        size = len(text.encode("utf-8"))
        room = self.limits.output_bytes - self._output_used
        if size > room:
            text = text.encode("utf-8")[: max(room, 0)].decode("utf-8", "ignore")
            size = self.limits.output_bytes - self._output_used
        self._output_used += size
        if text:
            self._queue.put_nowait({"type": kind, "text": text})
        if self._output_used >= self.limits.output_bytes:
            self._kill("output")

    def _figure(self, png: bytes) -> None:
        if not png.startswith(PNG_SIGNATURE) or len(png) > self.limits.figure_bytes:
            self._text("stderr", "(a figure was too large to show)\n")
            return
        if self._figures >= self.limits.max_figures:
            if not self._figure_note:
                self._figure_note = True
                self._text("stderr", f"(only the first {self.limits.max_figures} figures shown)\n")
            return
        self._figures += 1
        self._queue.put_nowait({"type": "figure", "png": base64.b64encode(png).decode("ascii")})

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
        if self._workdir is None:
            return

        def make_writable_and_retry(function, path, _exc_info) -> None:
            # the code may have removed its own permissions on what it wrote
            with contextlib.suppress(OSError):
                os.chmod(os.path.dirname(path), stat.S_IRWXU)
                os.chmod(path, stat.S_IRWXU)
                function(path)

        shutil.rmtree(self._workdir, onerror=make_writable_and_retry)
        self._workdir = None

    def _final_event(self) -> dict:
        seconds = round(time.monotonic() - self._started, 2)
        status, message = self._outcome()
        if status == "ok":
            message = message.replace("Finished", f"Finished in {seconds:.2f} s", 1)
        return {"type": "done", "status": status, "message": message, "seconds": seconds}

    def _outcome(self) -> tuple[str, str]:
        limits, reason, done = self.limits, self._reason, self._done
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
        code = self._process.returncode if self._process is not None else None
        if code is not None and code < 0:
            name = _signal_name(-code)
            if -code == signal.SIGXCPU or (-code == signal.SIGKILL and self._cpu_exhausted()):
                return "cpu", (
                    f"CPU limit: the run used more than {limits.cpu_seconds} seconds of "
                    "processor time and was stopped."
                )
            return "crashed", f"The run ended unexpectedly: killed by {name}."
        return "crashed", f"The run ended unexpectedly (exit code {code})."

    def _cpu_exhausted(self) -> bool:
        return time.monotonic() - self._started >= self.limits.cpu_seconds


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


class Playground:
    """The server's playground: its limits and how many runs are going at once."""

    def __init__(self, limits: Limits | None = None, max_runs: int = MAX_RUNS) -> None:
        if max_runs < 1:
            raise ValueError(f"max_runs must be at least 1, got {max_runs}")
        self.limits = limits or Limits()
        self.max_runs = max_runs
        self.active: set[PlaygroundRun] = set()

    def new_run(self, code: str) -> PlaygroundRun:
        """A run not started yet; ``PlaygroundBusy`` when ``max_runs`` are going."""
        if len(self.active) >= self.max_runs:
            raise PlaygroundBusy(
                f"The server is running {self.max_runs} programs already: "
                "try again in a few seconds."
            )
        run = PlaygroundRun(code, self.limits)
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
