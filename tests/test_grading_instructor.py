"""What the instructor's loop reports: lateness from evidence, pending hand grades, report history, feedback
through both paths (``brinkmanship feedback`` and nbgrader's own, which formgrader uses), and the histogram."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import grading_helpers as g
import nbformat
import pandas as pd
import pytest

from brinkmanship.cli import main
from brinkmanship.grading import export, grade

pytestmark = pytest.mark.slow

DUE = "2026-03-01T17:00:00"


@pytest.fixture
def course(tmp_path: Path, repo_root: Path) -> Path:
    course = g.make_course(tmp_path, repo_root)
    assert main(["release", "--course", str(course)]) == 0
    return course


def _lms_zip(path: Path, entries: dict[str, tuple[nbformat.NotebookNode | bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, (nb, when) in entries.items():
            data = nb if isinstance(nb, bytes) else nbformat.writes(nb).encode()
            zf.writestr(zipfile.ZipInfo(name, when), data)
    return path


def _gradebook(course: Path):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{course / 'gradebook.db'}", "brinkmanship")


def test_lateness_comes_from_the_lms_and_shows_everywhere(course: Path, tmp_path: Path, capsys) -> None:
    rel = g.released(course)
    archive = _lms_zip(
        tmp_path / "lms.zip",
        {
            f"ontime_1_2_{g.ASSIGNMENT}.ipynb": (g.honest(rel), (2026, 3, 1, 12, 0, 0)),
            f"late_LATE_3_4_{g.ASSIGNMENT}.ipynb": (g.honest(rel), (2026, 3, 2, 9, 0, 0)),
        },
    )
    capsys.readouterr()
    assert main(["grade", g.ASSIGNMENT, str(archive), "--course", str(course), "--duedate", DUE, "--no-progress"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(("ontime", "late"))}
    assert "on time" in rows["ontime"] and "late 16.0 h" in rows["late"]
    report = json.loads((course / f"grading-report-{g.ASSIGNMENT}.json").read_text())
    assert report["students"]["late"]["late"] and report["students"]["late"]["seconds_late"] == 16 * 3600
    assert "zip entry time" in report["students"]["late"]["arrival_source"]
    assert main(["export", g.ASSIGNMENT, "--course", str(course)]) == 0
    with open(course / "exports" / f"{g.ASSIGNMENT}-grades.csv") as handle:
        table = {row["student"]: row for row in csv.DictReader(handle)}
    assert float(table["late"]["seconds_late"]) == 16 * 3600 and float(table["ontime"]["seconds_late"]) == 0
    assert main(["feedback", g.ASSIGNMENT, "--course", str(course)]) == 0
    page = (course / "feedback" / "late" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.html").read_text()
    assert "16.0 hours after the due date" in page
    assert "on time" in (course / "feedback" / "ontime" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.html").read_text()

    # a new due date on a rerun reaches the gradebook, and lateness follows it
    capsys.readouterr()
    later = "2026-03-03T00:00:00"
    assert (
        main(["grade", g.ASSIGNMENT, str(archive), "--course", str(course), "--duedate", later, "--no-progress"]) == 0
    )
    with _gradebook(course) as gb:
        assert gb.find_assignment(g.ASSIGNMENT).duedate.isoformat().startswith("2026-03-03")
        assert gb.find_submission(g.ASSIGNMENT, "late").total_seconds_late == 0


def test_late_penalty_is_applied_in_the_export(course: Path, tmp_path: Path) -> None:
    plugin = course / "penalty.py"
    plugin.write_text(
        "from nbgrader.plugins import LateSubmissionPlugin\n"
        "class OnePoint(LateSubmissionPlugin):\n"
        "    def late_submission_penalty(self, student_id, score, total_seconds_late):\n"
        "        return 1.0 if total_seconds_late > 0 else 0.0\n"
    )
    config = course / "nbgrader_config.py"
    config.write_text(
        config.read_text() + "\nimport sys\nsys.path.insert(0, str(Path(__file__).parent))\n"
        "c.AssignLatePenalties.plugin_class = 'penalty.OnePoint'\n"
    )
    rel = g.released(course)
    archive = _lms_zip(tmp_path / "lms.zip", {f"late_1_2_{g.ASSIGNMENT}.ipynb": (g.honest(rel), (2026, 3, 2, 9, 0, 0))})
    assert main(["grade", g.ASSIGNMENT, str(archive), "--course", str(course), "--duedate", DUE, "--no-progress"]) == 0
    frame = export.scores(f"sqlite:///{course / 'gradebook.db'}", g.ASSIGNMENT)
    row = export.grades_table(frame).loc["late"]
    assert row["late_penalty"] == 1.0 and row["total_so_far"] == 5.0 and row["total"] == "pending"


def test_pending_written_answers_are_not_zero(course: Path, tmp_path: Path) -> None:
    rel = g.released(course)
    subs = tmp_path / "subs"
    g.submit(subs, "ann", g.honest(rel))
    g.submit(subs, "ben", g.honest(rel, wrong=("q2",)))
    g.submit(subs, "cat", rel)  # no written answer at all: 0, not pending
    grade.grade(course, g.ASSIGNMENT, subs, workers=2, progress=False)
    url = f"sqlite:///{course / 'gradebook.db'}"
    frame = export.scores(url, g.ASSIGNMENT)
    table = export.grades_table(frame)
    assert table.loc["ann", "q4_answer"] == "pending" and table.loc["ann", "total"] == "pending"
    assert table.loc["cat", "q4_answer"] == 0.0 and table.loc["cat", "total"] == 0.0
    items = export.item_analysis(frame).set_index("question")
    assert items.loc["q4_answer", "n"] == 1 and items.loc["q4_answer", "pending"] == 2
    assert main(["feedback", g.ASSIGNMENT, "--course", str(course)]) == 0
    assert (
        "waiting for your instructor"
        in (course / "feedback" / "ann" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.html").read_text()
    )

    with _gradebook(course) as gb:  # the instructor grades ann's essay by hand
        cell = gb.find_grade("q4_answer", g.ASSIGNMENT, g.ASSIGNMENT, "ann")
        cell.manual_score = 1.5
        gb.db.commit()
    data = grade.grade(course, g.ASSIGNMENT, subs, workers=2, progress=False, force=True)
    ann = {x["grade_id"]: x for x in data["students"]["ann"]["grades"]}
    assert ann["q4_answer"]["manual_score"] == 1.5 and not ann["q4_answer"]["needs_manual_grade"]
    assert export.grades_table(export.scores(url, g.ASSIGNMENT)).loc["ann", "total"] == 7.5


def test_reports_keep_history_and_empty_runs_fail_loudly(course: Path, tmp_path: Path, capsys) -> None:
    rel = g.released(course)
    subs = tmp_path / "subs"
    g.submit(subs, "ann", g.honest(rel))
    g.submit(subs, "bad", b"{ not json")
    assert main(["grade", g.ASSIGNMENT, str(subs), "--course", str(course), "--no-progress"]) == 0
    archive = _lms_zip(tmp_path / "lms.zip", {f"zed_1_2_{g.ASSIGNMENT}.ipynb": (rel, (2026, 3, 1, 0, 0, 0))})
    assert main(["grade", g.ASSIGNMENT, str(archive), "--course", str(course), "--no-progress"]) == 0
    path = course / f"grading-report-{g.ASSIGNMENT}.json"
    report = json.loads(path.read_text())
    assert set(report["students"]) == {"ann", "bad", "zed"} and len(report["runs"]) == 2
    assert any("not valid notebook JSON" in p for p in report["students"]["bad"]["problems"])

    empty = tmp_path / "downloads"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing to grade here")
    before = path.read_text()
    capsys.readouterr()
    assert main(["grade", g.ASSIGNMENT, str(empty), "--course", str(course), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "no gradable submission" in err and "<student>_..._<notebook>.ipynb" in err and "kept" in err
    assert path.read_text() == before

    assert main(["feedback", g.ASSIGNMENT, "--course", str(course)]) == 0
    page = (course / "feedback" / "bad" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.html").read_text()
    assert "could not be graded" in page and "not valid notebook JSON" in page


def test_a_zip_inside_the_submissions_folder_is_graded(course: Path, tmp_path: Path) -> None:
    rel = g.released(course)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    _lms_zip(downloads / "lms.zip", {f"ann_1_2_{g.ASSIGNMENT}.ipynb": (g.honest(rel), (2026, 3, 1, 0, 0, 0))})
    data = grade.grade(course, g.ASSIGNMENT, downloads, workers=1, progress=False)
    assert data["last_run"]["graded"] == ["ann"]


def test_nbgraders_own_feedback_and_autograde_are_safe(course: Path, tmp_path: Path) -> None:
    """The formgrader's buttons run nbgrader's own converters with the course config: same safety."""
    rel = g.released(course)
    forged = g.honest(rel, wrong=("q3",))
    g.answer(forged, "q1", g.CORRECT["q1"] + "\nimport gc\n_ = gc.get_objects()")
    g.submit(course / "submitted", "ann", forged)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    for args in (["generate_assignment", g.ASSIGNMENT, "--force"], ["autograde", g.ASSIGNMENT, "--force"],
                 ["generate_feedback", g.ASSIGNMENT, "--force"]):  # fmt: skip
        done = subprocess.run(
            [str(Path(sys.executable).parent / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    with _gradebook(course) as gb:
        sub = gb.find_submission(g.ASSIGNMENT, "ann")
        assert {gr.name: gr.auto_score for nb in sub.notebooks for gr in nb.grades if gr.name.endswith("_test")} == {
            "q1_test": 1.0,
            "q2_test": 2.0,
            "q3_test": 0.0,
        }
    page = (course / "feedback" / "ann" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.html").read_text()
    assert "hidden_marker_q3" not in page and "secret_q2" not in page and "a hidden test failed" in page


def test_histogram_has_a_bar_per_total_and_one_title() -> None:
    frame = pd.DataFrame({"a": [0, 9, 12, 12, 15], "b": [0, 0, 0, 0, 0]}, index=list("vwxyz"), dtype=float)
    frame.attrs["max"] = {"a": 15, "b": 6}
    fig, title, alt = export.totals_figure(frame, "actors")
    ax = fig.axes[0]
    assert len(ax.patches) == 4 and ax.get_title() == "" and fig._suptitle.get_text() == title
    assert ax.get_xlim()[1] >= 21 and "2 with 12" in alt and "1 with 15" in alt
    # a bar stands for one total, not a range, and each total reached is a labelled tick
    assert all(bar.get_width() <= 1.0 for bar in ax.patches)
    assert {0.0, 9.0, 12.0, 15.0, 21.0} <= set(ax.get_xticks())


def test_a_changed_release_is_one_warning_not_a_problem_for_everyone(course: Path, tmp_path: Path) -> None:
    rel = g.released(course)
    subs = tmp_path / "subs"
    for student in ("ann", "ben", "cat"):
        nb = g.honest(rel)
        nb.cells[g.cell_index(nb, "helpers")].source += "\n# an older version of this cell"
        g.submit(subs, student, nb)
    data = grade.grade(course, g.ASSIGNMENT, subs, workers=2, progress=False)
    assert len(data["last_run"]["warnings"]) == 1 and "3 of 3" in data["last_run"]["warnings"][0]
    assert all(
        not data["students"][s]["repairs"] and not data["students"][s]["problems"] for s in ("ann", "ben", "cat")
    )
