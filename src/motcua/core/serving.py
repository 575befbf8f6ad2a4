"""Several worker processes on one listening socket, balanced at accept time: a worker that
holds more open connections than the least loaded one stops accepting until it no longer does.

uvicorn's own supervisor gives every worker the one socket it bound, and every worker accepts
from it as soon as it wakes: with a few long keep-alive connections (as a reverse proxy or a
load generator keeps) the first to wake took them all while the other sat idle. Giving each
worker a socket of its own (SO_REUSEPORT) left the choice to a hash of the addresses: with 4
connections, all of them on one worker about one run in eight. Neither spreads a handful of
long connections evenly, and nothing else can once a connection is taken: so the workers
decide before they accept.

The supervisor creates a small array in shared memory, one slot per worker: the worker's
process id and its count of open connections. Each worker accepts from the shared socket in
its own loop, one connection per wake-up, and only while its count is not above the lowest
count of the live workers; otherwise it stops watching the socket and looks again every
``PAUSE_POLL_S`` (at once when one of its own connections closes). The connections waiting in
the queue are taken by the least loaded worker, so N long connections spread N/W each.

A worker that cannot take them (stopped mid-restart, or its loop blocked by a long request)
must not hold the queue for ever: a connection left waiting ``STALL_S`` is taken by whichever
worker looks next, and the slot of a worker that died is freed. Supervision (health checks,
restarts, signals) stays uvicorn's.
"""

import asyncio
import logging
import multiprocessing
import os
import select
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.server import Server
from uvicorn.supervisors import multiprocess

logger = logging.getLogger("uvicorn.error")

PAUSE_POLL_S = 0.005
STALL_S = 1.0


class Loads:
    """Open connections per worker, in shared memory: slot ``2i`` a worker's process id (0 when
    free), slot ``2i + 1`` its count. A worker writes only its own count (one aligned word,
    read by the others without a lock); taking a slot is done under the array's lock."""

    def __init__(self, shared: Any) -> None:
        self.shared = shared
        self.values = shared.get_obj()
        self.slots = len(self.values) // 2
        self.mine = -1

    @classmethod
    def create(cls, workers: int) -> "Loads":
        # Twice the slots needed: a worker being replaced may still hold its own a moment.
        return cls(multiprocessing.get_context("spawn").Array("q", 2 * 2 * workers))

    def __getstate__(self) -> dict[str, Any]:
        return {"shared": self.shared}  # the view of the array is made again in the worker

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["shared"])  # type: ignore[misc]

    def take_slot(self) -> None:
        """This process's slot: a free one, or one whose process is gone."""
        with self.shared.get_lock():
            for i in range(self.slots):
                pid = self.values[2 * i]
                if pid == 0 or not _alive(pid):
                    self.values[2 * i], self.values[2 * i + 1] = os.getpid(), 0
                    self.mine = i
                    return
        logger.warning("No free slot among the workers' loads: this worker does not balance")

    def release(self) -> None:
        if self.mine >= 0:
            with self.shared.get_lock():
                self.values[2 * self.mine], self.values[2 * self.mine + 1] = 0, 0
            self.mine = -1

    def add(self, n: int) -> None:
        if self.mine >= 0:
            self.values[2 * self.mine + 1] += n

    def ahead(self) -> bool:
        """True when this worker holds more open connections than another live worker."""
        if self.mine < 0:
            return False
        values = self.values
        mine = values[2 * self.mine + 1]
        return any(values[2 * i] and values[2 * i + 1] < mine for i in range(self.slots))

    def free_the_dead(self) -> None:
        with self.shared.get_lock():
            for i in range(self.slots):
                pid = self.values[2 * i]
                if i != self.mine and pid and not _alive(pid):
                    self.values[2 * i], self.values[2 * i + 1] = 0, 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process took the id
        return True
    return True


class Acceptor:
    """Accepts from one shared listening socket into this worker's event loop, one connection
    per wake-up, while this worker is not ahead of the others (``Loads``). Stands where
    uvicorn keeps its ``asyncio.Server`` objects (``close``, ``wait_closed``)."""

    def __init__(
        self,
        sock: socket.socket,
        protocol: Callable[[], asyncio.Protocol],
        loads: Loads,
        ssl: Any = None,
    ) -> None:
        self.sock = sock
        self.protocol = protocol
        self.loads = loads
        self.ssl = ssl
        self.loop = asyncio.get_running_loop()
        self.watching = False
        self.timer: asyncio.TimerHandle | None = None
        self.waiting_since: float | None = None
        self.closed = False
        self.tasks: set[asyncio.Task[Any]] = set()
        sock.setblocking(False)
        self._watch()

    def _watch(self) -> None:
        if not self.watching and not self.closed:
            self.loop.add_reader(self.sock.fileno(), self._readable)
            self.watching = True

    def _unwatch(self) -> None:
        if self.watching:
            self.loop.remove_reader(self.sock.fileno())
            self.watching = False

    def _readable(self) -> None:
        if self.loads.ahead():
            self._unwatch()
            self._look_later()
            return
        self._accept()

    def _look_later(self) -> None:
        if self.timer is None and not self.closed:
            self.timer = self.loop.call_later(PAUSE_POLL_S, self._look)

    def _look(self) -> None:
        """While paused: watch again once no longer ahead; take a connection left waiting."""
        self.timer = None
        if self.closed:
            return
        if not self.loads.ahead():
            self.waiting_since = None
            self._watch()
            return
        if not select.select([self.sock], [], [], 0)[0]:
            self.waiting_since = None
        elif self.waiting_since is None:
            self.waiting_since = time.monotonic()
        elif time.monotonic() - self.waiting_since >= STALL_S:
            self.loads.free_the_dead()
            self.waiting_since = None
            self._accept()
        self._look_later()

    def _accept(self) -> None:
        self.loads.add(1)  # counted before the accept: another worker never sees us behind
        try:
            conn, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            self.loads.add(-1)  # another worker took it
            return
        except OSError as error:  # out of file descriptors, buffers: wait a moment
            self.loads.add(-1)
            logger.error("Accepting a connection failed: %s", error)
            self._unwatch()
            self.loop.call_later(1.0, self._watch)
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = self.loop.create_task(self._connect(conn))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _connect(self, conn: socket.socket) -> None:
        try:
            await self.loop.connect_accepted_socket(self.protocol, conn, ssl=self.ssl)
        except Exception as error:
            self.closed_one()
            conn.close()
            logger.debug("An accepted connection failed to start: %s", error)

    def closed_one(self) -> None:
        """One of this worker's connections ended: look at once whether to accept again."""
        self.loads.add(-1)
        if not self.watching and not self.closed and not self.loads.ahead():
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            self._watch()

    def close(self) -> None:
        self.closed = True
        self._unwatch()
        if self.timer is not None:
            self.timer.cancel()
        self.loads.release()

    async def wait_closed(self) -> None:
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)


class BalancedServer(Server):
    """uvicorn's server, accepting through ``Acceptor`` instead of ``loop.create_server``."""

    def __init__(self, config: Config, loads: Loads) -> None:
        super().__init__(config)
        self.loads = loads

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if not sockets:  # pragma: no cover - the supervisor always passes its socket
            await super().startup(sockets)
            return
        await self.lifespan.startup()
        if self.lifespan.should_exit:
            sys.exit(STARTUP_FAILURE)
        config = self.config
        acceptors: list[Acceptor] = []
        base: Any = config.http_protocol_class

        class Counted(base):  # type: ignore[misc]
            """The configured HTTP protocol, telling its acceptor when it ends."""

            def connection_lost(self, exc: Exception | None) -> None:
                super().connection_lost(exc)
                if not getattr(self, "_motcua_lost", False):
                    self._motcua_lost = True
                    acceptors[0].closed_one()

        def create_protocol() -> asyncio.Protocol:
            return Counted(
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )

        self.loads.take_slot()
        sockets[0].listen(config.backlog)  # as ``loop.create_server`` would (bound, not listening)
        acceptors.append(Acceptor(sockets[0], create_protocol, self.loads, config.ssl))
        self.servers = acceptors  # type: ignore[assignment]
        self.started = True


class BalancedProcess(multiprocess.Process):
    """A uvicorn worker whose server balances at accept time; the shared array travels with
    the process object to the spawned worker."""

    loads: Loads | None = None  # set by ``run_balanced`` in the supervisor

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        self.shared_loads = BalancedProcess.loads
        super().__init__(config, sockets)

    @property
    def server(self) -> Server:
        if self._server is None:
            assert self.shared_loads is not None
            self._server = BalancedServer(self.config, self.shared_loads)
        return self._server


def run_balanced(config: Config) -> None:
    """``uvicorn.run`` with ``config.workers`` workers on one socket, balanced at accept."""
    sock = config.bind_socket()
    BalancedProcess.loads = Loads.create(config.workers)
    # The supervisor names its worker class at module level; a worker started or restarted by
    # it is one of ours.
    multiprocess.Process = BalancedProcess  # type: ignore[misc]
    try:
        multiprocess.Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
