"""The brinkmanship command end to end on the fixture course: release, check, grade (resume, crashes,
interrupts), export, and the gradebook URL pass-through."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grading_helpers as g
import nbformat
import psutil
import pytest

from brinkmanship.cli import main
from brinkmanship.grading import grade

pytestmark = pytest.mark.slow


@pytest.fixture
def course(tmp_path: Path, repo_root: Path) -> Path:
    course = g.make_course(tmp_path, repo_root)
    assert main(["release", "--course", str(course)]) == 0
    return course


def _cli(args: list[str], cwd: Path, **kw) -> subprocess.Popen:
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    return subprocess.Popen(
        [sys.executable, "-m", "brinkmanship.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_release_is_reproducible_and_checked(course: Path, capsys) -> None:
    released = course / "assignments" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb"
    first = released.read_bytes()
    assert main(["release", "--course", str(course), "--check"]) == 0
    assert main(["release", "--course", str(course)]) == 0
    assert released.read_bytes() == first  # byte-identical regeneration
    assert not (course / "gradebook.db").exists()  # generated in a throw-away copy
    text = first.decode()
    assert "secret_q2" not in text and "return 2 * x" not in text and "raise NotImplementedError()" in text
    source = course / "solutions" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[2].source += "\nA changed instruction."
    nbformat.write(nb, source)
    capsys.readouterr()
    assert main(["release", "--course", str(course), "--check"]) == 1
    assert f"assignments/{g.ASSIGNMENT}/{g.ASSIGNMENT}.ipynb" in capsys.readouterr().out


def test_check_reports_without_revealing_or_modifying(course: Path, tmp_path: Path, capsys) -> None:
    nb = g.honest(g.released(course))
    g.answer(nb, "q3", "def squares(n):\n    return [0, 1, 4][:n]")  # passes visible, fails hidden
    g.answer(nb, "q1", "def double(x):\n    return x")  # fails a visible test
    learner = tmp_path / "mine" / f"{g.ASSIGNMENT}.ipynb"
    learner.parent.mkdir()
    nbformat.write(nb, learner)
    before = hashlib.sha256(learner.read_bytes()).hexdigest()
    mtime = learner.stat().st_mtime_ns
    capsys.readouterr()
    assert main(["check", str(learner), "--course", str(course), "--timeout", "10"]) == 0
    out = capsys.readouterr().out
    assert hashlib.sha256(learner.read_bytes()).hexdigest() == before and learner.stat().st_mtime_ns == mtime
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("q")}
    assert "passed" in rows["q2_test"] and "2" in rows["q2_test"]
    assert "failed" in rows["q3_test"] and "a hidden test failed" in rows["q3_test"]
    assert "failed" in rows["q1_test"] and "assert double(2) == 4" in rows["q1_test"]  # visible line shown
    for secret in ("hidden_marker_q3", "squares(5)", "secret_q2", "BEGIN HIDDEN", "return 2 * x"):
        assert secret not in out
    assert "autograded total: 2 of 6" in out


def test_check_without_course_explains_hidden_tests(tmp_path: Path, capsys) -> None:
    learner = tmp_path / "x.ipynb"
    nbformat.write(g.source_notebook(), learner)
    assert main(["check", str(learner), "--course", str(tmp_path)]) == 2
    assert "nbgrader_config.py" in capsys.readouterr().err


def test_grade_resumes_and_regrades_only_changes(course: Path, tmp_path: Path) -> None:
    rel = g.released(course)
    subs = tmp_path / "subs"
    for student, wrong in (("ann", ()), ("ben", ("q2",)), ("cat", ("q1", "q2", "q3"))):
        g.submit(subs, student, g.honest(rel, wrong=wrong))
    first = grade.grade(course, g.ASSIGNMENT, subs, workers=2, timeout=10, progress=False)
    assert first["graded"] == 3
    scores = {s["student"]: sum(x["auto_score"] or 0 for x in s["grades"]) for s in first["students"]}
    assert scores == {"ann": 6, "ben": 4, "cat": 0}
    again = grade.grade(course, g.ASSIGNMENT, subs, workers=2, timeout=10, progress=False)
    assert again["graded"] == 0 and sorted(again["skipped_unchanged"]) == ["ann", "ben", "cat"]
    g.submit(subs, "cat", g.honest(rel))
    changed = grade.grade(course, g.ASSIGNMENT, subs, workers=2, timeout=10, progress=False)
    assert [s["student"] for s in changed["students"]] == ["cat"]
    forced = grade.grade(course, g.ASSIGNMENT, subs, workers=2, timeout=10, progress=False, force=True)
    assert forced["graded"] == 3
    report = json.loads((course / f"grading-report-{g.ASSIGNMENT}.json").read_text())
    assert report["graded"] == 3 and "students" in report and "problems" in report
    assert (course / "autograded" / "cat" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb").is_file()
    # formgrader / export see the same gradebook
    assert main(["export", g.ASSIGNMENT, "--course", str(course)]) == 0
    grades = (course / "exports" / f"{g.ASSIGNMENT}-grades.csv").read_text().splitlines()
    assert grades[0] == "student,q1_test,q2_test,q3_test,q4_answer,total"
    assert grades[1].startswith("ann,1.0,2.0,3.0") and grades[3].startswith("cat,1.0,2.0,3.0")
    items = (course / "exports" / f"{g.ASSIGNMENT}-items.csv").read_text()
    assert items.startswith("question,max_points,mean,share_full_marks,discrimination,n")
    from PIL import Image

    png = Image.open(course / "exports" / f"{g.ASSIGNMENT}-totals.png")
    assert png.text["Title"] and "3 students" in png.text["Description"]
    assert (course / "exports" / f"{g.ASSIGNMENT}-totals.alt.txt").read_text().startswith("Histogram")


def _slow_class(course: Path, subs: Path, n: int) -> None:
    rel = g.released(course)
    for i in range(n):
        nb = g.honest(rel, wrong=("q2",) if i % 2 else ())
        g.answer(nb, "q1", g.CORRECT["q1"] + "\nimport time\ntime.sleep(1.5)")
        g.submit(subs, f"st{i}", nb)


def _gradebook_counts(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "brinkmanship") as gb:
        subs = gb.find_assignment(g.ASSIGNMENT).submissions
        return {
            s.student.id: sum(gr.auto_score or 0 for nb in s.notebooks for gr in nb.grades if gr.name.endswith("_test"))
            for s in subs
        }


def test_interrupt_and_killed_worker_lose_nothing_and_count_nothing_twice(course: Path, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    _slow_class(course, subs, 6)
    state = course / "autograded" / grade.STATE_FILE
    run = _cli(["grade", g.ASSIGNMENT, str(subs), "--workers", "2", "--timeout", "10", "--no-progress"], course)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (state.exists() and json.loads(state.read_text()).get(g.ASSIGNMENT)):
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)  # Ctrl-C
    run.communicate(timeout=60)
    done_before = set(json.loads(state.read_text())[g.ASSIGNMENT])
    assert 1 <= len(done_before) < 6

    run = _cli(["grade", g.ASSIGNMENT, str(subs), "--workers", "2", "--timeout", "10", "--no-progress"], course)
    killed = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not killed and run.poll() is None:
        for child in psutil.Process(run.pid).children():
            if "spawn_main" in " ".join(child.cmdline()) and child.children():  # a worker with a kernel
                child.kill()
                killed = True
                break
        time.sleep(0.2)
    out, err = run.communicate(timeout=180)
    assert run.returncode == 0, out + err
    assert killed
    scores = _gradebook_counts(course)
    assert scores == {f"st{i}": (4.0 if i % 2 else 6.0) for i in range(6)}
    report = json.loads((course / f"grading-report-{g.ASSIGNMENT}.json").read_text())
    assert sorted(report["skipped_unchanged"]) == sorted(done_before)  # not graded (or counted) twice


def test_db_url_reaches_nbgrader_gradebook(course: Path, tmp_path: Path, monkeypatch) -> None:
    import nbgrader.api

    seen: list[str] = []

    class ReachedError(Exception):
        pass

    def fake_init(self, db_url, course_id="default_course", authenticator=None):
        seen.append(db_url)
        raise ReachedError

    monkeypatch.setattr(nbgrader.api.Gradebook, "__init__", fake_init)
    g.submit(tmp_path / "subs", "ann", g.released(course))
    url = "postgresql://grader@db.example/brinkmanship"
    with pytest.raises(ReachedError):
        grade.grade(course, g.ASSIGNMENT, tmp_path / "subs", workers=1, db_url=url, progress=False)
    assert seen and seen[0] == url


def test_notebook_time_limit_costs_only_what_did_not_run(course: Path, tmp_path: Path) -> None:
    nb = g.honest(g.released(course))
    for question in ("q1", "q2", "q3"):
        g.answer(nb, question, g.CORRECT[question] + "\nimport time\ntime.sleep(3)")
    g.submit(tmp_path / "subs", "slow", nb)
    data = grade.grade(course, g.ASSIGNMENT, tmp_path / "subs", workers=1, timeout=5, total_timeout=5, progress=False)
    auto = {x["grade_id"]: x["auto_score"] for x in data["students"][0]["grades"] if x["passed"] is not None}
    assert auto["q1_test"] == 1 and auto["q3_test"] == 0  # each cell is within 5 s, the notebook is not
    assert any("notebook time limit (5 s)" in p["reason"] for p in data["problems"])


@pytest.mark.parametrize("name", ["actors"])
def test_check_real_assignment_solution_gets_full_marks(repo_root: Path, tmp_path: Path, name: str, capsys) -> None:
    source = repo_root / "solutions" / name / f"{name}.ipynb"
    if not source.is_file():
        pytest.skip(f"solutions/{name} not written yet")
    learner = tmp_path / f"{name}.ipynb"
    learner.write_bytes(source.read_bytes())
    assert main(["check", str(learner), "--course", str(repo_root), "--timeout", "60"]) == 0
    out = capsys.readouterr().out
    total = next(line for line in out.splitlines() if line.startswith("autograded total"))
    earned, possible = total.split(":")[1].split(" of ")
    assert float(earned) == float(possible) > 0, out
