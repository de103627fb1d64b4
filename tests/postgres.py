"""A real PostgreSQL server for tests: Debian's server binaries, a throwaway data folder, a loopback port.

    with postgres_server() as server:
        server.dsn                          # postgres://pulumi@127.0.0.1:PORT/pulumi?sslmode=disable
        server.create_database("ledger")    # a fresh database on the same server -> its DSN
        server.psql("SELECT 1")             # run SQL with the server's own client

`tests/conftest.py` offers one per session as the `postgres` fixture; anything that needs a shared
database (Pulumi's state backend, a ledger) asks for it there.

PostgreSQL refuses to run as root, and CI runs as root on a fresh machine: then the data folder
belongs to the `postgres` system user and every server command runs through `runuser -u postgres`.
When the server binaries are missing they are installed with `apt-get install postgresql` (root
only; otherwise the error says what to install). Authentication is `trust` on 127.0.0.1 only.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER = "pulumi"
DATABASE = "pulumi"


class PostgresUnavailable(RuntimeError):
    """The server binaries are missing and cannot be installed here."""


def server_binaries() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, installing the package if needed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise PostgresUnavailable("PostgreSQL's server is not installed: apt-get install postgresql (as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    return server_binaries()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class PostgresServer:
    bin_dir: Path
    port: int
    socket_dir: Path
    as_user: tuple[str, ...]  # runuser prefix when we are root

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    @property
    def dsn(self) -> str:
        return self.url()

    def run(self, tool: str, *args: str) -> str:
        done = subprocess.run([*self.as_user, str(self.bin_dir / tool), *args], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def create_database(self, name: str) -> str:
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name)
        return self.url(name)

    def psql(self, sql: str, database: str = DATABASE) -> str:
        return self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", database,
                        "-v", "ON_ERROR_STOP=1", "-At", "-c", sql)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = server_binaries()
    root = Path(tempfile.mkdtemp(prefix="wechat-iac-pg-", dir="/tmp" if os.geteuid() == 0 else None))
    as_user: tuple[str, ...] = ()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ("runuser", "-u", "postgres", "--")
    data, sockets = root / "data", root / "sockets"
    server = PostgresServer(bin_dir, free_port(), sockets, as_user)
    sockets.mkdir()
    if as_user:
        shutil.chown(sockets, "postgres", "postgres")
    try:
        server.run("initdb", "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8", "--no-sync")
        server.run("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "-o",
                   f"-p {server.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        server.create_database(DATABASE)
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)
