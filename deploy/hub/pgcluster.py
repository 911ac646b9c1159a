"""A PostgreSQL server of our own, from the distribution's binaries, on 127.0.0.1 only.

Used twice: ``hubctl.py`` keeps the class's gradebook in a persistent cluster, and the tests start a
throw-away one (tests/pg.py). Standard library only: it runs before the class venv exists.

The server runs as an unprivileged OS user (``postgres`` when we are root) and listens on 127.0.0.1 and on a
Unix socket in a private folder. Local (socket) connections use peer authentication, so only that OS user
administers the cluster; TCP connections need a password (SCRAM), so other local users who can reach the
port still cannot log in.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresError(RuntimeError):
    """The server could not be set up or started; the message carries the server's own log."""


def bindir() -> Path:
    """Folder of initdb/pg_ctl: $PG_BINDIR, else the newest /usr/lib/postgresql/<version>/bin (Debian)."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql")


def server_user() -> str:
    """The OS user to run the server as: ``postgres`` (else ``nobody``) when root, else ourselves."""
    if os.getuid() != 0:
        return pwd.getpwuid(os.getuid()).pw_name
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresError("running as root, but there is no 'postgres' or 'nobody' user to run PostgreSQL as")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Cluster:
    """One PostgreSQL cluster: ``base/data`` (the data), ``base/run`` (socket), ``base/server.log``."""

    base: Path
    port: int
    os_user: str

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def run_dir(self) -> Path:
        return self.base / "run"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    def _as_owner(self, args: list[str], **kw) -> subprocess.CompletedProcess[str]:
        entry = pwd.getpwnam(self.os_user)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.base), "LC_ALL": "C.UTF-8"}
        extra = {}
        if os.getuid() == 0 and entry.pw_uid != 0:
            extra = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        return subprocess.run(args, env=env, cwd=self.base, capture_output=True, text=True, **extra, **kw)

    def _check(self, run: subprocess.CompletedProcess[str], what: str) -> None:
        if run.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise PostgresError(f"{what} failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}\n{log}")

    @property
    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").is_file()

    def init(self) -> None:
        """Create the cluster (once): superuser = the OS user, peer auth on the socket, SCRAM over TCP."""
        entry = pwd.getpwnam(self.os_user)
        for folder in (self.base, self.run_dir):
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
            if os.getuid() == 0:
                os.chown(folder, entry.pw_uid, entry.pw_gid)
        if self.initialised:
            return
        run = self._as_owner(
            [
                str(bindir() / "initdb"),
                "-D",
                str(self.data),
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        self._check(run, "initdb")

    def start(self, timeout: float = 120) -> None:
        """Start the server on 127.0.0.1:port and wait until it accepts connections."""
        if self.running():
            return
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.run_dir}"
        run = self._as_owner(
            [
                str(bindir() / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                str(int(timeout)),
                "start",
            ]
        )
        self._check(run, "pg_ctl start")
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if time.monotonic() > deadline:
                raise PostgresError(f"PostgreSQL started but 127.0.0.1:{self.port} does not answer")
            time.sleep(0.2)

    def running(self) -> bool:
        if not self.initialised:
            return False
        return self._as_owner([str(bindir() / "pg_ctl"), "-D", str(self.data), "status"]).returncode == 0

    def stop(self) -> None:
        if self.running():
            run = self._as_owner([str(bindir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
            self._check(run, "pg_ctl stop")

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run SQL as the cluster's superuser over the private socket (peer authentication)."""
        run = self._as_owner(
            [
                str(bindir() / "psql"),
                "-h",
                str(self.run_dir),
                "-p",
                str(self.port),
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-qAt",
                "-c",
                statement,
            ]
        )
        self._check(run, f"psql {statement[:60]!r}")
        return run.stdout

    def ensure_database(self, name: str, owner: str, password: str | None = None) -> str:
        """A login role ``owner`` (password set or reset) owning database ``name``; returns the password."""
        for ident in (name, owner):
            if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", ident):
                raise PostgresError(f"{ident!r} is not a plain lower-case SQL name")
        password = password or secrets.token_urlsafe(18)
        exists = self.sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{owner}'").strip()
        verb = "ALTER" if exists else "CREATE"
        self.sql(f"{verb} ROLE \"{owner}\" LOGIN PASSWORD '{password}'")
        if not self.sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip():
            self.sql(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        return password

    def url(self, database: str, user: str, password: str | None = None) -> str:
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"
