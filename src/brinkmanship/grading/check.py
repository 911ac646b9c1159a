"""``brinkmanship check NOTEBOOK``: a learner grades a copy of their notebook against every test.

The notebook is only read (its bytes are hashed before and after to prove it). The copy is graded exactly
as ``grade`` would, hidden tests included, in a throw-away course; only visible test lines and
"a hidden test failed" can appear in the table, never hidden test code or solutions.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from brinkmanship.grading import execute, grade, intake, report
from brinkmanship.grading.course import Assignment, GradingError, assignments, course_root, find_assignment
from brinkmanship.grading.sanitize import NotANotebookError, nbgrader_id, read_submission
from brinkmanship.grading.worker import Task


def locate(root: Path, path: Path, raw: bytes, explicit: str | None) -> tuple[Assignment, str]:
    """The assignment and notebook a learner's file belongs to: by folder, by file name, then by cell ids."""
    if explicit:
        assignment = find_assignment(root, explicit)
        names = assignment.notebook_names
        stem = intake._strip(path.stem)
        return assignment, stem if stem in names else names[0]
    stem = intake._strip(path.stem)
    known = assignments(root)
    for folder in (path.resolve().parent.name,):
        if folder in known:
            assignment = find_assignment(root, folder)
            names = assignment.notebook_names
            return assignment, stem if stem in names else names[0]
    for name in known:
        assignment = find_assignment(root, name)
        if stem in assignment.notebook_names:
            return assignment, stem
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


def check(notebook: Path, course: str | None = None, assignment: str | None = None, timeout: int = 60) -> dict:
    """Grade a copy of ``notebook``; return the worker's result (the learner's file is never written)."""
    if not notebook.is_file():
        raise GradingError(f"no such notebook: {notebook}")
    raw = notebook.read_bytes()
    before = hashlib.sha256(raw).hexdigest()
    root = course_root(course)
    found, nb_name = locate(root, notebook, raw, assignment)
    limits = execute.Limits(cell_timeout=timeout, total_timeout=max(timeout * 5, 60))
    with tempfile.TemporaryDirectory(prefix="brinkmanship-check-") as tmp:
        scratch = Path(tmp)
        os.chmod(scratch, 0o711)
        copy = scratch / "copy" / f"{nb_name}.ipynb"
        copy.parent.mkdir()
        copy.write_bytes(raw)
        pool = grade.Pool(1)  # starts importing nbgrader while the assignment is prepared
        setup = grade.prepare(found, scratch, limits, real_db=None)
        results: list[dict] = []
        task = Task("learner", {nb_name: str(copy)}, None, before)
        grade.run_tasks(setup, [task], pool, results.append, progress=False)
    if hashlib.sha256(notebook.read_bytes()).hexdigest() != before:  # pragma: no cover  (would be a bug)
        raise GradingError(f"{notebook} changed while it was checked")
    result = results[0] if results else {"grades": [], "problems": ["the grader crashed twice"]}
    result["assignment"], result["notebook"] = found.name, nb_name
    return result


def main(
    notebook: Path, course: str | None = None, assignment: str | None = None, timeout: int = 60, as_json: bool = False
) -> int:
    result = check(notebook, course, assignment, timeout)
    if as_json:
        print(json.dumps(result, indent=2, default=str))
        return 0
    rows = []
    for g in result["grades"]:
        if g["passed"] is None:
            rows.append([g["grade_id"], "", g["max_score"], "graded by your instructor", ""])
        else:
            rows.append(
                [
                    g["grade_id"],
                    g["auto_score"],
                    g["max_score"],
                    "passed" if g["passed"] else "failed",
                    "" if g["passed"] else g["reason"],
                ]
            )
    print(
        f"{notebook}: assignment {result['assignment']}, notebook {result['notebook']} "
        "(all tests, hidden ones included; hidden test code is never shown)"
    )
    print(report.table(["question", "points", "of", "result", "why"], rows))
    auto = [g for g in result["grades"] if g["passed"] is not None]
    print(f"\nautograded total: {sum(g['auto_score'] for g in auto):g} of {sum(g['max_score'] for g in auto):g}")
    for problem in result["problems"]:
        print(f"note: {problem}")
    print(f"{notebook} was not modified.")
    return 0
