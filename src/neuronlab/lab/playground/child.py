"""The playground's child process: set limits, load the library, guard, run the learner's code.

Started by ``sandbox.spawn`` as
``python -I -u child.py <package parent> <limits>`` in a fresh directory that holds
``main.py``: ``/playground`` inside bubblewrap, or a temporary folder of the host. Nothing
here is imported by the server: this file is a script for the child alone, standard library
at the top.

Order matters:

1. resource limits (memory, CPU time, file size, open files, processes), before anything
   big is loaded;
2. the trusted set-up: numpy, matplotlib (Agg) and neuronlab are imported, so the learner's
   imports of them are instant and need no file access;
3. ``sys.stdout``/``sys.stderr`` are replaced by writers that send framed messages on
   a pipe, the channel the server reads (figures travel on it too, in order with the text);
4. the audit hook (``sys.addaudithook``) is installed: from then on the process may not
   start processes, send signals, open sockets, load native code through ctypes, walk the
   garbage collector, or touch files outside its directory and Python's own libraries;
5. ``main.py`` runs; open figures are sent on ``plt.show()`` and at the end.

The hook is an inner layer that says in words what is refused, not the wall: the wall is
bubblewrap around this process (see docs/security.md).

Frames on the channel: one byte kind, four bytes big-endian length, payload.
``o`` stdout text, ``e`` stderr text, ``f`` PNG bytes, ``d`` done JSON (how the code ended).
"""

import json
import os
import resource
import struct
import sys

CHANNEL = 3  # replaced by the descriptor number the server passes
MAX_WRITTEN_FILES = 256
WRITERS: tuple = ()  # our stdout and stderr writers, whatever the code does to sys.stdout


def send(kind: bytes, payload: bytes) -> None:
    data = struct.pack(">cI", kind, len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(CHANNEL, view)
        view = view[written:]


def set_limits(limits: dict) -> None:
    def cap(which: int, soft: int, hard: int | None = None) -> None:
        hard = soft if hard is None else hard
        old_soft, old_hard = resource.getrlimit(which)
        if old_hard != resource.RLIM_INFINITY:
            hard = min(hard, old_hard)
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))

    cap(resource.RLIMIT_AS, limits["memory_bytes"])
    # SIGXCPU at the soft limit, SIGKILL at the hard one; the server's wall clock usually wins
    cap(resource.RLIMIT_CPU, limits["cpu_seconds"], limits["cpu_seconds"] + 2)
    cap(resource.RLIMIT_FSIZE, limits["file_bytes"])
    cap(resource.RLIMIT_NOFILE, 64)
    cap(resource.RLIMIT_CORE, 0)
    if limits.get("max_processes"):
        # in the sandbox's own user namespace the count starts from zero; the kernel only
        # enforces it when the server is not root (root's processes are exempt)
        cap(resource.RLIMIT_NPROC, int(limits["max_processes"]))
    elif os.geteuid() != 0:
        # RLIMIT_NPROC counts every process of the user, and root ignores it. For an ordinary
        # user allow a few more than exist now: a fork bomb then fails fast.
        cap(resource.RLIMIT_NPROC, count_user_tasks() + 16)


def die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process if the server dies (it would outlive it asleep).

    ``parent`` 0: in the sandbox, where bubblewrap does this (``--die-with-parent``).
    """
    if not parent or not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the server went away before the request took effect
        os._exit(1)


def count_user_tasks() -> int:
    uid = str(os.getuid())
    count = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 4096
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            if fields.get("Uid", "").split()[:1] == [uid]:
                count += int(fields.get("Threads", "1"))
        except (OSError, ValueError):
            continue
    return count


class WriteOnlyStream:
    """What code may ask of a stream it can only write to (write and flush are the
    subclass's)."""

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return False


class ChannelWriter(WriteOnlyStream):
    """A text stream whose writes become framed messages on the channel.

    Line-buffered like a terminal: a message per completed line (or 8 kB), so that one
    ``print`` is one message, not four. The other stream (``other``) is flushed first, to
    keep the order of stdout and stderr.
    """

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, kind: bytes) -> None:
        self.kind = kind
        self.other: ChannelWriter | None = None
        self.pending: list[str] = []
        self.pending_size = 0
        self.buffer = BytesWriter(self)  # sys.stdout.buffer, for code that writes bytes

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.other is not None:
            self.other.flush()
        self.pending.append(text)
        self.pending_size += len(text)
        if "\n" in text or self.pending_size > 8192:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.pending:
            text = "".join(self.pending)
            self.pending, self.pending_size = [], 0
            data = text.encode("utf-8", "replace")
            for start in range(0, len(data), 65536):  # the server reads frames of 64 kB
                send(self.kind, data[start : start + 65536])


class BytesWriter(WriteOnlyStream):
    """The ``buffer`` under a ChannelWriter: bytes are read as UTF-8 (a character split
    between two writes is kept until it is whole) and written as text."""

    def __init__(self, text: ChannelWriter) -> None:
        import codecs

        self.text = text
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def write(self, data) -> int:
        data = memoryview(data).tobytes()  # bytes-like only, as a binary stream: not write(3)
        self.text.write(self.decoder.decode(data))
        return len(data)

    def flush(self) -> None:
        self.text.flush()

    def finish(self) -> None:
        """At the end of the run: a character left unfinished shows as a replacement mark."""
        self.text.write(self.decoder.decode(b"", final=True))


def send_figures(plt) -> None:
    import io

    for writer in WRITERS:  # the text printed before the figure comes first
        writer.flush()

    for number in plt.get_fignums():
        figure = plt.figure(number)
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format="png", dpi=100)
        except Exception as error:  # a figure that cannot be drawn is reported, not fatal
            sys.stderr.write(f"Could not draw figure {number}: {error}\n")
        else:
            send(b"f", buffer.getvalue())
        plt.close(figure)


def make_guard(workdir: str, readable: tuple[str, ...]):
    """The audit hook: a closure over immutable values only."""
    join, realpath, isdir, sep = os.path.join, os.path.realpath, os.path.isdir, os.sep
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    workdir = realpath(workdir)
    readable = tuple(realpath(path) for path in readable) + (workdir,)
    refused_events = {
        "os.fork": "starting processes",
        "os.forkpty": "starting processes",
        "os.exec": "starting programs",
        "os.posix_spawn": "starting programs",
        "os.spawn": "starting programs",
        "os.system": "starting programs",
        "subprocess.Popen": "starting programs",
        "pty.spawn": "starting programs",
        "os.kill": "sending signals",
        "os.killpg": "sending signals",
        "signal.pthread_kill": "sending signals",
        "socket.__new__": "network sockets",
        "socket.connect": "network sockets",
        "socket.bind": "network sockets",
        "socket.getaddrinfo": "network look-ups",
        "ctypes.dlopen": "loading native libraries",
        "ctypes.dlsym": "calling native code",
        "ctypes.dlsym/handle": "calling native code",
        "ctypes.cdata": "reading raw memory",
        "ctypes.call_function": "calling native code",
        "gc.get_objects": "inspecting the interpreter",
        "gc.get_referrers": "inspecting the interpreter",
        "gc.get_referents": "inspecting the interpreter",
        "sys._current_frames": "inspecting the interpreter",
        "resource.setrlimit": "changing the limits",
        "resource.prlimit": "changing the limits",
        "sys.setprofile": "inspecting the interpreter",
        "sys.settrace": "inspecting the interpreter",
    }
    # subprocess's C helper forks without an audit event (see hide_process_spawning)
    refused_imports = frozenset({"_posixsubprocess"})
    write_events = frozenset(
        {
            "os.remove",
            "os.rmdir",
            "os.mkdir",
            "os.chmod",
            "os.chown",
            "os.chflags",
            "os.truncate",
            "os.utime",
            "os.setxattr",
            "os.removexattr",
            "shutil.rmtree",
        }
    )
    pair_events = frozenset({"os.rename", "os.link"})
    list_events = frozenset({"os.listdir", "os.scandir", "glob.glob", "os.listxattr"})

    def inside(path, roots) -> bool:
        if isinstance(path, int) or path is None:
            return True  # an already open descriptor, or "the current directory"
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        full = realpath(join(workdir, path))  # relative paths are relative to the workdir
        return any(full == root or full.startswith(root + sep) for root in roots)

    def refuse(what: str) -> None:
        raise PermissionError(f"the playground does not allow {what}")

    def refuse_path(path, writing: bool) -> None:
        where = "write" if writing else "read"
        raise PermissionError(
            f"the playground can only {where} files in its own folder"
            f"{'' if writing else ' and Python libraries'}: {path!r} is outside it"
        )

    writes = [0]  # files opened for writing: RLIMIT_FSIZE caps each, this caps how many

    def count_a_write() -> None:
        writes[0] += 1
        if writes[0] > MAX_WRITTEN_FILES:
            refuse(f"writing more than {MAX_WRITTEN_FILES} files or folders in one run")

    def guard(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            writing = bool(mode and any(c in mode for c in "wax+")) or bool(
                (flags or 0) & write_flags
            )
            if not inside(path, (workdir,) if writing else readable):
                refuse_path(path, writing)
            if writing and not isinstance(path, int):
                count_a_write()
            if isinstance(path, str | bytes) and isdir(join(workdir, os.fsdecode(path))):
                # a directory descriptor would let a relative path (dir_fd=) dodge the check
                refuse("opening folders")
        elif event in refused_events:
            refuse(refused_events[event])
        elif event == "import" and args[0] in refused_imports:
            refuse(f"importing {args[0]}")
        elif event in write_events:
            if not inside(args[0], (workdir,)):
                refuse_path(args[0], True)
            if event == "os.mkdir":
                count_a_write()
        elif event in pair_events:
            if not (inside(args[0], (workdir,)) and inside(args[1], (workdir,))):
                refuse_path(args[0], True)
        elif event in list_events:
            if args and not inside(args[0], readable):
                refuse_path(args[0], False)

    return guard


def readable_roots(package_parent: str, config_dir: str | None) -> tuple[str, ...]:
    import sysconfig

    roots = [path for path in sys.path if path and os.path.isdir(path)]
    roots += [path for path in sysconfig.get_paths().values() if os.path.isdir(path)]
    roots += [package_parent]
    import matplotlib

    import neuronlab

    roots += [matplotlib.get_data_path(), os.path.dirname(neuronlab.__file__)]
    if config_dir:
        roots.append(config_dir)
    roots += [p for p in ("/usr/share/fonts", "/usr/local/share/fonts") if os.path.isdir(p)]
    roots += [p for p in ("/usr/share/zoneinfo",) if os.path.isdir(p)]
    # never a whole file system: a root or a home directory would make the guard pointless
    return tuple(p for p in roots if os.path.realpath(p) not in ("/", os.path.expanduser("~")))


def refuse_group_changes() -> None:
    """Leaving the process group would escape the server's kill: take the functions away."""

    def refused(*args, **kwargs):
        raise PermissionError("the playground does not allow changing the process group")

    import posix

    for name in ("setsid", "setpgid", "setpgrp"):
        for module in (os, posix):
            if hasattr(module, name):
                setattr(module, name, refused)


def hide_process_spawning() -> None:
    """subprocess's C helper forks without an audit event: take every reference to it away."""
    helper = sys.modules.pop("_posixsubprocess", None)
    if helper is None:
        return
    targets = {id(helper), id(getattr(helper, "fork_exec", None))}

    def refused(*args, **kwargs):
        raise PermissionError("the playground does not allow starting programs")

    for module in list(sys.modules.values()):
        names = getattr(module, "__dict__", {})
        for name, value in list(names.items()):
            if id(value) in targets:
                setattr(module, name, refused)


def main() -> None:
    package_parent, limits_json = sys.argv[1], sys.argv[2]
    limits = json.loads(limits_json)
    global CHANNEL, WRITERS
    CHANNEL = int(limits["channel"])
    set_limits(limits)
    die_with_parent(int(limits["parent"]))
    # first: the neuronlab that runs is the server's own, whatever else is installed
    sys.path.insert(0, package_parent)

    # the trusted set-up: load what the examples use before the guard goes up
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy  # noqa: F401

    import neuronlab  # noqa: F401

    workdir = os.getcwd()
    with open(os.path.join(workdir, "main.py"), encoding="utf-8") as source_file:
        source = source_file.read()

    def show(*args, **kwargs) -> None:
        send_figures(plt)

    plt.show = show
    out, err = ChannelWriter(b"o"), ChannelWriter(b"e")
    out.other, err.other = err, out
    sys.stdout, sys.stderr = out, err
    WRITERS = (out, err)
    sys.stdin = open(os.devnull, encoding="utf-8")  # input() gets an immediate end of file
    refuse_group_changes()
    hide_process_spawning()
    roots = readable_roots(package_parent, os.environ.get("MPLCONFIGDIR"))
    sys.addaudithook(make_guard(workdir, roots))
    del roots
    status = run(source, plt, err)
    for writer in (out, err):  # ours, whatever the code did to sys.stdout
        writer.buffer.finish()
        writer.flush()
    send(b"d", json.dumps(status).encode("utf-8"))
    os._exit(0)  # no interpreter clean-up: atexit handlers of the learner's code do not run


def hide_own_frames(report, traceback) -> None:
    """Drop this script's frames (exec, the guard) from a traceback and the ones it chains."""
    seen = set()
    while report is not None and id(report) not in seen:
        seen.add(id(report))
        kept = [frame for frame in report.stack if frame.filename != __file__]
        report.stack = traceback.StackSummary.from_list(kept)
        report = report.__cause__ or report.__context__


def run(source: str, plt, err: ChannelWriter) -> dict:
    import traceback

    namespace = {"__name__": "__main__", "__file__": "main.py", "__builtins__": __builtins__}
    status = {"outcome": "ok"}
    try:
        code = compile(source, "main.py", "exec")
    except SyntaxError as error:
        err.write("".join(traceback.format_exception(type(error), error, None)))
        return {"outcome": "error", "type": type(error).__name__, "message": str(error)[:500]}
    try:
        exec(code, namespace)
    except SystemExit as stop:
        status = {"outcome": "exit", "code": str(stop.code) if stop.code is not None else "0"}
    except BaseException as error:  # the learner's exception, without this file's frames
        report = traceback.TracebackException(type(error), error, error.__traceback__)
        hide_own_frames(report, traceback)
        err.write("".join(report.format()))  # ours, whatever the code did to sys.stderr
        try:
            message = str(error)
        except Exception:  # an exception whose __str__ fails
            message = ""
        status = {"outcome": "error", "type": type(error).__name__, "message": message[:500]}
    try:
        send_figures(plt)
    except BaseException as error:
        err.write(f"Could not send the figures: {error!r}\n")
    return status


if __name__ == "__main__":
    main()
