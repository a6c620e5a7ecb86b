"""Folders a killed lab left in the temporary directory, and whether their owner still runs.

The workers' private sockets (``workers.py``) and the playground's run folders
(``playground/sandbox.py``) are named ``<prefix><server pid>-…``. After a ``kill -9`` nothing
removes them, so each sweeps its own at start; what the two share is finding them and asking
whether the process named in them is alive. What makes a folder stale is each one's own rule.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Leftover:
    path: str
    owner: int | None  # the server's process id in the name; None in an older version's name
    modified: float  # st_mtime


def own_folders(prefix: str, directory: str | None = None) -> Iterator[Leftover]:
    """This user's directories in ``directory`` (the temporary one by default) whose names
    start with ``prefix``; symbolic links and other users' folders are left alone."""
    try:
        entries = list(os.scandir(directory or tempfile.gettempdir()))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        owner = entry.name[len(prefix) :].split("-", 1)[0]
        yield Leftover(entry.path, int(owner) if owner.isdigit() else None, info.st_mtime)


def running(pid: int) -> bool:
    """Whether a process with this id exists (another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
