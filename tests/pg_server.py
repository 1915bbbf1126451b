"""A throw-away PostgreSQL server for the tests: initdb into a temporary directory, started with pg_ctl
on 127.0.0.1 (a free port; its unix socket in the same directory), stopped by its PID at the end.

The server binaries are Debian's (`pg_config --bindir`, or /usr/lib/postgresql/<n>/bin). initdb and
postgres refuse to run as root, so as root the directory is handed to an unprivileged user (`postgres`
when the package created it, else `nobody`) and the commands run as that user through runuser.
Nothing here is skipped: when no server can be started the error says what to install.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = ("PostgreSQL server binaries not found: install them (Debian: apt-get install postgresql) "
                "or put initdb/pg_ctl on PATH")


def bindir() -> Path:
    """The folder holding initdb, pg_ctl and postgres."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise RuntimeError(INSTALL_HINT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One server: `url` for the superuser's `postgres` database, `create_database()` for fresh ones."""

    def __init__(self):
        self.bin = bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="tuanwu-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.pid: int | None = None
        self.user = None
        if os.geteuid() == 0:  # initdb refuses root: the server runs as an unprivileged user
            for name in ("postgres", "nobody"):
                try:
                    self.user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self._serial = 0

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user.pw_name, "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            log = self.dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:1])} failed ({out.returncode}): {out.stderr.strip()}\n{tail}")

    def start(self, durable: bool = False, settings: dict[str, str] | None = None) -> "PgServer":
        """Tests run without fsync (a crash loses the throw-away cluster, never anything that matters);
        `durable` keeps PostgreSQL's defaults, for benchmarks; `settings` adds server settings (-c)."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w",
                  "-t", "60", "start")
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])
        return self

    def state(self) -> dict:
        """What another process needs to use this server and to stop it (`attach`)."""
        return {"dir": str(self.dir), "port": self.port, "pid": self.pid}

    @classmethod
    def attach(cls, state: dict) -> "PgServer":
        """A server another process started (its `state()`): the test workers of one run share one."""
        server = cls.__new__(cls)
        server.dir, server.port, server.pid = Path(state["dir"]), state["port"], state["pid"]
        server.data, server.bin, server.user, server._serial = server.dir / "data", None, None, 0
        return server

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, template: str | None = None, name: str | None = None) -> str:
        """A new empty database (or a copy of `template`); returns its URL."""
        import psycopg

        self._serial += 1
        name = name or f"t{os.getpid()}_{self._serial}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            copy = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.database_url(name)

    def stop(self) -> None:
        """Fast shutdown by the postmaster's PID (SIGINT), then the directory goes."""
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGINT)
                give_up = time.monotonic() + 30
                while time.monotonic() < give_up:
                    os.kill(self.pid, 0)
                    time.sleep(0.05)
            except ProcessLookupError:
                pass
            self.pid = None
        shutil.rmtree(self.dir, ignore_errors=True)
