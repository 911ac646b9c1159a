"""A real, throw-away PostgreSQL server for the tests (Debian's binaries, 127.0.0.1, a free port).

The server logic is deploy/hub/pgcluster.py, the same code the class deployment runs. One server per test
session (started on first use, stopped at the end); each test gets its own database and login role.
Outside CI, a machine without PostgreSQL skips these tests with the reason; in CI they must run.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy" / "hub"))
import pgcluster

_counter = itertools.count()


@dataclass
class Database:
    """One test's database: its URL (with password) and the server it lives on."""

    url: str
    name: str
    user: str
    password: str
    cluster: pgcluster.Cluster


def _start() -> pgcluster.Cluster:
    try:
        pgcluster.bindir()
    except pgcluster.PostgresError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL here ({exc}); CI installs it")
    base = Path(tempfile.mkdtemp(prefix="brinkmanship-pg-"))
    last: Exception | None = None
    for _ in range(5):  # a free port can be taken between the probe and the start: try another
        cluster = pgcluster.Cluster(base, pgcluster.free_port(), pgcluster.server_user())
        try:
            cluster.init()
            cluster.start()
            return cluster
        except pgcluster.PostgresError as exc:
            last = exc
    raise last  # type: ignore[misc]


def _stop(cluster: pgcluster.Cluster) -> None:
    try:
        cluster.stop()
    finally:
        shutil.rmtree(cluster.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgcluster.Cluster]:
    cluster = _start()
    atexit.register(_stop, cluster)  # also if the session dies before the fixture's teardown
    yield cluster
    _stop(cluster)
    atexit.unregister(_stop)


@pytest.fixture
def pg_database(pg_server: pgcluster.Cluster) -> Iterator[Database]:
    """A fresh database owned by a fresh password-protected role; dropped after the test."""
    n = next(_counter)
    name, user = f"gradebook_{os.getpid()}_{n}", f"grader_{os.getpid()}_{n}"
    password = pg_server.ensure_database(name, user)
    yield Database(pg_server.url(name, user, password), name, user, password, pg_server)
    pg_server.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_server.sql(f'DROP ROLE IF EXISTS "{user}"')
