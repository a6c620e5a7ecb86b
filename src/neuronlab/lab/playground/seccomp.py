"""A seccomp filter for playground runs: threads yes, new processes no.

bubblewrap installs it (``--seccomp FD``) on the run's process just before Python starts,
and the kernel keeps it on everything that process does: a filter can be added to, never
removed. It refuses ``fork``, ``vfork`` and any ``clone`` without ``CLONE_THREAD`` with
EPERM, and ``clone3`` with ENOSYS, whose flags a filter cannot read, so that the C library
falls back to ``clone`` for threads. A fork bomb then fails at its first fork, even with
the audit hook switched off and even where ``RLIMIT_NPROC`` does not bind (a server run as
root: the kernel exempts root's processes from it). ``unshare`` and ``setns`` get EPERM
too: no new namespaces from inside (what ``--disable-userns`` also says, where bubblewrap
has it).

The filter is classic BPF over ``struct seccomp_data``: ``nr`` at offset 0, ``arch`` at 4,
``args[0]`` at 16 (its low 32 bits on a little-endian machine). Built for x86-64 and
AArch64; on other machines ``program()`` returns None and runs go without it.
"""

from __future__ import annotations

import errno
import platform
import struct

# instruction classes and modes (linux/bpf_common.h)
LOAD_WORD = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
JUMP_EQUAL = 0x05 | 0x10  # BPF_JMP | BPF_JEQ | BPF_K
JUMP_AT_LEAST = 0x05 | 0x30  # BPF_JMP | BPF_JGE | BPF_K
JUMP_ANY_BIT = 0x05 | 0x40  # BPF_JMP | BPF_JSET | BPF_K
RETURN = 0x06  # BPF_RET | BPF_K
# what a filter returns (linux/seccomp.h)
ALLOW = 0x7FFF0000
KILL_PROCESS = 0x80000000
ERRNO = 0x00050000
CLONE_THREAD = 0x00010000
X32_SYSCALL_BIT = 0x40000000

# machine: (AUDIT_ARCH_*, the refused calls: fork, vfork, unshare, setns; clone, clone3)
SYSCALLS = {
    "x86_64": (0xC000003E, (57, 58, 272, 308), 56, 435),
    "aarch64": (0xC00000B7, (97, 268), 220, 435),  # AArch64 has no fork or vfork call
}


def _instruction(code: int, k: int, jump_true: int = 0, jump_false: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jump_true, jump_false, k)  # struct sock_filter


def program(machine: str | None = None) -> bytes | None:
    """The filter as bytes for bubblewrap's ``--seccomp``, or None on another machine."""
    machine = machine or platform.machine()
    if machine not in SYSCALLS:
        return None
    arch, refused, clone, clone3 = SYSCALLS[machine]
    head = [
        _instruction(LOAD_WORD, 4),  # arch
        _instruction(JUMP_EQUAL, arch, 1, 0),
        _instruction(RETURN, KILL_PROCESS),  # a call made for another architecture
        _instruction(LOAD_WORD, 0),  # nr
    ]
    checks = [(X32_SYSCALL_BIT, JUMP_AT_LEAST, "eperm")] if machine == "x86_64" else []
    checks += [(number, JUMP_EQUAL, "eperm") for number in refused]
    checks += [(clone3, JUMP_EQUAL, "enosys"), (clone, JUMP_EQUAL, "clone")]
    # layout: head, checks, ALLOW, [clone: load flags, test, ALLOW], EPERM, ENOSYS
    start = len(head)
    allow_at = start + len(checks)
    clone_at = allow_at + 1
    eperm_at = clone_at + 3
    enosys_at = eperm_at + 1
    targets = {"eperm": eperm_at, "enosys": enosys_at, "clone": clone_at}
    body = []
    for index, (value, code, target) in enumerate(checks):
        here = start + index
        body.append(_instruction(code, value, targets[target] - here - 1, 0))
    tail = [
        _instruction(RETURN, ALLOW),
        _instruction(LOAD_WORD, 16),  # clone's flags (args[0], low word)
        _instruction(JUMP_ANY_BIT, CLONE_THREAD, 0, eperm_at - (clone_at + 1) - 1),
        _instruction(RETURN, ALLOW),  # a thread
        _instruction(RETURN, ERRNO | errno.EPERM),
        _instruction(RETURN, ERRNO | errno.ENOSYS),
    ]
    return b"".join(head + body + tail)
