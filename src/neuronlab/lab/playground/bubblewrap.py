"""The playground's operating-system sandbox: each run inside bubblewrap (``bwrap``).

bubblewrap is the small sandboxing tool Flatpak uses (Debian: ``apt install bubblewrap``).
Every run gets, from the kernel rather than from Python:

- new user, PID, network, IPC, UTS, mount and cgroup namespaces (``--unshare-all``): no
  network at all (a loopback of its own, with nothing listening), its own process tree (the
  run's code is process 2, and when it ends the kernel kills everything it started), no
  System V IPC shared with the host;
- an unprivileged user: uid and gid ``65534`` ("nobody") inside, no capabilities, no further
  user namespaces (``--disable-userns`` where bubblewrap has it, 0.8 on; the seccomp filter
  refuses ``unshare`` and ``setns`` anyway);
- a root file system made of nothing: ``/usr`` (with the ``/bin``, ``/lib`` links), the
  dynamic linker's cache, the Python installation, its virtual environment and the
  directory holding ``neuronlab``, all read-only; a fresh ``/proc`` for its own PID
  namespace, a minimal ``/dev``; and ``/playground``, a size-capped tmpfs that is its
  folder and the only place it can write (the root is remounted read-only). Nothing of
  the host's ``/home``, ``/tmp``, ``/etc`` or ``/proc`` is there;
- the environment ``sandbox.sandbox_environment`` builds, and nothing else (bubblewrap
  itself is started with it, so even ``/proc/1/environ`` holds no secret);
- a new terminal session (``--new-session``: no typing into the server's terminal) and
  death with its parent (``--die-with-parent``: if the server dies, so does the run);
- a seccomp filter that refuses new processes (``seccomp.py``): threads only.

The resource limits and the audit hook of ``child.py`` stay inside as inner layers.

``check()`` finds out once per process whether this machine can do all that (bubblewrap
installed, user namespaces allowed) by starting the interpreter in such a sandbox.
"""

from __future__ import annotations

import functools
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import seccomp

FOLDER = "/playground"  # the run's folder inside the sandbox: a tmpfs of its own
MATPLOTLIB_DIR = FOLDER + "/.matplotlib"
USER_ID = GROUP_ID = 65534  # "nobody" and "nogroup" on Debian and most other systems
TOP_LEVEL = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")  # links into /usr, mostly
HOST_FILES = ("/etc/ld.so.cache",)  # the dynamic linker finds libraries faster with it


@dataclass(frozen=True)
class SandboxCheck:
    """Whether runs can be sandboxed here: bubblewrap's path, or why not (a sentence)."""

    bwrap: str | None
    problem: str | None = None

    @property
    def available(self) -> bool:
        return self.bwrap is not None and self.problem is None


@functools.cache
def check(python: str = sys.executable) -> SandboxCheck:
    """Start ``python`` once in the sandbox to learn whether this machine can sandbox runs.

    The answer is kept for the life of the process (a few tens of milliseconds, once).
    """
    if not sys.platform.startswith("linux"):
        return SandboxCheck(None, "the sandbox (bubblewrap) needs Linux")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return SandboxCheck(None, "bubblewrap is not installed (Debian: apt install bubblewrap)")
    filter_fd = seccomp_file()
    try:
        options = arguments(python, [], code_fd=None, seccomp_fd=filter_fd)
        result = subprocess.run(
            [bwrap, *options, python, "-I", "-c", ""],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            env={"PATH": "/usr/bin:/bin"},
            pass_fds=() if filter_fd is None else (filter_fd,),
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return SandboxCheck(None, f"bubblewrap could not start ({error})")
    finally:
        if filter_fd is not None:
            os.close(filter_fd)
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1] if said else f"exit code {result.returncode}"
        return SandboxCheck(
            None, f"bubblewrap cannot make a sandbox here ({reason}): are user namespaces off?"
        )
    return SandboxCheck(bwrap)


@functools.cache
def offers(option: str) -> bool:
    """Whether the installed bubblewrap has ``option`` (its help lists it)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    try:
        said = subprocess.run([bwrap, "--help"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option.encode() in said.stdout + said.stderr


def memory_file(name: str, data: bytes) -> int:
    """A descriptor of an anonymous in-memory file holding ``data``, read from its start."""
    fd = os.memfd_create(name)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


def seccomp_file() -> int | None:
    """The seccomp filter in a descriptor for ``--seccomp``, or None on another machine."""
    filter_program = seccomp.program()
    return None if filter_program is None else memory_file("seccomp", filter_program)


def read_only_paths(python: str) -> list[str]:
    """The host directories a run needs: Python, its environment, the libraries, neuronlab.

    Each once, none inside another, never ``/`` or a home directory as a whole.
    """
    from .sandbox import PACKAGE_PARENT

    interpreter = Path(python)
    wanted = {
        sys.base_prefix,
        sys.prefix,
        str(PACKAGE_PARENT),
        str(interpreter.parent.parent),  # the prefix of the interpreter we start (a venv's)
        str(interpreter.resolve().parent.parent),  # and of the one it links to
        *site.getsitepackages(),
    }
    forbidden = {"/", os.path.expanduser("~"), "/home", "/root", "/tmp", "/etc", "/proc"}
    paths = sorted(
        os.path.realpath(path)
        for path in wanted
        if os.path.isdir(path) and os.path.realpath(path) not in forbidden
    )
    kept: list[str] = []
    for path in ["/usr", *paths]:  # /usr is bound anyway
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept[1:]


def arguments(
    python: str,
    font_caches: list[Path],
    code_fd: int | None,
    seccomp_fd: int | None,
    folder_bytes: int = 64 << 20,
) -> list[str]:
    """bubblewrap's options for one run (the command follows them).

    ``code_fd`` is a descriptor bubblewrap copies into ``/playground/main.py``, and
    ``seccomp_fd`` one holding the filter (``seccomp_file()``); ``font_caches`` are
    matplotlib's font lists, shown read-only so that no run rebuilds them.
    """
    args = [
        "--unshare-all",
        "--unshare-user",  # explicit: fail rather than run without a user namespace
        *(["--disable-userns"] if offers("--disable-userns") else []),  # bubblewrap 0.8+
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        str(USER_ID),
        "--gid",
        str(GROUP_ID),
        "--hostname",
        "playground",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for top in TOP_LEVEL:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in HOST_FILES:
        args += ["--ro-bind-try", path, path]
    for path in read_only_paths(python):
        args += ["--ro-bind", path, path]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(folder_bytes), "--perms", "0700", "--tmpfs", FOLDER]
    if code_fd is not None:
        args += ["--file", str(code_fd), FOLDER + "/main.py"]
    args += ["--dir", MATPLOTLIB_DIR]
    for cache in font_caches:
        if cache.is_file():
            args += ["--ro-bind", str(cache), f"{MATPLOTLIB_DIR}/{cache.name}"]
    args += ["--remount-ro", "/"]  # the root bubblewrap built: /playground stays writable
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args += ["--chdir", FOLDER, "--"]
    return args


def exit_code(returncode: int | None) -> int | None:
    """bubblewrap exits with 128 + N when the code was killed by signal N: say it as -N,
    as for a process we started ourselves."""
    if returncode is not None and 128 < returncode < 128 + 65:
        return -(returncode - 128)
    return returncode
