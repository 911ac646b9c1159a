"""Fixtures shared by the whole suite: repository paths, the loaded tables, and throw-away nbgrader courses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pg import pg_database, pg_server  # noqa: F401  (a real PostgreSQL server: tests/pg.py)

from brinkmanship import data

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    return REPO_ROOT / "datasets"


@pytest.fixture(scope="session")
def tables() -> dict:
    """All tables, loaded and validated once per test session (tests must not mutate them)."""
    return data.load_all(REPO_ROOT / "datasets")


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The small hand-computed world of tests/analysis_helpers.py, written as CSV and loaded by brinkmanship.data."""
    from analysis_helpers import mini_tables

    return mini_tables(tmp_path_factory.mktemp("mini"))


@pytest.fixture(autouse=True)
def _close_figures():
    """Views and figure helpers open pyplot figures; close them so the suite does not pile them up."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def broken_datasets(tmp_path: Path) -> Path:
    """A writable copy of datasets/ to break on purpose."""
    target = tmp_path / "datasets"
    shutil.copytree(REPO_ROOT / "datasets", target)
    return target


@pytest.fixture
def nb_course(tmp_path: Path) -> Path:
    """A fresh nbgrader course directory using the course's own nbgrader_config.py (empty solutions/)."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    (course / "solutions").mkdir()
    (course / "assignments").mkdir()
    return course


def pytest_configure(config: pytest.Config) -> None:
    # nbgrader runs `alembic` and jupyter runs `jupyter-*` by name: the test interpreter's bin dir comes first,
    # also when pytest is started without `make` (e.g. `.venv/bin/pytest`).
    import os
    import sys

    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
