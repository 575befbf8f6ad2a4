"""A throwaway PostgreSQL cluster owned by one test: ``initdb`` into a temporary folder (or a
streaming standby of another such cluster, made with ``pg_basebackup``), served by ``pg_ctl`` on
its own loopback port, stopped and deleted at the end. Restarting it (cleanly, or as a crash)
touches no database anyone else uses."""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.served import free_port


def _bin(tool: str) -> str:
    found = shutil.which(tool) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))), None
    )
    if found is None:
        raise RuntimeError(f"PostgreSQL's {tool} is not installed")
    return found


class Cluster:
    def __init__(self, *, initialise: bool = True) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="motcua-slow-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.restarts = 0
        # PostgreSQL refuses to run as root: as root, the cluster belongs to ``postgres``.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.root, "postgres", "postgres")
        self.started = False
        if not initialise:
            return
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")  # fmt: skip

    @classmethod
    def standby_of(cls, primary: "Cluster") -> "Cluster":
        """A hot standby streaming from ``primary`` (which must be started); start it next."""
        standby = cls(initialise=False)
        standby._run(_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
                     "-U", "postgres", "-D", str(standby.data), "-R", "-X", "stream")  # fmt: skip
        return standby

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_owner, *args], check=True, capture_output=True, timeout=180)

    @property
    def url(self) -> str:
        return self.url_of("motcua")

    def url_of(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, *settings: str) -> None:
        """Start it; ``settings`` are extra ``name=value`` server settings (e.g. ``fsync=off``)."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.root} -c max_connections=100"
        )
        options += "".join(f" -c {setting}" for setting in settings)
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                  "-t", "120", "-o", options, "start")  # fmt: skip
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        """``fast``: clients cut, a clean shutdown; ``immediate``: as a crash, recovered from
        the write-ahead log at the next start."""
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.started = False

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
