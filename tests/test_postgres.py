"""The gradebook in a real PostgreSQL server: grade, feedback and export give what sqlite gives."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grading_helpers as g
import pytest

from brinkmanship.cli import main

pytestmark = pytest.mark.slow


def _brinkmanship(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BRINKMANSHIP_DB_URL"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    run = subprocess.run(
        [sys.executable, "-m", "brinkmanship.cli", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, f"brinkmanship {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return run


def _scores(db_url: str) -> dict[str, dict[str, float | None]]:
    """student -> grade cell -> auto score, read from the gradebook with nbgrader's own API."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "brinkmanship") as gb:
        return {
            sub.student.id: {grade.name: grade.auto_score for nb in sub.notebooks for grade in nb.grades}
            for sub in gb.find_assignment(g.ASSIGNMENT).submissions
        }


def test_postgres_gradebook_matches_sqlite(tmp_path: Path, repo_root: Path, pg_database) -> None:
    import psycopg

    first = g.make_course(tmp_path / "sqlite", repo_root)
    assert main(["release", "--course", str(first)]) == 0
    second = tmp_path / "postgres" / "course"
    shutil.copytree(first, second)
    rel = g.released(first)
    subs = tmp_path / "subs"  # the same files (same times) for both runs
    for student, wrong in (("ann", ()), ("ben", ("q2",)), ("cat", ("q1", "q2", "q3"))):
        g.submit(subs, student, g.honest(rel, wrong=wrong))

    common = ["--workers", "2", "--timeout", "30", "--no-progress", "--duedate", "2030-01-01T00:00:00"]
    _brinkmanship(["grade", g.ASSIGNMENT, str(subs), "--course", str(first), *common], first)
    run = _brinkmanship(
        ["grade", g.ASSIGNMENT, str(subs), "--course", str(second), "--db", pg_database.url, *common], second
    )
    assert pg_database.password not in run.stdout + run.stderr
    report = second / f"grading-report-{g.ASSIGNMENT}.json"
    assert pg_database.password not in report.read_text()
    assert not (second / "gradebook.db").exists()  # everything went to the server

    lite, pg = _scores(f"sqlite:///{first / 'gradebook.db'}"), _scores(pg_database.url)
    assert pg == lite
    assert {s: sum(v or 0 for k, v in q.items() if k != "q4_answer") for s, q in pg.items()} == {
        "ann": 6,
        "ben": 4,
        "cat": 0,
    }

    with psycopg.connect(pg_database.url) as conn:
        rows = conn.execute(
            "SELECT s.student_id, SUM(g.auto_score) FROM submitted_assignment s "
            "JOIN submitted_notebook n ON n.assignment_id = s.id JOIN grade g ON g.notebook_id = n.id "
            "GROUP BY s.student_id ORDER BY s.student_id"
        ).fetchall()
    assert [(student, float(total)) for student, total in rows] == [("ann", 6.0), ("ben", 4.0), ("cat", 0.0)]

    for course, db in ((first, []), (second, ["--db", pg_database.url])):
        _brinkmanship(["feedback", g.ASSIGNMENT, "--course", str(course), *db], course)
        _brinkmanship(["export", g.ASSIGNMENT, "--course", str(course), *db], course)
    for student in ("ann", "ben", "cat"):
        name = f"feedback/{student}/{g.ASSIGNMENT}/{g.ASSIGNMENT}.html"
        assert filecmp.cmp(first / name, second / name, shallow=False), name
    for name in (f"{g.ASSIGNMENT}-grades.csv", f"{g.ASSIGNMENT}-items.csv"):
        assert (first / "exports" / name).read_bytes() == (second / "exports" / name).read_bytes(), name
    grades = (second / "exports" / f"{g.ASSIGNMENT}-grades.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in grades[1:]] == ["ann", "ben", "cat"]
