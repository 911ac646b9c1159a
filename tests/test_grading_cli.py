"""The brinkmanship command end to end on the fixture course: release, check, grade (resume, crashes,
interrupts, kill -9), export, the sandbox requirement and the gradebook URL pass-through."""

from __future__ import annotations

import contextlib
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
    assert "secret_q2" not in text and "2 * x for x" not in text and "raise NotImplementedError()" in text
    source = course / "solutions" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[2].source += "\nA changed instruction."
    nbformat.write(nb, source)
    capsys.readouterr()
    assert main(["release", "--course", str(course), "--check"]) == 1
    assert f"assignments/{g.ASSIGNMENT}/{g.ASSIGNMENT}.ipynb" in capsys.readouterr().out


def test_check_reports_without_revealing_or_modifying(course: Path, tmp_path: Path, capsys) -> None:
    nb = g.honest(g.released(course), wrong=("q3",))  # passes the visible test, fails the hidden one
    g.answer(nb, "q1", "q1_doubled = [1, 2]")  # fails a visible test
    learner = tmp_path / "mine" / f"{g.ASSIGNMENT}.ipynb"
    learner.parent.mkdir()
    nbformat.write(nb, learner)
    before = hashlib.sha256(learner.read_bytes()).hexdigest()
    mtime = learner.stat().st_mtime_ns
    capsys.readouterr()
    assert main(["check", str(learner), "--course", str(course), "--timeout", "20"]) == 1  # not all passed
    out = capsys.readouterr().out
    assert hashlib.sha256(learner.read_bytes()).hexdigest() == before and learner.stat().st_mtime_ns == mtime
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("Q")}
    assert "passed" in rows["Q2"] and "2/2" in rows["Q2"]
    assert "not yet" in rows["Q3"] and "a hidden test failed" in rows["Q3"]
    assert "not yet" in rows["Q1"] and "AssertionError at `assert q1_doubled[:2] == [2, 4]`" in rows["Q1"]
    assert "by hand" in rows["Q4"]
    for secret in ("hidden_marker_q3", "[0, 1, 4, 9, 16]", "secret_q2", "BEGIN HIDDEN", "2 * x for x"):
        assert secret not in out
    assert "autograded: 2 of 6 points" in out and "hand it in" in out and "WARNING" not in out


def test_check_without_course_explains(tmp_path: Path, capsys) -> None:
    learner = tmp_path / "x.ipynb"
    nbformat.write(g.source_notebook(), learner)
    assert main(["check", str(learner), "--course", str(tmp_path)]) == 2
    assert "nbgrader_config.py" in capsys.readouterr().err


def test_grade_resumes_and_regrades_only_changes(course: Path, tmp_path: Path) -> None:
    rel = g.released(course)
    subs = tmp_path / "subs"
    for student, wrong in (("ann", ()), ("ben", ("q2",)), ("cat", ("q1", "q2", "q3"))):
        g.submit(subs, student, g.honest(rel, wrong=wrong))
    first = grade.grade(course, g.ASSIGNMENT, subs, workers=2, timeout=20, progress=False)
    assert first["last_run"]["graded"] == ["ann", "ben", "cat"]
    scores = {
        s: sum(x["auto_score"] or 0 for x in v["grades"] if not x["written"]) for s, v in first["students"].items()
    }
    assert scores == {"ann": 6, "ben": 4, "cat": 0}
    again = grade.grade(course, g.ASSIGNMENT, subs, workers=2, timeout=20, progress=False)
    assert again["last_run"]["graded"] == [] and again["last_run"]["skipped_unchanged"] == ["ann", "ben", "cat"]
    g.submit(subs, "cat", g.honest(rel))
    changed = grade.grade(course, g.ASSIGNMENT, subs, workers=2, timeout=20, progress=False)
    assert changed["last_run"]["graded"] == ["cat"]
    forced = grade.grade(course, g.ASSIGNMENT, subs, workers=2, timeout=20, progress=False, force=True)
    assert len(forced["last_run"]["graded"]) == 3
    report = json.loads((course / f"grading-report-{g.ASSIGNMENT}.json").read_text())
    assert set(report["students"]) == {"ann", "ben", "cat"} and len(report["runs"]) == 4
    assert (course / "autograded" / "cat" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb").is_file()
    assert main(["export", g.ASSIGNMENT, "--course", str(course)]) == 0
    grades = (course / "exports" / f"{g.ASSIGNMENT}-grades.csv").read_text().splitlines()
    assert grades[0].startswith("student,name,q1_test,q2_test,q3_test,q4_answer,pending,")


def _slow_class(course: Path, subs: Path, slow: dict[str, float]) -> None:
    """Students st0..: honest answers; those in ``slow`` sleep that long in their first answer cell."""
    rel = g.released(course)
    for i, student in enumerate(sorted(slow)):
        nb = g.honest(rel, wrong=("q2",) if i % 2 else ())
        if slow[student]:
            g.answer(nb, "q1", g.CORRECT["q1"] + f"\nimport time\ntime.sleep({slow[student]})")
        g.submit(subs, student, nb)


def _gradebook_counts(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "brinkmanship") as gb:
        subs = gb.find_assignment(g.ASSIGNMENT).submissions
        return {
            s.student.id: sum(gr.auto_score or 0 for nb in s.notebooks for gr in nb.grades if gr.name.endswith("_test"))
            for s in subs
        }


def _wait(condition, seconds: float = 300.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _done(state: Path) -> set[str]:
    try:
        return {s for s in json.loads(state.read_text()).get(g.ASSIGNMENT, {}) if not s.startswith("__")}
    except (OSError, ValueError):
        return set()


def test_interrupt_and_killed_worker_lose_nothing_and_count_nothing_twice(course: Path, tmp_path: Path) -> None:
    # Two quick students and four that sleep far longer than the test waits: Ctrl-C always lands while the
    # slow ones are in flight, however busy the machine is.
    subs = tmp_path / "subs"
    _slow_class(course, subs, {"st0": 0, "st1": 0, "st2": 900, "st3": 900, "st4": 900, "st5": 900})
    state = course / "autograded" / grade.STATE_FILE
    args = ["grade", g.ASSIGNMENT, str(subs), "--workers", "2", "--timeout", "1000", "--no-progress"]
    args += ["--notebook-timeout", "2000"]
    run = _cli(args, course)
    assert _wait(lambda: {"st0", "st1"} <= _done(state)), run.communicate(timeout=60)
    run.send_signal(signal.SIGINT)  # Ctrl-C
    out, err = run.communicate(timeout=120)
    assert run.returncode == 130, out + err
    assert _done(state) == {"st0", "st1"}

    _slow_class(course, subs, {"st0": 0, "st1": 0, "st2": 0, "st3": 0, "st4": 0, "st5": 0})
    run = _cli(args, course)
    killed: list[int] = []

    def kill_a_busy_worker() -> bool:
        for child in psutil.Process(run.pid).children():
            if any("bwrap" in " ".join(k.cmdline()) for k in child.children()):  # a worker with a kernel
                child.kill()
                killed.append(child.pid)
                return True
        return run.poll() is not None

    _wait(kill_a_busy_worker, 120)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, out + err
    assert killed, "no worker was caught with a kernel"
    assert _gradebook_counts(course) == {f"st{i}": (4.0 if i % 2 else 6.0) for i in range(6)}
    report = json.loads((course / f"grading-report-{g.ASSIGNMENT}.json").read_text())
    assert sorted(report["last_run"]["skipped_unchanged"]) == ["st0", "st1"]  # not graded (or counted) twice


def test_kill_9_leaves_nothing_behind_after_the_next_run(course: Path, tmp_path: Path) -> None:
    from brinkmanship.grading.batch import runs_dir

    subs = tmp_path / "subs"
    _slow_class(course, subs, {"st0": 900, "st1": 900})
    run = _cli(["grade", g.ASSIGNMENT, str(subs), "--workers", "2", "--timeout", "1000", "--no-progress"], course)

    def tree() -> list[psutil.Process]:
        try:
            return psutil.Process(run.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def kernels() -> int:
        count = 0
        for proc in tree():
            with contextlib.suppress(psutil.Error):
                count += "bwrap" in " ".join(proc.cmdline())
        return count

    assert _wait(lambda: kernels() >= 2)  # kernels running
    before = {p.name for p in runs_dir().glob("run-*")}
    everyone = tree()
    run.kill()  # kill -9 of the grading command
    run.communicate(timeout=60)

    def alive(proc: psutil.Process) -> bool:
        try:
            return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def survivors() -> list[str]:
        out = []
        for proc in everyone:
            with contextlib.suppress(psutil.Error):
                if alive(proc):
                    out.append(f"{proc.pid} {proc.status()} {' '.join(proc.cmdline())[:80]}")
        return out

    assert _wait(lambda: not survivors(), 60), survivors()
    mine = [p for p in runs_dir().glob("run-*") if p.name.startswith(f"run-{run.pid}-")]
    assert mine and mine[0].name in before  # its scratch folder is still there ...
    _slow_class(course, subs, {"st0": 0, "st1": 0})
    assert main(["grade", g.ASSIGNMENT, str(subs), "--course", str(course), "--no-progress", "--timeout", "30"]) == 0
    assert not mine[0].exists()  # ... until the next run removes it


def test_grading_refuses_to_run_without_bubblewrap(course: Path, tmp_path: Path) -> None:
    g.submit(tmp_path / "subs", "ann", g.released(course))
    empty = tmp_path / "bin"
    empty.mkdir()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{empty}")
    done = subprocess.run(
        [sys.executable, "-m", "brinkmanship.cli", "grade", g.ASSIGNMENT, str(tmp_path / "subs"), "--no-progress"],
        cwd=course, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "apt-get install bubblewrap" in done.stderr
    assert "--no-sandbox" in done.stderr
    assert not (course / "autograded" / "ann").exists()


def test_no_sandbox_is_loud_and_still_grades_outside_the_kernel(course: Path, tmp_path: Path) -> None:
    rel = g.released(course)
    g.submit(tmp_path / "subs", "ann", g.honest(rel))
    g.submit(tmp_path / "subs", "bob", g.honest(rel, wrong=("q3",)))
    run = _cli(["grade", g.ASSIGNMENT, str(tmp_path / "subs"), "--no-sandbox", "--no-progress"], course)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, out + err
    assert "WITHOUT a sandbox" in err
    assert _gradebook_counts(course) == {"ann": 6.0, "bob": 3.0}
    report = json.loads((course / f"grading-report-{g.ASSIGNMENT}.json").read_text())
    assert report["last_run"]["sandbox"] == "none"


def test_db_url_reaches_nbgrader_gradebook(course: Path, tmp_path: Path, monkeypatch) -> None:
    import nbgrader.api

    seen: list[str] = []

    class ReachedError(Exception):
        pass

    def fake_init(self, db_url, course_id="default_course", authenticator=None):
        seen.append(db_url)
        raise ReachedError

    monkeypatch.setattr(nbgrader.api.Gradebook, "__init__", fake_init)
    monkeypatch.setitem(sys.modules, "psycopg", type(sys)("psycopg"))  # the driver check only
    g.submit(tmp_path / "subs", "ann", g.released(course))
    url = "postgresql://grader@db.example/brinkmanship"
    with pytest.raises(Exception, match="cannot open the gradebook"):
        grade.grade(course, g.ASSIGNMENT, tmp_path / "subs", workers=1, db_url=url, progress=False)
    assert seen and seen[0] == url


def test_notebook_time_limit_costs_only_what_did_not_run(course: Path, tmp_path: Path) -> None:
    nb = g.honest(g.released(course))
    for question in ("q1", "q2", "q3"):
        g.answer(nb, question, g.CORRECT[question] + "\nimport time\ntime.sleep(4)")
    g.submit(tmp_path / "subs", "slow", nb)
    data = grade.grade(course, g.ASSIGNMENT, tmp_path / "subs", workers=1, timeout=6, total_timeout=6, progress=False)
    auto = {x["grade_id"]: x["auto_score"] for x in data["students"]["slow"]["grades"]}
    assert auto["q1_test"] == 1 and auto["q3_test"] == 0  # each cell is within 6 s, the notebook is not
    assert any("notebook time limit (6 s)" in p for p in data["students"]["slow"]["problems"])


@pytest.mark.parametrize("name", ["actors", "strategies", "sources", "capstone"])
def test_check_real_assignment_solution_gets_full_marks(repo_root: Path, tmp_path: Path, name: str, capsys) -> None:
    learner = tmp_path / f"{name}.ipynb"
    learner.write_bytes((repo_root / "solutions" / name / f"{name}.ipynb").read_bytes())
    assert main(["check", str(learner), "--course", str(repo_root), "--timeout", "120"]) == 0
    out = capsys.readouterr().out
    total = next(line for line in out.splitlines() if line.startswith("autograded:"))
    earned, possible = total.split(":")[1].split(" points")[0].split(" of ")
    assert float(earned) == float(possible) > 0, out


def test_check_cell_inside_the_notebook(repo_root: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    from brinkmanship.grading.check import here

    learner = tmp_path / "sources.ipynb"
    nb = nbformat.read(repo_root / "assignments" / "sources" / "sources.ipynb", as_version=4)
    assert nb.cells[-1].source.strip().endswith("here()")  # every assignment ends with the check cell
    nbformat.write(nb, learner)
    monkeypatch.chdir(repo_root)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("BRINKMANSHIP_SANDBOX", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", str(learner))  # what Jupyter sets for a notebook's kernel
    here()
    out = capsys.readouterr().out
    assert "Question 1 · Classify the footnotes" in out and "autograded: 0 of 14 points" in out
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    here()
    assert "not while grading" in capsys.readouterr().out


def test_a_fresh_kernels_first_cell_keeps_its_output() -> None:
    """The grader listens on the kernel's output channel before the first cell runs (no "slow joiner" loss:
    a lost idle status used to mark an empty setup cell "[output truncated]" in some students' feedback)."""
    from brinkmanship.grading.sandbox import Limits, make_runner

    runner = make_runner("bwrap")
    for _ in range(4):
        kernel = runner.start(Limits(), {}, 0)
        try:
            first = kernel.execute("print('first')", 60)
        finally:
            kernel.kill()
        assert first.status == "ok" and not first.truncated and first.stdout == "first\n", first
