"""The nbgrader gradebook as brinkmanship uses it: assignments, students, due dates, final scores.

The gradebook stays nbgrader's own record (formgrader, manual grading and feedback read it); this module
only puts the assignment and the students in before grading, and reads scores out with the difference
between "0 points" and "not graded by hand yet" kept.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from brinkmanship.grading.course import COURSE_ID, Assignment, GradingError, sqlite_path


def driver_check(db_url: str) -> None:
    """Stop with one line when the database driver is missing (SQLAlchemy 2 needs psycopg 3 for postgresql)."""
    if db_url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise GradingError(
                "the gradebook is PostgreSQL but its driver is not installed: "
                "pip install 'brinkmanship[postgres]' (psycopg 3)"
            ) from None


def protect(db_url: str) -> None:
    """A sqlite gradebook holds hidden tests: readable by its owner only."""
    path = sqlite_path(db_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        os.chmod(path, 0o600)


@contextmanager
def opened(db_url: str) -> Iterator[Any]:
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    driver_check(db_url)
    protect(db_url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        try:
            gb = Gradebook(db_url, COURSE_ID)
        except Exception as exc:
            raise GradingError(f"cannot open the gradebook: {type(exc).__name__}: {exc}") from None
        try:
            yield gb
        finally:
            gb.close()


def _naive_utc(iso: str | datetime | None) -> datetime | None:
    if not iso:
        return None
    when = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def duedate(db_url: str, assignment: str) -> str | None:
    from nbgrader.api import MissingEntry

    with opened(db_url) as gb:
        try:
            due = gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None
    return due.isoformat() if due else None


def has_assignment(db_url: str, assignment: str) -> bool:
    from nbgrader.api import MissingEntry

    with opened(db_url) as gb:
        try:
            return bool(gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            return False


def put_assignment(assignment: Assignment, db_url: str, scratch: Path, due: str | None) -> Path:
    """Write the assignment (cells, points, due date) into the gradebook with nbgrader's generate step.

    Runs on a scratch copy, so the course's ``assignments/`` is untouched; returns the release folder
    nbgrader generated (what the gradebook now describes).
    """
    from brinkmanship.grading.release import generate

    protect(db_url)
    generated = generate(assignment, scratch, db_url=db_url, duedate=due)
    release = scratch / "release"
    shutil.copytree(generated.release_dir, release)
    return release


def set_duedate(db_url: str, assignment: str, due: str) -> None:
    with opened(db_url) as gb:
        gb.update_or_create_assignment(assignment, duedate=_naive_utc(due))


def put_students(db_url: str, students: dict[str, str]) -> None:
    """Create students (disk id -> id as given); an id that needed encoding keeps its real form as a name."""
    from nbgrader.api import MissingEntry

    with opened(db_url) as gb:
        for disk_id, original in students.items():
            try:
                gb.find_student(disk_id)
                continue
            except MissingEntry:
                pass
            extra = {} if disk_id == original else {"last_name": original[:120]}
            gb.update_or_create_student(disk_id, **extra)


def final_scores(db_url: str, assignment: str) -> tuple[dict[str, dict[str, float | None]], dict[str, float], dict]:
    """Per student and grade cell the final score, or None while a written answer awaits a hand grade.

    Also returns each cell's maximum and per student ``{"late_seconds", "penalty", "timestamp"}``.
    """
    from nbgrader.api import MissingEntry

    rows: dict[str, dict[str, float | None]] = {}
    maxima: dict[str, float] = {}
    extra: dict[str, dict[str, Any]] = {}
    with opened(db_url) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise GradingError(f"no assignment {assignment!r} in the gradebook") from None
        single = len(found.notebooks) == 1
        for nb in found.notebooks:
            for cell in nb.grade_cells:
                maxima[cell.name if single else f"{nb.name}:{cell.name}"] = float(cell.max_score)
        for sub in found.submissions:
            row: dict[str, float | None] = {}
            penalty = 0.0
            for nb in sub.notebooks:
                penalty += float(nb.late_submission_penalty or 0.0)
                for grade in nb.grades:
                    key = grade.name if single else f"{nb.name}:{grade.name}"
                    pending = grade.needs_manual_grade and grade.manual_score is None
                    row[key] = None if pending else float(grade.score or 0.0)
            rows[sub.student.id] = row
            extra[sub.student.id] = {
                "late_seconds": float(sub.total_seconds_late or 0.0),
                "penalty": penalty,
                "timestamp": sub.timestamp.isoformat() if sub.timestamp else None,
                "name": sub.student.last_name or "",
            }
    return rows, maxima, extra
