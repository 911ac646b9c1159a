"""Where the course's files are, whether brinkmanship runs from a clone or from an installed wheel."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def datasets_dir() -> Path:
    """Return the folder holding datapackage.json.

    One resolver for every install: an explicit ``BRINKMANSHIP_DATA_DIR`` wins (tests use it for broken
    copies); then the copy shipped inside the wheel (``brinkmanship/datasets``); then the repository's
    ``datasets/`` next to ``src/`` (editable installs and clones).
    """
    override = os.environ.get("BRINKMANSHIP_DATA_DIR")
    candidates = [Path(override)] if override else []
    candidates += [_PACKAGE_DIR / "datasets", _PACKAGE_DIR.parents[1] / "datasets"]
    for candidate in candidates:
        if (candidate / "datapackage.json").is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"brinkmanship cannot find its datasets (datapackage.json); looked in: {tried}")


def repo_root() -> Path | None:
    """The clone's root (with solutions/ and nbgrader_config.py), or None for a plain wheel install."""
    root = _PACKAGE_DIR.parents[1]
    return root if (root / "nbgrader_config.py").is_file() else None


def course_files() -> Path:
    """The folder holding the student's course (``lessons/`` and ``assignments/``): the wheel's copy
    (``brinkmanship/course``) or the clone's root. Never ``solutions/``: the wheel does not ship them."""
    shipped = _PACKAGE_DIR / "course"
    if (shipped / "lessons").is_dir():
        return shipped
    root = _PACKAGE_DIR.parents[1]
    if (root / "lessons").is_dir() and (root / "assignments").is_dir():
        return root
    raise FileNotFoundError(f"brinkmanship cannot find its lessons; looked in {shipped} and {root}")
