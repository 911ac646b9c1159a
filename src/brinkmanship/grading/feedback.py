"""``brinkmanship feedback``: nbgrader's HTML feedback per student, through the course's configuration.

The course config puts :class:`~brinkmanship.grading.preprocessors.HideHiddenTests` first in
``GenerateFeedback.preprocessors``, so this command and formgrader's "Generate feedback" button give the same
pages: hidden tests reduced to passed or failed with their points, never their code.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from brinkmanship.grading.config import load_course_config
from brinkmanship.grading.course import default_db_url, find_assignment
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
    config = load_course_config(root, db_url)
    config.GenerateFeedback.force = True
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    graded = {p.parent.name for p in (root / "autograded").glob(f"*/{assignment}") if p.is_dir()}
    submitted = _submitted(db_url, assignment)
    targets = students or sorted(graded | submitted)
    written: list[Path] = []
    failed: list[str] = []
    log = quiet_logger()
    for student in targets:
        if student not in graded and student in submitted:
            written.append(_not_gradable_page(root, assignment, student))
            continue
        coursedir.student_id = student
        try:
            GenerateFeedback(coursedir=coursedir, config=config, log=log).start()
        except Exception as exc:
            failed.append(f"{student}: {errors(log) or exc}")
            continue
        written += sorted((root / "feedback" / student / assignment).glob("*.html"))
    return written, failed


def _submitted(db_url: str, assignment: str) -> set[str]:
    from nbgrader.api import MissingEntry

    from brinkmanship.grading.gradebook import opened

    with opened(db_url) as gb:
        try:
            return {s.student.id for s in gb.find_assignment(assignment).submissions}
        except MissingEntry:
            return set()


def _not_gradable_page(root: Path, assignment: str, disk_id: str) -> Path:
    """A feedback page for a submission nbgrader could not open (invalid file, no notebook): why, and 0."""
    reasons: list[str] = []
    try:
        report = json.loads((root / f"grading-report-{assignment}.json").read_text(encoding="utf-8"))
        for entry in report.get("students", {}).values():
            if entry.get("disk_id") == disk_id:
                reasons = entry.get("problems", [])
    except (OSError, ValueError):
        pass
    items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons) or "<li>no notebook could be read</li>"
    page = root / "feedback" / disk_id / assignment / f"{assignment}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Feedback: {html.escape(assignment)}</title></head><body>"
        f"<h1>{html.escape(assignment)}: your submission could not be graded</h1>"
        f"<p>Score: 0. The grader could not open what you handed in:</p><ul>{items}</ul>"
        "<p>Check that you submitted the assignment's .ipynb file (not a copy renamed by hand, not a "
        "file saved while JupyterLab showed an error), then ask your instructor whether you may resubmit.</p>"
        "</body></html>\n",
        encoding="utf-8",
    )
    return page
