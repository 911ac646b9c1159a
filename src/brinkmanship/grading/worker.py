"""One grading worker: nbgrader's own ``Autograde`` converter, one student at a time, into the real gradebook.

The course's configuration (:func:`..config.course_config`) puts brinkmanship's preprocessors into
nbgrader's pipeline, so this module only chooses the student, collects what the preprocessors noticed and
reads the scores back from the gradebook for the report. Workers grade different students at the same time;
nbgrader's writes for one submission are short transactions, and the sqlite URL waits for the other writer.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import nbformat

from brinkmanship.grading.batch import die_with_parent
from brinkmanship.grading.config import load_course_config
from brinkmanship.grading.course import COURSE_ID
from brinkmanship.grading.release import errors, quiet_logger

if TYPE_CHECKING:
    from brinkmanship.grading.course import Assignment


@dataclass(frozen=True)
class WorkerSetup:
    """The same for every submission of a run."""

    root: str
    assignment: str
    db_url: str
    limits: dict[str, Any]  # SandboxedExecute traits
    sandbox: str = "bwrap"
    release_dir: str = ""
    warm: bool = True


@dataclass(frozen=True)
class Task:
    student: str  # the id as given (any Unicode)
    disk_id: str  # its collision-free name in the course's folders and the gradebook
    notebooks: tuple[str, ...]  # notebooks that were submitted (and staged)
    digest: str
    unchanged: bool = False  # graded before with the same content (a --force regrade)


@dataclass
class Collector:
    """Receives what the preprocessors report while nbgrader runs (one submission at a time)."""

    items: dict[str, list[Any]] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> Collector:
        return self  # traitlets deep-copies config values: the preprocessors must report to this very object

    def __call__(self, info: dict[str, Any], kind: str, found: list[Any]) -> None:
        notebook = info.get("notebook", "?")
        if kind == "verdicts":
            self.items.setdefault("verdicts", []).extend((notebook, gid, v) for gid, v in found)
        else:
            self.items.setdefault(kind, []).extend(f"{notebook}.ipynb: {item}" for item in found)


def grade_one(task: Task, setup: WorkerSetup, config: Any, collector: Collector, log: Any) -> dict[str, Any]:
    """Autograde ``task`` with nbgrader; never raises (every failure becomes a problem of this student)."""
    from brinkmanship.grading.sandbox import SandboxMissingError

    collector.items = {}
    result: dict[str, Any] = {"student": task.student, "disk_id": task.disk_id, "digest": task.digest}
    problems: list[str] = []
    try:
        if not task.notebooks:  # nothing gradable: record the submission with zeros, as nbgrader does
            _record_empty(setup, task)
        else:
            _autograde(task, setup, config, log)
            if task.unchanged:
                _keep_hand_grades(setup, task)
    except SandboxMissingError as exc:
        problems.append(f"not graded: {exc}")
        result["retry"] = True
    except Exception as exc:  # nbgrader's own failure for this student (it already removed the output)
        detail = errors(log) or f"{type(exc).__name__}: {exc}"
        problems.append(f"not graded: nbgrader failed on this submission: {detail}")
        result["retry"] = True
        result["traceback"] = traceback.format_exc(limit=4)
    problems += collector.items.get("problems", [])
    result.update(
        problems=problems,
        repairs=collector.items.get("repairs", []),
        flags=collector.items.get("flags", []),
    )
    verdicts = {(nb, gid): v for nb, gid, v in collector.items.get("verdicts", [])}
    result.update(_scores(setup, task, verdicts))
    return result


def _autograde(task: Task, setup: WorkerSetup, config: Any, log: Any) -> None:
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = setup.assignment
    coursedir.student_id = task.disk_id
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's SQLAlchemy autoflush notices
        Autograde(coursedir=coursedir, config=config, log=log).start()


def _keep_hand_grades(setup: WorkerSetup, task: Task) -> None:
    """A regrade of the same work keeps what was graded by hand: no new "needs manual grade" for it."""
    from brinkmanship.grading.gradebook import opened

    with opened(setup.db_url) as gb:
        submission = gb.find_submission(setup.assignment, task.disk_id)
        for nb in submission.notebooks:
            for grade in nb.grades:
                if grade.manual_score is not None and grade.needs_manual_grade:
                    grade.needs_manual_grade = False
        gb.db.commit()


def _record_empty(setup: WorkerSetup, task: Task) -> None:
    """A submission row with every grade 0 (nbgrader's own rule for a notebook that was not submitted)."""
    from pathlib import Path

    from brinkmanship.grading.gradebook import opened

    stamp = Path(setup.root) / "submitted" / task.disk_id / setup.assignment / "timestamp.txt"
    when = None
    if stamp.is_file():
        from nbgrader.utils import parse_utc

        when = parse_utc(stamp.read_text().strip())
    with opened(setup.db_url) as gb:
        submission = gb.update_or_create_submission(
            setup.assignment, task.disk_id, **({"timestamp": when} if when else {})
        )
        for nb in submission.notebooks:
            for grade in nb.grades:
                grade.auto_score = 0.0
                grade.needs_manual_grade = False
        gb.db.commit()


def _scores(setup: WorkerSetup, task: Task, verdicts: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """The gradebook's record of this submission, with each test's verdict and reason."""
    from nbgrader.api import Gradebook, MissingEntry

    grades: list[dict[str, Any]] = []
    out: dict[str, Any] = {"grades": grades, "timestamp": None, "seconds_late": 0.0}
    with Gradebook(setup.db_url, COURSE_ID) as gb:
        try:
            submission = gb.find_submission(setup.assignment, task.disk_id)
        except MissingEntry:
            return out
        out["timestamp"] = submission.timestamp.isoformat() if submission.timestamp else None
        out["seconds_late"] = float(submission.total_seconds_late or 0.0)
        for nb in submission.notebooks:
            written = {cell.name for cell in nb.notebook.solution_cells}
            for grade in nb.grades:
                verdict = verdicts.get((nb.name, grade.name))
                entry = {
                    "notebook": nb.name,
                    "grade_id": grade.name,
                    "max_score": float(grade.max_score),
                    "auto_score": None if grade.auto_score is None else float(grade.auto_score),
                    "manual_score": None if grade.manual_score is None else float(grade.manual_score),
                    "needs_manual_grade": bool(grade.needs_manual_grade),
                    "written": grade.name in written,
                    "passed": None if verdict is None else bool(verdict.passed),
                    "reason": "" if verdict is None or verdict.passed else verdict.message,
                }
                if nb.name not in task.notebooks and entry["passed"] is None and not entry["written"]:
                    entry.update(passed=False, reason="notebook not submitted")
                grades.append(entry)
    return out


def preload(modules: tuple[str, ...] = ()) -> None:
    """Import what grading needs, once per run, in the process the workers are forked from: nbgrader, the
    preprocessors, and ``modules`` (those the instructor's read-only cells import: :func:`instructor_imports`)."""
    import importlib

    import nbgrader.converters  # noqa: F401
    import pandas  # noqa: F401

    import brinkmanship.grading.preprocessors
    import brinkmanship.grading.sandbox.bwrap
    import brinkmanship.grading.sandbox.pool  # noqa: F401
    from brinkmanship.grading.course import patch_nbgrader_alembic_head

    patch_nbgrader_alembic_head()
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the trusted runner reports the instructor's failing import itself
            continue


def instructor_imports(assignment: Assignment) -> tuple[str, ...]:
    """Modules that the assignment's read-only cells (setup and tests: instructor code) import."""
    import ast

    from brinkmanship.grading.trusted import _python

    names: set[str] = set()
    for path in assignment.notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("solution") or not (meta.get("locked") or meta.get("grade")):
                continue
            try:
                tree = ast.parse(_python(cell.source))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module)
                    names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return tuple(sorted(names))


def reuse_gradebook_engines() -> None:
    """One SQLAlchemy engine per gradebook URL in this worker: nbgrader makes a new one for every Gradebook it
    opens (several per submission), and each new engine compiles every query again. Call after the fork."""
    import functools

    import nbgrader.api
    from sqlalchemy import create_engine

    if getattr(nbgrader.api.create_engine, "brinkmanship", False):
        return
    cached = functools.cache(create_engine)
    cached.brinkmanship = True  # type: ignore[attr-defined]
    nbgrader.api.create_engine = cached


def serve(tasks: Any, results: Any, slot: int, setup: WorkerSetup) -> None:
    """Worker process body: grade tasks until told to stop (None)."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    preload()  # already done in the parent when the worker was forked: then this costs nothing
    reuse_gradebook_engines()
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")  # alembic
    collector = Collector()
    config = worker_config(setup, slot, collector)
    log = quiet_logger(f"brinkmanship.worker.{slot}")
    while True:
        item = tasks.get()
        if item is None:
            break
        key, task = item
        results.put(("start", os.getpid(), key))
        results.put(("done", os.getpid(), grade_one(task, setup, config, collector, log)))
    from brinkmanship.grading.sandbox.pool import close_all

    close_all()  # spare kernels die and are reaped here, so their CPU time is accounted to this worker


def worker_config(setup: WorkerSetup, slot: int, collector: Collector) -> Any:
    """The course's nbgrader config, with this run's limits, sandbox and report collector."""
    from pathlib import Path

    config = load_course_config(Path(setup.root), setup.db_url)
    config.Autograde.force = True
    config.Autograde.create_student = True
    for key, value in setup.limits.items():
        setattr(config.SandboxedExecute, key, value)
    config.SandboxedExecute.sandbox = setup.sandbox
    config.SandboxedExecute.slot = slot
    config.SandboxedExecute.warm = setup.warm
    config.SandboxedExecute.collector = collector
    config.RebuildFromRelease.collector = collector
    if setup.release_dir:
        config.RebuildFromRelease.release_dir = setup.release_dir
    return config
