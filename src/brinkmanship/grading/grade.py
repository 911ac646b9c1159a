"""``brinkmanship grade``: sandboxed, parallel, resumable autograding into the nbgrader gradebook.

Plan: take in the submissions (:mod:`.intake`), put the assignment and the students into the gradebook,
stage each submission where nbgrader looks for it (``submitted/<id>/<assignment>/``, with the arrival time the
grader decided in ``timestamp.txt``), and skip what was already graded unchanged. Run: worker processes
grade one student at a time with nbgrader's ``Autograde`` (configured with our preprocessors). Report: every
student's scores, lateness, problems and repairs, merged into the assignment's report so earlier runs'
students stay in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from brinkmanship.grading import batch, gradebook, intake, report
from brinkmanship.grading.course import (
    RELEASE_DIR,
    Assignment,
    GradingError,
    default_db_url,
    find_assignment,
)
from brinkmanship.grading.sanitize import NotANotebookError, read_submission
from brinkmanship.grading.worker import Task, WorkerSetup, instructor_imports, preload, serve

STATE_FILE = ".brinkmanship-state.json"


def source_digest(assignment: Assignment, limits: dict[str, Any]) -> str:
    """What a grade depends on besides the submission: the instructor's folder, the limits and the course's
    datasets (the tests and nbgrader's hashed autotests compute their expected values from them)."""
    from brinkmanship import paths

    h = hashlib.sha256(json.dumps(limits, sort_keys=True).encode())
    for label, folder in (("solutions", assignment.source_dir), ("datasets", paths.datasets_dir())):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts and "__pycache__" not in path.parts:
                h.update(f"{label}/{path.relative_to(folder).as_posix()}".encode() + path.read_bytes())
    return h.hexdigest()


def exchange_inbound(root: Path) -> Path | None:
    """The nbgrader exchange's inbound folder for this course, as nbgrader_config.py sets it."""
    from traitlets.config.loader import PyFileConfigLoader

    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    except Exception:
        return None
    exchange = config.Exchange.get("root") or "/srv/nbgrader/exchange"
    course = config.CourseDirectory.get("course_id") or "brinkmanship"
    return Path(str(exchange)) / str(course) / "inbound"


def _stage(root: Path, assignment: str, sub: intake.Submission, notes: list[str]) -> tuple[str, ...]:
    """Put the submission where nbgrader looks for it; return the notebooks that are valid notebooks."""
    import nbformat

    dest = root / "submitted" / sub.disk_id / assignment
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.ipynb"):
        if old.stem not in sub.files:
            old.unlink()
    staged = []
    for name, path in sorted(sub.files.items()):
        raw = path.read_bytes()
        target = dest / f"{name}.ipynb"
        try:
            nb = read_submission(raw)
        except NotANotebookError as exc:
            notes.append(f"{name}.ipynb: {exc}: scored 0")
            target.unlink(missing_ok=True)
            continue
        try:
            nbformat.validate(nbformat.reads(raw.decode("utf-8"), as_version=4))
            text = raw
        except Exception:  # valid JSON, odd structure: give nbgrader a clean copy of the same cells
            text = nbformat.writes(nb).encode("utf-8")
        if not target.is_file() or target.read_bytes() != text:
            target.write_bytes(text)
        staged.append(name)
    stamp = dest / "timestamp.txt"
    if stamp.is_file() and not (dest / "timestamp.student.txt").exists():
        stamp.replace(dest / "timestamp.student.txt")  # keep the student's own claim, never use it
    if sub.arrival is not None:
        stamp.write_text(sub.arrival.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    else:
        stamp.unlink(missing_ok=True)
    return tuple(staged)


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
    sandbox: str = "bwrap",
) -> dict[str, Any]:
    """Grade every submission of ``assignment_name`` found in ``submissions``; return the run's report."""
    from brinkmanship.grading.sandbox import SandboxMissingError, make_runner

    started = time.monotonic()
    assignment = find_assignment(root, assignment_name)
    db_url = db_url or default_db_url(root)
    gradebook.driver_check(db_url)
    try:
        make_runner(sandbox)  # fail before any work when bwrap cannot run here
    except SandboxMissingError as exc:
        raise GradingError(f"{exc} To grade without a sandbox anyway, pass --no-sandbox.") from None
    limits = {
        "cell_timeout": float(timeout),
        "notebook_timeout": float(total_timeout or max(timeout * 5, 60)),
        "memory_mb": memory_mb,
        "cell_output_bytes": output_bytes,
        "total_output_bytes": output_bytes * 10,
    }
    report_path = report_path or root / f"grading-report-{assignment.name}.json"
    state = batch.StateFile(root / "autograded" / STATE_FILE)
    digest = source_digest(assignment, limits)
    run = batch.RunFolder()
    try:
        found = intake.collect(
            submissions, assignment.name, assignment.notebook_names, run.path / "intake", exchange_inbound(root)
        )
        if not found.submissions:
            raise GradingError(
                f"no gradable submission in {submissions}: looked for {found.looked_for}. "
                f"{len(found.problems)} file(s) could not be used, {len(found.ignored)} ignored; "
                f"the previous report ({report_path.name}) was kept."
            )
        release_dir = _prepare(assignment, db_url, duedate, run.path, state, digest, root)
        gradebook.put_students(db_url, {s.disk_id: s.student for s in found.submissions.values()})
        tasks, skipped, staged_notes = _plan(root, assignment, found, state, digest, force, db_url)
        results: dict[str, dict[str, Any]] = {}

        def on_result(result: dict[str, Any]) -> None:
            result["problems"] = staged_notes.get(result["student"], []) + result["problems"]
            results[result["student"]] = result
            if not result.get("retry"):
                record = {"digest": result["digest"], "graded_at": datetime.now(UTC).isoformat()}
                state.put(assignment.name, result["student"], record)

        lost: list[str] = []
        if tasks:
            setup = WorkerSetup(str(root), assignment.name, db_url, limits, sandbox, str(release_dir or ""))
            count = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
            preload(instructor_imports(assignment))
            pool = batch.Pool(count, serve, (setup,))
            lost = batch.run_tasks(pool, tasks, on_result, progress, f"grading {assignment.name}")
    finally:
        run.close()
    data = _report(
        assignment, db_url, sandbox, found, results, skipped, lost, time.monotonic() - started, workers, report_path
    )
    return data


def _prepare(
    assignment: Assignment,
    db_url: str,
    due: str | None,
    scratch: Path,
    state: batch.StateFile,
    digest: str,
    root: Path,
) -> Path | None:
    """Make the gradebook describe the current assignment; return the matching release folder."""
    key = f"__assignment__{db_url.split('@')[-1]}"
    record = state.get(assignment.name, key) or {}
    if record.get("digest") == digest and gradebook.has_assignment(db_url, assignment.name):
        if due:
            gradebook.set_duedate(db_url, assignment.name, due)
        course_release = root / RELEASE_DIR / assignment.name
        return course_release if course_release.is_dir() else None
    due = due or gradebook.duedate(db_url, assignment.name)
    release = gradebook.put_assignment(assignment, db_url, scratch / "generate", due)
    state.put(assignment.name, key, {"digest": digest})
    return release


def _plan(
    root: Path,
    assignment: Assignment,
    found: intake.Intake,
    state: batch.StateFile,
    digest: str,
    force: bool,
    db_url: str,
) -> tuple[dict[str, Task], list[str], dict[str, list[str]]]:
    tasks: dict[str, Task] = {}
    skipped: list[str] = []
    notes: dict[str, list[str]] = {}
    graded = _graded_students(db_url, assignment.name)
    for student, sub in sorted(found.submissions.items()):
        sub_digest = hashlib.sha256((sub.digest() + digest).encode()).hexdigest()
        record = state.get(assignment.name, student)
        if not force and record and record.get("digest") == sub_digest and sub.disk_id in graded:
            skipped.append(student)
            continue
        notes[student] = list(sub.notes)
        staged = _stage(root, assignment.name, sub, notes[student])
        unchanged = bool(record and record.get("digest") == sub_digest)
        tasks[student] = Task(student, sub.disk_id, staged, sub_digest, unchanged)
    return tasks, skipped, notes


def _graded_students(db_url: str, assignment: str) -> set[str]:
    from nbgrader.api import MissingEntry

    with gradebook.opened(db_url) as gb:
        try:
            return {s.student.id for s in gb.find_assignment(assignment).submissions}
        except MissingEntry:
            return set()


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def _common_repairs(results: dict[str, dict[str, Any]]) -> list[str]:
    """Repairs most submissions share: the release changed after students fetched it. Warn once instead."""
    counts = Counter(note for r in results.values() for note in set(r.get("repairs", [])))
    total = len(results)
    common = [note for note, n in counts.items() if total >= 2 and n > total / 2 and "read-only" in note]
    for r in results.values():
        r["repairs"] = [note for note in r.get("repairs", []) if note not in common]
    return [
        f"{counts[note]} of {total} submissions: {note}. The assignment's read-only cells probably changed after "
        "students fetched it; the current version was used for everyone (this is not a problem of theirs)."
        for note in common
    ]


def _report(
    assignment: Assignment,
    db_url: str,
    sandbox: str,
    found: intake.Intake,
    results: dict[str, dict[str, Any]],
    skipped: list[str],
    lost: list[str],
    seconds: float,
    workers: int | None,
    path: Path,
) -> dict[str, Any]:
    warnings = _common_repairs(results)
    subs = found.submissions
    now = datetime.now(UTC).isoformat()
    students: dict[str, Any] = {}
    for student, r in results.items():
        sub = subs[student]
        students[student] = {
            "disk_id": r["disk_id"],
            "grades": r.get("grades", []),
            "problems": r.get("problems", []),
            "repairs": r.get("repairs", []),
            "flags": r.get("flags", []),
            "arrival": sub.arrival.isoformat() if sub.arrival else None,
            "arrival_source": sub.arrival_source,
            "seconds_late": r.get("seconds_late", 0.0),
            "late": bool(r.get("seconds_late", 0.0) > 0),
            "graded": not r.get("retry"),
            "graded_at": now,
        }
    for student in lost:
        sub = subs[student]
        students[student] = {
            "disk_id": sub.disk_id,
            "grades": [],
            "problems": ["not graded: a grading worker died twice on this submission"],
            "repairs": [],
            "flags": [],
            "arrival": None,
            "arrival_source": sub.arrival_source,
            "seconds_late": 0.0,
            "late": False,
            "graded": False,
            "graded_at": now,
        }
    this_run = {
        "finished": now,
        "seconds": round(seconds, 2),
        "graded": sorted(s for s, v in students.items() if v["graded"]),
        "not_graded": sorted(s for s, v in students.items() if not v["graded"]),
        "skipped_unchanged": sorted(skipped),
        "files_not_used": found.problems,
        "files_ignored": len(found.ignored),
        "warnings": warnings,
        "workers": workers or os.cpu_count() or 1,
        "sandbox": sandbox,
    }
    previous = _load(path)
    merged = dict(previous.get("students", {}))
    merged.update(students)
    data = {
        "assignment": assignment.name,
        "db_url": _redact(db_url),
        "students": dict(sorted(merged.items())),
        "runs": [*previous.get("runs", []), this_run],
        "last_run": this_run,
        "ignored": found.ignored,
    }
    report.write_json(path, report.escape(data))
    data["summary"] = report.summary(students)
    return data


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("students"), dict):
        return {}  # an older report format: start a new history
    return data
