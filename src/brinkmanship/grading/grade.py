"""``brinkmanship grade``: parallel, isolated, resumable autograding into the nbgrader gradebook.

The parent process prepares the assignment once (nbgrader GenerateAssignment into the real gradebook and
into a private template), hands submissions to long-lived worker processes (each imports nbgrader once),
and is the only writer of the real gradebook. A submission's result is written in one transaction and then
recorded in ``autograded/.brinkmanship-state.json`` with the hash of what was graded: an interrupted run
loses at most the submissions in flight, and a rerun grades only new or changed ones.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import queue
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from brinkmanship.grading import execute, intake, report
from brinkmanship.grading.course import (
    Assignment,
    GradingError,
    copy_support_files,
    default_db_url,
    fast_alembic_version,
    find_assignment,
)
from brinkmanship.grading.release import generate
from brinkmanship.grading.sanitize import is_test, nbgrader_id
from brinkmanship.grading.worker import Setup, Task, serve

STATE_FILE = ".brinkmanship-state.json"


def _points(assignment: Assignment) -> tuple[dict[str, dict[str, float]], dict[str, list[str]]]:
    scores: dict[str, dict[str, float]] = {}
    tests: dict[str, list[str]] = {}
    for name in assignment.notebook_names:
        nb = assignment.read(name)
        scores[name], tests[name] = {}, []
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and (cid := nbgrader_id(cell)):
                scores[name][cid] = float(meta.get("points", 0))
                if is_test(cell):
                    tests[name].append(cid)
    return scores, tests


def source_digest(assignment: Assignment, limits: execute.Limits) -> str:
    h = hashlib.sha256(json.dumps(asdict(limits), sort_keys=True).encode())
    for path in sorted(assignment.source_dir.rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            h.update(path.relative_to(assignment.source_dir).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


def prepare(
    assignment: Assignment,
    scratch: Path,
    limits: execute.Limits,
    real_db: str | None,
    duedate: str | None = None,
    also_hide: list[Path] | None = None,
) -> Setup:
    """Build the workers' private template gradebook with nbgrader.

    The real gradebook is filled separately by :func:`fill_gradebook`, while the workers already grade:
    only the merge of results needs it, and nbgrader's generate step runs a kernel for hashed autotests.
    The due date already in the real gradebook (if any, and no ``duedate`` was given) goes into the template.
    """
    if real_db and not duedate:
        duedate = _existing_duedate(real_db, assignment.name)
    template = generate(assignment, scratch / "template", duedate=duedate)
    support = scratch / "support"
    support.mkdir()
    copy_support_files(assignment, support)
    scores, tests = _points(assignment)
    return Setup(
        assignment.name,
        assignment.notebook_names,
        str(scratch / "template" / "gradebook.db"),
        str(template.release_dir),
        str(support),
        str(scratch),
        limits,
        scores,
        tests,
        hide=sorted(
            {*private_paths(assignment.source_dir.parents[1], real_db), *(str(p.resolve()) for p in also_hide or [])}
        ),
    )


def _existing_duedate(db_url: str, assignment: str) -> str | None:
    from nbgrader.api import Gradebook, MissingEntry

    _protect(db_url)
    with Gradebook(db_url, "brinkmanship") as gb:
        try:
            due = gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None
    return due.isoformat() if due else None


def fill_gradebook(assignment: Assignment, scratch: Path, real_db: str, duedate: str | None) -> None:
    """Write the assignment (cells, points, due date) into the real gradebook with nbgrader's generate step."""
    _protect(real_db)
    generate(assignment, scratch / "real", db_url=real_db, duedate=duedate)
    shutil.rmtree(scratch / "real", ignore_errors=True)


def private_paths(root: Path, db_url: str | None) -> list[str]:
    """What student code must never see of the real course: instructor notebooks, grades, other students."""
    names = [
        "solutions",
        "source",
        "release",
        "instructor_solutions",
        "submitted",
        "autograded",
        "feedback",
        "exports",
        "gradebook.db",
        "exchange",
    ]
    hide = [str(root / n) for n in names if (root / n).exists()]
    if db_url and db_url.startswith("sqlite:///"):
        hide.append(db_url[len("sqlite:///") :])
    return sorted(set(hide))


def _protect(db_url: str) -> None:
    """A sqlite gradebook holds hidden tests: make it unreadable for other users (the kernel's user)."""
    if db_url.startswith("sqlite:///"):
        path = Path(db_url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        os.chmod(path, 0o600)


class Pool:
    """Long-lived worker processes fed from one queue; replaces a worker that dies mid-submission."""

    def __init__(self, workers: int) -> None:
        self.ctx = mp.get_context("spawn")
        self.tasks = self.ctx.Queue()
        self.results = self.ctx.Queue()
        self.procs: dict[int, Any] = {}
        self.inflight: dict[int, str] = {}
        self.respawns_left = 2 * workers + 2
        for _ in range(workers):
            self._spawn()

    def _spawn(self) -> None:
        proc = self.ctx.Process(target=serve, args=(self.tasks, self.results), daemon=True)
        proc.start()
        self.procs[proc.pid] = proc

    def dead(self) -> list[tuple[int, str | None]]:
        gone = []
        for pid, proc in list(self.procs.items()):
            if not proc.is_alive():
                del self.procs[pid]
                gone.append((pid, self.inflight.pop(pid, None)))
                if self.respawns_left <= 0:
                    self.stop(force=True)
                    raise GradingError(
                        f"grading workers keep dying (last exit code {proc.exitcode}); "
                        "is brinkmanship installed in this interpreter?"
                    )
                self.respawns_left -= 1
                self._spawn()
        return gone

    def stop(self, force: bool = False) -> None:
        for proc in self.procs.values():
            if force:
                proc.terminate()
            else:
                self.tasks.put(None)
        for proc in self.procs.values():
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


def run_tasks(
    setup: Setup,
    tasks: list[Task],
    pool: Pool | int,
    on_result: Any,
    progress: bool = True,
    while_grading: Any = None,
) -> list[str]:
    """Grade ``tasks`` on a pool (or that many new workers), calling ``on_result`` here for each result.

    Start the pool before preparing the assignment: workers import nbgrader while the parent works.
    ``while_grading`` runs here once the tasks are queued and before any result is handled (the real
    gradebook is filled then, in parallel with the first submissions).
    """
    from tqdm import tqdm

    if isinstance(pool, int):
        pool = Pool(max(1, min(pool, len(tasks))))
    attempts: dict[str, int] = {}
    by_student = {t.student: t for t in tasks}
    lost: list[str] = []
    for task in tasks:
        pool.tasks.put((setup, task))
    if while_grading is not None:
        while_grading()
    remaining, failures = len(tasks), 0
    bar = tqdm(
        total=len(tasks),
        desc=f"grading {setup.assignment}",
        unit="submission",
        disable=not progress,
        file=sys.stderr,
        mininterval=0.5,
        dynamic_ncols=True,
    )
    try:
        while remaining:
            try:
                kind, pid, payload = pool.results.get(timeout=1.0)
            except queue.Empty:
                for _pid, student in pool.dead():
                    if student is None:
                        continue
                    attempts[student] = attempts.get(student, 0) + 1
                    if attempts[student] < 2:
                        pool.tasks.put((setup, by_student[student]))
                    else:
                        lost.append(student)
                        remaining -= 1
                        failures += 1
                        bar.update(1)
                        bar.set_postfix(failures=failures)
                continue
            if kind == "start":
                pool.inflight[pid] = payload
            elif kind == "done":
                pool.inflight.pop(pid, None)
                on_result(payload)
                remaining -= 1
                failures += bool(payload.get("problems"))
                bar.update(1)
                bar.set_postfix(failures=failures)
    except KeyboardInterrupt:
        pool.stop(force=True)
        bar.close()
        raise
    bar.close()
    pool.stop()
    pool.procs.clear()
    return lost


def _naive_utc(iso: str | None) -> datetime | None:
    if not iso:
        return None
    when = datetime.fromisoformat(iso)
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def merge(gb: Any, assignment: str, result: dict[str, Any]) -> None:
    """Write one worker result into the real gradebook (an open nbgrader Gradebook), in one commit."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush noise with SQLAlchemy 2
        gb.update_or_create_student(result["student"])
        submission = gb.update_or_create_submission(
            assignment, result["student"], timestamp=_naive_utc(result["timestamp"])
        )
        for entry in result["grades"]:
            grade = gb.find_grade(entry["grade_id"], entry["notebook"], assignment, result["student"])
            grade.auto_score = entry["auto_score"]
            grade.needs_manual_grade = entry["needs_manual_grade"]
        for entry in result["comments"]:
            comment = gb.find_comment(entry["grade_id"], entry["notebook"], assignment, result["student"])
            comment.auto_comment = entry["auto_comment"]
        for nb in submission.notebooks:
            nb.late_submission_penalty = result["late_penalty"].get(nb.name)
        gb.db.commit()


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            self.data = {}

    def get(self, assignment: str, student: str) -> dict[str, Any] | None:
        return self.data.get(assignment, {}).get(student)

    def put(self, assignment: str, student: str, record: dict[str, Any]) -> None:
        self.data.setdefault(assignment, {})[student] = record
        self.path.parent.mkdir(parents=True, exist_ok=True)
        report.write_json(self.path, self.data)


def grade(
    root: Path,
    assignment_name: str,
    submissions: Path,
    workers: int | None = None,
    db_url: str | None = None,
    timeout: int = 60,
    total_timeout: int | None = None,
    memory_mb: int = 2048,
    output_bytes: int = 100_000,
    force: bool = False,
    duedate: str | None = None,
    progress: bool = True,
    report_path: Path | None = None,
) -> dict[str, Any]:
    """Grade every submission of ``assignment_name`` found in ``submissions``; return the JSON report."""
    from nbgrader.api import Gradebook, MissingEntry

    started = time.monotonic()
    assignment = find_assignment(root, assignment_name)
    db_url = db_url or default_db_url(root)
    limits = execute.Limits(
        cell_timeout=timeout,
        total_timeout=total_timeout or max(timeout * 5, 60),
        memory_mb=memory_mb,
        cell_output_bytes=output_bytes,
        total_output_bytes=output_bytes * 10,
    )
    workers = workers or os.cpu_count() or 1
    pool: Pool | None = None
    tasks: list[Task] = []
    scratch = Path(tempfile.mkdtemp(prefix="brinkmanship-grade-"))
    os.chmod(scratch, 0o711)
    state = StateFile(root / "autograded" / STATE_FILE)
    source = source_digest(assignment, limits)
    results: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    skipped: list[str] = []
    try:
        found = intake.collect(submissions, assignment.name, assignment.notebook_names, scratch)
        problems += found.problems
        fast_alembic_version()
        _protect(db_url)
        with Gradebook(db_url, "brinkmanship") as gb:
            for student, sub in sorted(found.submissions.items()):
                digest = sub.digest()
                record = state.get(assignment.name, student)
                if not force and record and record.get("digest") == digest and record.get("source") == source:
                    try:
                        gb.find_submission(assignment.name, student)
                        skipped.append(student)
                        continue
                    except MissingEntry:
                        pass
                tasks.append(
                    Task(student, {k: str(v) for k, v in sub.files.items()}, sub.timestamp, digest, list(sub.notes))
                )
        if tasks:  # start workers first: they import nbgrader while this process prepares the assignment
            pool = Pool(max(1, min(workers, len(tasks))))
            setup = prepare(assignment, scratch, limits, db_url, duedate, also_hide=[submissions])
            # the real gradebook keeps its own due date unless --duedate sets a new one
            due_for_book = duedate or _existing_duedate(db_url, assignment.name)

        book = Gradebook(db_url, "brinkmanship")

        def on_result(result: dict[str, Any]) -> None:
            try:
                merge(book, assignment.name, result)
            except Exception:
                book.db.rollback()
                raise
            _store_files(root, assignment.name, result, found.submissions[result["student"]])
            if not result.get("retry"):
                state.put(
                    assignment.name,
                    result["student"],
                    {"digest": result["digest"], "source": source, "graded_at": datetime.now(UTC).isoformat()},
                )
            results.append(result)
            problems.extend({"student": result["student"], "reason": p} for p in result["problems"])

        try:
            lost = (
                run_tasks(
                    setup,
                    tasks,
                    pool,
                    on_result,
                    progress,
                    while_grading=lambda: fill_gradebook(assignment, scratch, db_url, due_for_book),
                )
                if tasks and pool
                else []
            )
        finally:
            book.close()
        problems += [
            {"student": s, "reason": "a grading worker died twice on this submission: not graded"} for s in lost
        ]
    finally:
        if pool is not None and pool.procs:
            pool.stop(force=not tasks)
        shutil.rmtree(scratch, ignore_errors=True)
    data = {
        "assignment": assignment.name,
        "db_url": _redact(db_url),
        "graded": len(results),
        "skipped_unchanged": skipped,
        "not_graded": [p["student"] for p in problems if "not graded" in p["reason"]],
        "seconds": round(time.monotonic() - started, 2),
        "workers": workers,
        "students": [
            {"student": r["student"], "grades": r["grades"], "problems": r["problems"]}
            for r in sorted(results, key=lambda r: r["student"])
        ],
        "problems": problems,
        "summary": report.summary(results),
    }
    report.write_json(report_path or root / f"grading-report-{assignment.name}.json", data)
    return data


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _store_files(root: Path, assignment: str, result: dict[str, Any], sub: intake.Submission) -> None:
    """Put the autograded notebooks (for formgrader and feedback) and the raw submission in the course."""
    auto = root / "autograded" / result["student"] / assignment
    auto.mkdir(parents=True, exist_ok=True)
    for name, text in result["notebooks"].items():
        (auto / f"{name}.ipynb").write_text(text, encoding="utf-8")
    dest = root / "submitted" / result["student"] / assignment
    for name, path in sub.files.items():
        target = dest / f"{name}.ipynb"
        if path.is_file() and path.resolve() != target.resolve():
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    if sub.timestamp:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "timestamp.txt").write_text(sub.timestamp)
