"""``brinkmanship check NOTEBOOK``: a learner sees, per question, what grading would give their notebook.

The notebook is only read (its bytes are hashed before and after). A copy is graded exactly as ``grade``
grades (the same nbgrader pipeline, hidden tests included) in a throw-away course; the table shows each
question under the notebook's own heading with its points and, for a failed question, the visible check's
message or "a hidden test failed": never hidden test code or solutions. From a notebook, :func:`here`
does the same for the notebook that is open.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brinkmanship.grading import intake, report
from brinkmanship.grading.course import Assignment, GradingError, assignments, course_root, find_assignment
from brinkmanship.grading.sanitize import NotANotebookError, nbgrader_id, read_submission

HAND_IN = (
    "When you are done: save the notebook (Ctrl+S) and hand it in: JupyterLab's Assignments tab (Nbgrader > "
    "Assignment List) > Submit, or upload the .ipynb file where your instructor asked."
)
_POINTS = re.compile(r"\s*\((?:[^)]*\bpoints?\b[^)]*)\)\.?$")


def locate(root: Path, path: Path, raw: bytes, explicit: str | None) -> tuple[Assignment, str]:
    """The assignment and notebook a learner's file belongs to: by name, by folder, then by its cell ids."""
    stem = intake._strip(path.stem)
    known = assignments(root)
    if explicit:
        assignment = find_assignment(root, explicit)
        return assignment, stem if stem in assignment.notebook_names else assignment.notebook_names[0]
    for name in (path.resolve().parent.name, *known):
        if name in known:
            assignment = find_assignment(root, name)
            if stem in assignment.notebook_names or name == path.resolve().parent.name:
                return assignment, stem if stem in assignment.notebook_names else assignment.notebook_names[0]
    try:
        ids = {nbgrader_id(c) for c in read_submission(raw).cells} - {None}
    except NotANotebookError:
        ids = set()
    best: tuple[int, Assignment | None, str] = (0, None, "")
    for name in known:
        assignment = find_assignment(root, name)
        for nb_name in assignment.notebook_names:
            overlap = len(ids & {nbgrader_id(c) for c in assignment.read(nb_name).cells})
            if overlap > best[0]:
                best = (overlap, assignment, nb_name)
    if best[1] is None:
        raise GradingError(
            f"cannot tell which assignment {path.name} belongs to (known: {', '.join(known)}); pass --assignment NAME"
        )
    return best[1], best[2]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "brinkmanship" / "check"


def prepared(assignment: Assignment) -> Path:
    """A generated copy of ``assignment`` (gradebook and release), cached by the content of its source."""
    from brinkmanship.grading.grade import source_digest
    from brinkmanship.grading.gradebook import put_assignment

    key = source_digest(assignment, {})[:24]
    folder = _cache_dir() / f"{assignment.name}-{key}"
    if (folder / "ready").is_file():
        return folder
    work = Path(tempfile.mkdtemp(prefix="brinkmanship-check-gen-"))
    try:
        from brinkmanship.grading.course import sqlite_url

        put_assignment(assignment, sqlite_url(work / "gradebook.db"), work / "generate", None)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = folder.with_name(folder.name + f".{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        shutil.copy(work / "gradebook.db", staging / "gradebook.db")
        shutil.copytree(work / "generate" / "release", staging / "release")
        (staging / "ready").write_text("ok\n")
        os.chmod(staging, 0o700)
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


@dataclass
class Row:
    heading: str
    grade_id: str
    earned: float | None
    possible: float
    status: str  # passed | failed | instructor
    why: str


def headings(release_nb: Any) -> dict[str, str]:
    """Each grade cell's question, as the notebook titles it (the nearest heading above it)."""
    found: dict[str, str] = {}
    current = ""
    for cell in release_nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.lstrip().startswith("#"):
                    current = line.lstrip("# ").strip()
                elif line.startswith("**Question") and current:
                    current = line.strip("*").split("**")[0].strip("* ")
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and (gid := nbgrader_id(cell)):
            found[gid] = _POINTS.sub("", current) or gid
    return found


def check(notebook: Path, course: str | None = None, assignment: str | None = None, timeout: int = 60) -> dict:
    """Grade a copy of ``notebook``; return the rows and notes (the learner's file is never written)."""
    import nbformat

    from brinkmanship.grading.course import sqlite_url
    from brinkmanship.grading.release import quiet_logger
    from brinkmanship.grading.sandbox import SandboxMissingError, make_runner
    from brinkmanship.grading.worker import Collector, Task, WorkerSetup, grade_one, worker_config

    if not notebook.is_file():
        raise GradingError(f"no such notebook: {notebook}")
    raw = notebook.read_bytes()
    before = hashlib.sha256(raw).hexdigest()
    root = course_root(course)
    found, nb_name = locate(root, notebook, raw, assignment)
    cached = prepared(found)
    try:
        make_runner("bwrap")
        sandbox = "bwrap"
    except SandboxMissingError:
        sandbox = "none"  # the learner's own notebook on the learner's own machine: nothing to protect
    with tempfile.TemporaryDirectory(prefix="brinkmanship-check-") as tmp:
        scratch = Path(tmp) / "course"
        (scratch / "solutions" / found.name).mkdir(parents=True)
        for path in found.source_dir.iterdir():
            if path.is_file() and path.suffix != ".ipynb" and not path.name.startswith("."):
                shutil.copy(path, scratch / "solutions" / found.name / path.name)
        dest = scratch / "submitted" / "learner" / found.name
        dest.mkdir(parents=True)
        try:
            read_submission(raw)
            (dest / f"{nb_name}.ipynb").write_bytes(raw)
            staged: tuple[str, ...] = (nb_name,)
            invalid = ""
        except NotANotebookError as exc:
            staged, invalid = (), str(exc)
        shutil.copy(cached / "gradebook.db", scratch / "gradebook.db")
        db = sqlite_url(scratch / "gradebook.db")
        limits = {"cell_timeout": float(timeout), "notebook_timeout": float(max(timeout * 5, 60))}
        setup = WorkerSetup(str(scratch), found.name, db, limits, sandbox, str(cached / "release"), warm=False)
        collector = Collector()
        config = worker_config(setup, 0, collector)
        result = grade_one(Task("learner", "learner", staged, before), setup, config, collector, quiet_logger())
    if hashlib.sha256(notebook.read_bytes()).hexdigest() != before:  # pragma: no cover  (would be a bug)
        raise GradingError(f"{notebook} changed while it was checked")
    titles = headings(nbformat.read(cached / "release" / f"{nb_name}.ipynb", as_version=4))
    rows = []
    for g in result["grades"]:
        if g["notebook"] != nb_name:
            continue
        heading = titles.get(g["grade_id"], g["grade_id"])
        if g["written"]:
            rows.append(Row(heading, g["grade_id"], None, g["max_score"], "instructor", "marked by your instructor"))
        else:
            passed = bool(g["passed"])
            why = "" if passed else (g["reason"] or "not graded")
            rows.append(
                Row(
                    heading,
                    g["grade_id"],
                    g["auto_score"] or 0.0,
                    g["max_score"],
                    "passed" if passed else "failed",
                    why,
                )
            )
    notes = [p for p in result["problems"] if "grading error" in p or "not graded" in p or "limit" in p]
    if invalid:
        notes.insert(0, f"{notebook.name} is not a notebook the grader can read: {invalid}")
    return {"assignment": found.name, "notebook": nb_name, "rows": rows, "notes": notes, "sandbox": sandbox}


def render(notebook: Path, result: dict) -> tuple[str, int]:
    """The learner's table and the exit status (0: every autograded question passes)."""
    rows = result["rows"]
    auto = [r for r in rows if r.status != "instructor"]
    table = report.table(
        ["question", "points", "result", "what to do"],
        [
            [
                r.heading if len(r.heading) <= 60 else r.heading[:59] + "…",
                f"{r.earned:g}/{r.possible:g}" if r.earned is not None else f"-/{r.possible:g}",
                {"passed": "passed", "failed": "not yet", "instructor": "by hand"}[r.status],
                r.why[:110],
            ]
            for r in rows
        ],
    )
    earned = sum(r.earned or 0 for r in auto)
    possible = sum(r.possible for r in auto)
    failing = [r for r in auto if r.status == "failed"]
    lines = [
        f"{notebook.name}: assignment {result['assignment']} (every test, hidden ones too; their code is never shown)",
        "",
        table,
        "",
        f"autograded: {earned:g} of {possible:g} points"
        + (
            f"; {sum(r.status == 'instructor' for r in rows)} written answer(s) marked by your instructor"
            if rows
            else ""
        ),
    ]
    lines += [f"note: {n}" for n in result["notes"]]
    if failing:
        lines.append(f"Next: fix the {len(failing)} question(s) marked 'not yet', save, and check again.")
    lines.append(HAND_IN)
    lines.append(f"(your notebook was only read, not changed: {notebook})")
    return "\n".join(lines), 1 if failing or result["notes"] else 0


def main(notebook: Path, course: str | None = None, assignment: str | None = None, timeout: int = 60) -> int:
    text, status = render(notebook, check(notebook, course, assignment, timeout))
    print(text)
    return status


def here(notebook: str | os.PathLike[str] | None = None) -> None:
    """Check the notebook this kernel belongs to (save it first); does nothing while being graded."""
    if os.environ.get("BRINKMANSHIP_SANDBOX") or os.environ.get("NBGRADER_EXECUTION"):
        print("(the check runs only while you work, not while grading)")
        return
    path = Path(notebook or os.environ.get("JPY_SESSION_NAME", ""))
    if not path.name.endswith(".ipynb") or not path.is_file():
        print("Cannot tell which notebook this is: run `brinkmanship check NOTEBOOK.ipynb` in a terminal instead.")
        return
    try:
        text, _status = render(path, check(path))
    except GradingError as exc:
        text = f"brinkmanship check: {exc}"
    print(text)
