"""Where a playground run lives: its limits, its environment, its folder, and how it starts.

``spawn`` starts ``child.py`` under ``python -I`` (no user site-packages, no
``PYTHON*`` variables; ``neuronlab`` importable through its package's parent directory) in
a new session, so that the whole process group can be killed at once. The child sets the
CPU-time, memory and file-size limits of ``Limits`` (and caps on open files and processes)
on itself before it loads anything; the wall clock and the output and figure caps are the
server's to enforce (``runner.py``, ``channel.py``).

The environment is built from scratch: nothing is inherited but ``OPENBLAS_CORETYPE``. The
run's temporary folder, which holds its ``main.py``, is removed afterwards even when the
code took away its own permissions on what it wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import stat
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

CHILD_SCRIPT = Path(__file__).resolve().parent / "child.py"
PACKAGE_PARENT = Path(__file__).resolve().parents[3]  # the directory that holds neuronlab/


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


async def spawn(
    python: str, workdir: str, limits: Limits, channel: int
) -> asyncio.subprocess.Process:
    """Start the child in ``workdir``; it writes its frames to the inherited descriptor
    ``channel`` and everything else (fd 1 and 2 together) to the returned process's stdout.
    """
    child_limits = json.dumps(
        {
            "memory_bytes": limits.memory_bytes,
            "cpu_seconds": limits.cpu_seconds,
            "file_bytes": limits.file_bytes,
            "channel": channel,
            "parent": os.getpid(),
        }
    )
    return await asyncio.create_subprocess_exec(
        python,
        "-I",
        "-u",
        str(CHILD_SCRIPT),
        str(PACKAGE_PARENT),
        child_limits,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=workdir,
        env=sandbox_environment(workdir, matplotlib_config_dir()),
        start_new_session=True,  # its own process group: one kill ends it all
        pass_fds=(channel,),
    )


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
