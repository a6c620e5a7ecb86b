"""Where a playground run lives: its limits, its environment, its folder, and how it starts.

``spawn`` starts ``child.py`` under ``python -I`` (no user site-packages, no
``PYTHON*`` variables; ``neuronlab`` importable through its package's parent directory) in
a new session, so that the whole process group can be killed at once. When the machine
can (``bubblewrap.check()``), the child starts inside bubblewrap (``bubblewrap.py``: its own
namespaces, a read-only system, a size-capped tmpfs for its folder, no network); otherwise
as a plain process in a temporary folder of the host, which the server allows on loopback
only. The child sets the CPU-time, memory and file-size limits of ``Limits`` (and caps on
open files and processes) on itself before it loads anything; the wall clock and the
output and figure caps are the server's to enforce (``runner.py``, ``channel.py``).

The environment is built from scratch: nothing is inherited but ``OPENBLAS_CORETYPE``. A
host folder (no sandbox) is named after the server's process id and removed afterwards,
even when the code took away its own permissions on what it wrote; ``sweep_leftover_folders``
removes those of servers that died without cleaning up (``kill -9``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..leftovers import own_folders, running
from . import bubblewrap

CHILD_SCRIPT = Path(__file__).resolve().parent / "child.py"
PACKAGE_PARENT = Path(__file__).resolve().parents[3]  # the directory that holds neuronlab/
FOLDER_PREFIX = "neuronlab-run-"  # host folders: neuronlab-run-<server pid>-<random>
LEFTOVER_AGE = 3600.0  # seconds: a host folder this old is a leftover whoever made it
MAX_PROCESSES = 16  # RLIMIT_NPROC inside the sandbox, where the count starts from zero


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
    folder_bytes: int = 64 << 20  # the sandbox's folder (a tmpfs, so it is memory)

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
        "PWD": workdir,
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


async def spawn(
    python: str,
    workdir: str | None,
    limits: Limits,
    channel: int,
    code: str = "",
    bwrap: str | None = None,
) -> asyncio.subprocess.Process:
    """Start the child; it writes its frames to the inherited descriptor ``channel`` and
    everything else (fd 1 and 2 together) to the returned process's stdout.

    With ``bwrap`` (bubblewrap's path) the child runs in the sandbox, in ``/playground``
    where ``code`` is ``main.py``; without it, in ``workdir``, which holds ``main.py``.
    """
    child_limits = {
        "memory_bytes": limits.memory_bytes,
        "cpu_seconds": limits.cpu_seconds,
        "file_bytes": limits.file_bytes,
        "channel": channel,
        "parent": 0 if bwrap else os.getpid(),  # bubblewrap ties the run to the server
        "max_processes": MAX_PROCESSES if bwrap else None,
    }
    command = [python, "-I", "-u", str(CHILD_SCRIPT), str(PACKAGE_PARENT), json.dumps(child_limits)]
    options = {
        "stdin": asyncio.subprocess.DEVNULL,
        "stdout": asyncio.subprocess.PIPE,
        "stderr": asyncio.subprocess.STDOUT,
        "start_new_session": True,  # its own process group: one kill ends it all
    }
    if bwrap is None:
        if workdir is None:
            raise ValueError("workdir is needed to run without the sandbox")
        env = sandbox_environment(workdir, matplotlib_config_dir())
        return await asyncio.create_subprocess_exec(
            *command, cwd=workdir, env=env, pass_fds=(channel,), **options
        )
    font_caches = await matplotlib_font_caches(python)
    # bubblewrap copies main.py into the run's tmpfs and loads the filter from these
    code_fd = bubblewrap.memory_file("main.py", code.encode("utf-8"))
    filter_fd = bubblewrap.seccomp_file()
    passed = (channel, code_fd) if filter_fd is None else (channel, code_fd, filter_fd)
    try:
        args = bubblewrap.arguments(python, font_caches, code_fd, filter_fd, limits.folder_bytes)
        # bubblewrap gets the run's environment, not the server's: its own /proc entry shows
        env = sandbox_environment(bubblewrap.FOLDER, bubblewrap.MATPLOTLIB_DIR)
        return await asyncio.create_subprocess_exec(
            bwrap, *args, *command, env=env, pass_fds=passed, **options
        )
    finally:
        for fd in passed[1:]:
            os.close(fd)


async def matplotlib_font_caches(python: str) -> list[Path]:
    """matplotlib's font list, built once outside the sandbox (by a trusted command, no
    learner's code), then shown read-only to every run: building it costs seconds."""
    config_dir = matplotlib_config_dir()
    if config_dir is None:
        return []  # every run then builds its own, in its folder (slower)
    caches = sorted(Path(config_dir).glob("fontlist-v*.json"))
    if caches:
        return caches
    warm_up = await asyncio.create_subprocess_exec(
        python,
        "-I",
        "-c",
        "import matplotlib; matplotlib.use('Agg'); import matplotlib.font_manager",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        # HOME there too: no font of the server's user in the list, the runs could not see it
        env={**sandbox_environment(config_dir, config_dir)},
    )
    try:
        await asyncio.wait_for(warm_up.wait(), 120)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            warm_up.kill()
        await warm_up.wait()
    return sorted(Path(config_dir).glob("fontlist-v*.json"))


def make_workdir() -> str:
    """A host folder for a run without the sandbox, named after this server's process."""
    return tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-")


def sweep_leftover_folders(directory: str | None = None) -> list[str]:
    """Remove the run folders that servers left behind when they died (``kill -9``).

    A folder goes when the server named in it is no longer running, or when it is older
    than an hour (runs last seconds; a process id can be reused). Returns what was removed.
    """
    removed = []
    for folder in own_folders(FOLDER_PREFIX, directory):
        # an older version's name holds no process id: only its age tells
        orphan = folder.owner is not None and not running(folder.owner)
        if orphan or time.time() - folder.modified > LEFTOVER_AGE:
            with contextlib.suppress(OSError):
                remove_workdir(folder.path)
                removed.append(folder.path)
    return removed


def remove_workdir(workdir: str) -> None:
    """Remove a run's folder and everything the code left in it."""

    def make_writable_and_retry(function, path, _exc_info) -> None:
        # the code may have removed its own permissions on what it wrote
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU)
            function(path)

    if sys.version_info >= (3, 12):  # onerror is deprecated from 3.12 on
        shutil.rmtree(workdir, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(workdir, onerror=make_writable_and_retry)
