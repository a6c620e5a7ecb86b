"""The lab's settings: one dataclass, built by the CLI or by a test."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
ANY_HOST = ("0.0.0.0", "::", "")
NODE_PREFIX = re.compile(r"/[A-Za-z0-9_-]{1,40}")
HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9.:-]{0,251}[a-z0-9])?")  # a DNS name or an address


@dataclass
class Settings:
    """How the lab server behaves. Every field has a safe default."""

    host: str = "127.0.0.1"  # the interface to bind; loopback keeps the lab private
    port: int = 8765
    max_sessions: int = 8  # live training sessions (one per open trainer) at once
    allow_playground: bool = True  # the code playground runs Python: off when exposed
    playground_token: str | None = None  # when set, the playground demands it
    # "auto": runs inside bubblewrap when the machine can (else plain, loopback only);
    # "bubblewrap": never without it; "none": never with it (loopback only)
    playground_sandbox: str = "auto"
    debug: bool = field(default_factory=lambda: os.environ.get("NEURONLAB_DEBUG") == "1")
    allowed_hosts: tuple[str, ...] = ()  # extra Host names to accept besides loopback
    max_body_bytes: int = 1_000_000  # larger request bodies get a 413
    max_frame_rate: float = 30.0  # frames per second a trainer socket sends at most
    map_size: int = 24  # side of each hidden neuron's activation map
    # the maps and the chart are most of a frame's bytes and a third of its cost: a class of
    # 30 on two cores gets its 20 frames a second partly by sending them less often
    map_rate: float = 5.0  # neuron maps and edge weights per second at most
    chart_rate: float = 2.0  # loss-chart updates per second at most
    max_epochs: int = 200_000  # a session pauses itself after this many epochs
    # behind a load balancer: the path prefix under which it reaches this server alone, so a
    # session's model download comes back to the server that holds it ("/lab-a")
    node_prefix: str = ""
    worker: int = 0  # which of the ``--workers`` processes this is (it names its sessions)
    worker_dir: str | None = None  # the workers' private folder; None when there is one

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be between 1 and 65535, got {self.port}")
        if self.max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, got {self.max_sessions}")
        if self.playground_sandbox not in ("auto", "bubblewrap", "none"):
            raise ValueError(
                "playground_sandbox must be 'auto', 'bubblewrap' or 'none', "
                f"got {self.playground_sandbox!r}"
            )
        if self.max_frame_rate <= 0:
            raise ValueError(f"max_frame_rate must be > 0, got {self.max_frame_rate}")
        if self.node_prefix and not NODE_PREFIX.fullmatch(self.node_prefix):
            raise ValueError(
                "node_prefix must be a path like /lab-a (a slash, then letters, digits, - or "
                f"_), got {self.node_prefix!r}"
            )
        self.allowed_hosts = tuple(name.lower().strip("[]") for name in self.allowed_hosts)
        for name in self.allowed_hosts:
            if not HOST_NAME.fullmatch(name):
                raise ValueError(
                    f"allowed_hosts takes host names such as lab.school.example, got {name!r}"
                )

    @property
    def exposed(self) -> bool:
        """True when other machines may reach the server: any address but a loopback one
        (127.0.0.0/8, ::1, "localhost"); a host name other than localhost counts as exposed."""
        if self.host in LOOPBACK_HOSTS:
            return False
        try:
            return not ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return True  # a name: it may resolve to anything

    def host_allowed(self, hostname: str) -> bool:
        """Whether a request's Host name is one this server answers to.

        Checking it defeats DNS rebinding: a page on another site whose name was re-pointed
        at 127.0.0.1 still sends its own name in Host.
        """
        hostname = hostname.lower().strip("[]")
        if self.host in ANY_HOST:
            return True
        known = {*LOOPBACK_HOSTS, self.host.lower().strip("[]"), *self.allowed_hosts}
        return hostname in known
