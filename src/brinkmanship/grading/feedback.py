"""``brinkmanship feedback``: nbgrader's HTML feedback per student, through the course's configuration.

The course config puts :class:`~brinkmanship.grading.preprocessors.HideHiddenTests` first in
``GenerateFeedback.preprocessors``, so this command and formgrader's "Generate feedback" button give the same
pages: hidden tests reduced to passed or failed with their points, never their code.
"""

from __future__ import annotations

from pathlib import Path

from brinkmanship.grading.course import course_config, default_db_url, find_assignment
from brinkmanship.grading.gradebook import driver_check
from brinkmanship.grading.release import errors, quiet_logger


def generate(
    root: Path, assignment: str, students: list[str] | None = None, db_url: str | None = None
) -> tuple[list[Path], list[str]]:
    """Write feedback/<student>/<assignment>/<notebook>.html; return the pages and the failures."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    find_assignment(root, assignment)
    db_url = db_url or default_db_url(root)
    driver_check(db_url)
    config = course_config(root, db_url)
    config.GenerateFeedback.force = True
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    targets = students or sorted(p.parent.name for p in (root / "autograded").glob(f"*/{assignment}") if p.is_dir())
    written: list[Path] = []
    failed: list[str] = []
    log = quiet_logger()
    for student in targets:
        coursedir.student_id = student
        try:
            GenerateFeedback(coursedir=coursedir, config=config, log=log).start()
        except Exception as exc:
            failed.append(f"{student}: {errors(log) or exc}")
            continue
        written += sorted((root / "feedback" / student / assignment).glob("*.html"))
    return written, failed
