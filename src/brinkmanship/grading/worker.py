"""Grade one submission in its own throw-away nbgrader course; long-lived worker processes loop over many.

The throw-away course holds only this student's sanitised copy, the assignment's data files and a copy of
a template gradebook; nbgrader's Autograde converter does the grading there (with ``GuardedExecute`` in
place of Execute). Scores are then read back and checked against the signed verdicts before anything
reaches the real gradebook, which only the parent process writes.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brinkmanship.grading import execute, isolate
from brinkmanship.grading.course import RELEASE_DIR, SOURCE_DIR, sqlite_url, write_config
from brinkmanship.grading.release import quiet_logger
from brinkmanship.grading.sanitize import NotANotebookError, read_submission, sanitize


@dataclass
class Setup:
    """What every worker needs about the assignment, prepared once by the parent."""

    assignment: str
    notebooks: list[str]
    template_db: str  # path of a sqlite gradebook filled by nbgrader's GenerateAssignment
    release_dir: str  # generated student versions (sanitising templates)
    support_dir: str  # the assignment's data files (no notebooks)
    scratch: str
    limits: execute.Limits
    max_scores: dict[str, dict[str, float]]  # notebook -> grade id -> points, from the instructor notebook
    test_ids: dict[str, list[str]]
    hide: list[str] = field(default_factory=list)  # the real course's private paths, hidden from kernels


@dataclass
class Task:
    student: str
    files: dict[str, str]  # notebook name -> path of the submitted file (may be missing)
    timestamp: str | None  # ISO time decided at intake
    digest: str
    problems: list[str] = field(default_factory=list)


def grade_one(task: Task, setup: Setup) -> dict[str, Any]:
    """Grade ``task``; never raises: every failure becomes a problem in the result."""
    result: dict[str, Any] = {
        "student": task.student,
        "digest": task.digest,
        "timestamp": task.timestamp,
        "grades": [],
        "comments": [],
        "problems": list(task.problems),
        "notebooks": {},
        "late_penalty": {},
        "ok": False,
    }
    tmp = Path(tempfile.mkdtemp(prefix="grade-", dir=setup.scratch))
    os.chmod(tmp, 0o711)  # the kernel may traverse to its own folder but not list its neighbours
    try:
        _grade(task, setup, tmp, result)
        result["ok"] = True
    except Exception as exc:
        result["problems"].append(f"grading failed: {type(exc).__name__}: {exc}")
        result["retry"] = True
        result["traceback"] = traceback.format_exc(limit=5)
    finally:
        isolate.kill_tree()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _grade(task: Task, setup: Setup, tmp: Path, result: dict[str, Any]) -> None:
    import nbformat
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )
    from traitlets.config import Config

    private = tmp / "private"
    private.mkdir(mode=0o700)
    db = private / "gradebook.db"
    shutil.copy(setup.template_db, db)
    course = tmp / "course"
    write_config(course, sqlite_url(db), setup.limits.cell_timeout)
    shutil.copytree(setup.support_dir, course / SOURCE_DIR / setup.assignment)
    submitted = course / "submitted" / task.student / setup.assignment
    submitted.mkdir(parents=True)
    for name in setup.notebooks:
        source = task.files.get(name)
        if not source:
            result["problems"].append(f"{name}.ipynb: not submitted (scored 0)")
            continue
        try:
            nb = read_submission(Path(source).read_bytes())
        except (OSError, NotANotebookError) as exc:
            result["problems"].append(f"{name}.ipynb: {exc} (scored 0)")
            continue
        template = nbformat.read(Path(setup.release_dir) / f"{name}.ipynb", as_version=4)
        clean = sanitize(nb, template)
        result["problems"] += [f"{name}.ipynb: {note}" for note in clean.notes]
        nbformat.write(clean.notebook, submitted / f"{name}.ipynb")
    if task.timestamp:
        (submitted / "timestamp.txt").write_text(task.timestamp)

    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.source_directory = SOURCE_DIR
    config.CourseDirectory.release_directory = RELEASE_DIR
    config.CourseDirectory.db_url = sqlite_url(db)
    config.CourseDirectory.course_id = "brinkmanship"
    config.Execute.timeout = setup.limits.cell_timeout
    config.Execute.interrupt_on_timeout = True
    config.Execute.shutdown_kernel = "immediate"
    config.Execute.iopub_timeout = 4
    config.LimitOutput.max_lines = 1000
    config.Autograde.create_student = True
    config.Autograde.force = True
    config.Autograde.autograde_preprocessors = [
        execute.GuardedExecute,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = setup.assignment
    coursedir.student_id = task.student
    state = execute.RunState(setup.limits, private, home_parent=tmp, hide=setup.hide)
    execute.CURRENT = state
    if any(submitted.glob("*.ipynb")):
        converter = Autograde(coursedir=coursedir, config=config, log=quiet_logger())
        try:
            converter.start()
        except Exception as exc:
            result["problems"].append(f"nbgrader autograde failed: {type(exc).__name__}: {exc}")
        finally:
            execute.CURRENT = None
    result["problems"] += state.problems
    result["isolation"] = state.notes
    result["retry"] = state.infrastructure_failure
    if state.killed:
        result["killed_processes"] = state.killed
    autograded = course / "autograded" / task.student / setup.assignment
    for name in setup.notebooks:
        path = autograded / f"{name}.ipynb"
        if path.is_file():
            result["notebooks"][name] = path.read_text(encoding="utf-8")
    _collect_scores(setup, task, sqlite_url(db), state, result)


def _collect_scores(setup: Setup, task: Task, url: str, state: execute.RunState, result: dict[str, Any]) -> None:
    """Read nbgrader's scores back, trusting the verdicts and the instructor's points over the temp DB."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(url, "brinkmanship") as gb:
        try:
            submission = gb.find_submission(setup.assignment, task.student)
        except MissingEntry:
            submission = None
        for name in setup.notebooks:
            expected = setup.max_scores[name]
            try:
                nb = gb.find_submission_notebook(name, setup.assignment, task.student) if submission else None
            except MissingEntry:
                nb = None
            graded = name in result["notebooks"]
            if nb is not None:
                result["late_penalty"][name] = nb.late_submission_penalty
            by_id = {g.name: g for g in nb.grades} if nb is not None else {}
            for grade_id, points in expected.items():
                grade = by_id.get(grade_id)
                entry = {
                    "notebook": name,
                    "grade_id": grade_id,
                    "max_score": points,
                    "auto_score": 0.0,
                    "needs_manual_grade": False,
                    "passed": None,
                    "reason": "",
                }
                if grade_id in setup.test_ids[name]:
                    verdict = state.verdicts.get(grade_id) if graded else None
                    passed = bool(verdict and verdict["passed"])
                    nbgrader_score = grade.auto_score if grade is not None else None
                    entry["auto_score"] = points if passed else 0.0
                    entry["passed"] = passed
                    entry["reason"] = "" if passed else (verdict or {}).get("reason") or "not graded"
                    if graded and nbgrader_score is not None and abs(nbgrader_score - entry["auto_score"]) > 1e-9:
                        result["problems"].append(
                            f"{grade_id}: nbgrader's score {nbgrader_score} disagreed with the verified verdict"
                        )
                    if verdict and verdict.get("tamper"):
                        result["problems"].append(f"{grade_id}: {verdict['reason']} (scored 0)")
                elif grade is not None and graded:
                    entry["auto_score"] = None if grade.auto_score is None else min(float(grade.auto_score), points)
                    entry["needs_manual_grade"] = bool(grade.needs_manual_grade)
                result["grades"].append(entry)
            if nb is not None and graded:
                for comment in nb.comments:
                    result["comments"].append(
                        {"notebook": name, "grade_id": comment.name, "auto_comment": comment.auto_comment}
                    )


def serve(tasks: Any, results: Any) -> None:
    """Worker process body: import nbgrader once, then grade tasks until told to stop (None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means

    def _terminate(*_: Any) -> None:
        isolate.kill_tree()
        os._exit(1)

    signal.signal(signal.SIGTERM, _terminate)
    isolate.become_subreaper()
    import warnings

    import nbgrader.converters  # noqa: F401  (paid once per worker, not per submission)
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)

    results.put(("ready", os.getpid(), None))
    while True:
        item = tasks.get()
        if item is None:
            break
        setup, task = item
        results.put(("start", os.getpid(), task.student))
        results.put(("done", os.getpid(), grade_one(task, setup)))
