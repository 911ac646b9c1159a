"""Course folders: where an assignment's source lives, and throw-away nbgrader course directories."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from brinkmanship import paths
from brinkmanship.grading.config import COURSE_ID, RELEASE_DIR, SOURCE_DIR, course_config, sqlite_url

__all__ = ["COURSE_ID", "RELEASE_DIR", "SOURCE_DIR", "course_config", "sqlite_url"]


class GradingError(Exception):
    """A problem the user must fix (missing course, unknown assignment...): printed, never a traceback."""


def course_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The course directory: an explicit one, else the current folder if it is a course, else the clone."""
    candidates = [Path(explicit)] if explicit else [Path.cwd(), paths.repo_root()]
    for candidate in candidates:
        if candidate is not None and (candidate / "nbgrader_config.py").is_file():
            return candidate.resolve()
    if explicit:
        raise GradingError(f"{explicit} is not a course directory (it has no nbgrader_config.py)")
    raise GradingError(
        "no course directory found: run this inside the brinkmanship repository (the folder with "
        "nbgrader_config.py and solutions/) or pass --course DIR. A pip-installed brinkmanship has no "
        "instructor notebooks, so hidden tests need the course repository."
    )


def assignments(root: Path) -> list[str]:
    """Assignment names: the folders of solutions/ that hold at least one notebook."""
    source = root / SOURCE_DIR
    if not source.is_dir():
        return []
    return sorted(d.name for d in source.iterdir() if d.is_dir() and any(d.glob("*.ipynb")))


@dataclass(frozen=True)
class Assignment:
    """One assignment's instructor notebooks, read from solutions/<name>/."""

    name: str
    source_dir: Path

    @property
    def notebooks(self) -> list[Path]:
        return sorted(p for p in self.source_dir.glob("*.ipynb") if not p.name.startswith("."))

    @property
    def notebook_names(self) -> list[str]:
        return [p.stem for p in self.notebooks]

    def read(self, notebook: str) -> nbformat.NotebookNode:
        return nbformat.read(self.source_dir / f"{notebook}.ipynb", as_version=4)


def find_assignment(root: Path, name: str) -> Assignment:
    """The assignment called ``name`` in ``root``, or a clear error listing those that exist."""
    folder = root / SOURCE_DIR / name
    if not any(folder.glob("*.ipynb")):
        known = ", ".join(assignments(root)) or "none"
        raise GradingError(f"no assignment {name!r} in {root / SOURCE_DIR} (known: {known})")
    return Assignment(name, folder)


def copy_support_files(assignment: Assignment, dest: Path) -> None:
    """Copy the assignment's non-notebook files (data the notebooks read); never the instructor notebooks."""
    for path in assignment.source_dir.rglob("*"):
        rel = path.relative_to(assignment.source_dir)
        if path.is_dir() or path.suffix == ".ipynb" or any(part.startswith(".") for part in rel.parts):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def patch_nbgrader_alembic_head() -> None:
    """nbgrader runs ``alembic heads`` in a subprocess for every new gradebook; read the head in-process once."""
    import functools

    import nbgrader.api
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    if getattr(nbgrader.api.get_alembic_version, "brinkmanship", False):
        return

    @functools.cache
    def head() -> str:
        config = AlembicConfig()
        config.set_main_option("script_location", str(Path(nbgrader.api.__file__).parent / "alembic"))
        return str(ScriptDirectory.from_config(config).get_current_head())

    head.brinkmanship = True  # type: ignore[attr-defined]
    nbgrader.api.get_alembic_version = head


def default_db_url(root: Path) -> str:
    """The course's gradebook URL as its nbgrader_config.py sets it (env BRINKMANSHIP_DB_URL included)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    url = config.CourseDirectory.get("db_url")
    return str(url) if url else sqlite_url(root / "gradebook.db")


def sqlite_path(db_url: str) -> Path | None:
    """The file of a sqlite gradebook URL (query options removed), or None for other databases."""
    if not db_url.startswith("sqlite:///"):
        return None
    return Path(db_url[len("sqlite:///") :].split("?", 1)[0])
