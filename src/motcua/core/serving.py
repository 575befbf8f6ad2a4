"""Several worker processes, each with a listening socket of its own on the same port
(SO_REUSEPORT): the kernel spreads new connections over the workers.

uvicorn's own supervisor gives every worker the one socket the supervisor bound. All of them
wait on one accept queue, and the first to wake takes every connection waiting in it: with a
few long keep-alive connections (as a reverse proxy keeps) one worker took them all while the
other sat idle (docs/benchmarks.md, "Use every core"). Here the supervisor binds the port with
SO_REUSEPORT but never listens on it (it only holds the port), and each worker binds and
listens on a socket of its own in the same group, so each has its own queue and the kernel
picks a queue per connection (by a hash of its addresses). Supervision (health checks,
restarts, signals) stays uvicorn's.
"""

import socket
import sys
import threading
from typing import Any

from uvicorn.config import Config
from uvicorn.supervisors import multiprocess


def reuse_port_available() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound with SO_REUSEPORT (and SO_REUSEADDR), not listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class OwnSocketProcess(multiprocess.Process):
    """A uvicorn worker that listens on its own SO_REUSEPORT socket, bound where the
    supervisor's socket is."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        own = []
        for shared in sockets or []:
            address: Any = shared.getsockname()
            own.append(reuse_port_socket(address[0], address[1]))
            shared.close()  # never listened on: only the supervisor keeps the port
        threading.Thread(target=self.always_pong, daemon=True).start()
        self.server.run(own)


def run_reuse_port(config: Config) -> None:
    """``uvicorn.run`` with ``config.workers`` workers, each on its own socket."""
    sock = reuse_port_socket(config.host, config.port)
    sock.set_inheritable(True)
    # The supervisor names its worker class at module level; a worker started or restarted by
    # it is one of ours (the class is found by name again in the spawned process).
    multiprocess.Process = OwnSocketProcess  # type: ignore[misc]
    try:
        multiprocess.Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
