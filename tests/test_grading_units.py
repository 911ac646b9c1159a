"""Fast checks of the grading pieces that need no kernel: sanitising, intake, verdict signatures, reports."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import grading_helpers as g
import nbformat
import pandas as pd
import pytest

from brinkmanship.grading import guard, intake, report
from brinkmanship.grading.export import item_analysis
from brinkmanship.grading.sanitize import NotANotebookError, nbgrader_id, read_submission, sanitize


@pytest.fixture(scope="module")
def template() -> nbformat.NotebookNode:
    """A stand-in release: the source notebook with answers replaced, as generate_assignment would."""
    nb = g.source_notebook()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = "# YOUR CODE HERE\nraise NotImplementedError()"
        if meta.get("grade") and not meta.get("solution"):
            cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0].rstrip()
    return nb


def _ids(nb: nbformat.NotebookNode) -> list[str | None]:
    return [nbgrader_id(c) for c in nb.cells if nbgrader_id(c)]


def test_sanitize_keeps_answers_and_restores_everything_else(template) -> None:
    student = g.honest(template)
    student.cells[g.cell_index(student, "q1_test")].source = "pass"
    student.cells[g.cell_index(student, "q2_test")].cell_type = "markdown"
    del student.cells[g.cell_index(student, "q3_test")]
    student.cells.insert(4, nbformat.v4.new_code_cell("my_helper = 1"))
    student.cells[g.cell_index(student, "q1_test")].metadata.nbgrader["points"] = 99
    clean = sanitize(student, template)
    nb = clean.notebook
    assert _ids(nb) == _ids(template)
    for grade_id in ("q1_test", "q2_test", "q3_test", "helpers"):
        got, want = nb.cells[g.cell_index(nb, grade_id)], template.cells[g.cell_index(template, grade_id)]
        assert (got.cell_type, got.source, got.metadata) == (want.cell_type, want.source, want.metadata)
    assert nb.cells[g.cell_index(nb, "q2")].source == g.CORRECT["q2"]
    assert any(c.source == "my_helper = 1" for c in nb.cells)
    assert any("q3_test" in n and "missing" in n for n in clean.notes)
    nbformat.validate(nb)


def test_sanitize_drops_duplicates_and_foreign_ids(template) -> None:
    student = g.honest(template)
    test = student.cells[g.cell_index(student, "q3_test")]
    student.cells.append(nbformat.from_dict(json.loads(json.dumps(test))))
    fake = nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {"grade": True, "grade_id": "bonus", "points": 9}})
    student.cells.append(fake)
    first = student.cells[g.cell_index(student, "q2")]
    spare = nbformat.from_dict(json.loads(json.dumps(first)))
    spare.source = "def mean(values):\n    return 42"
    student.cells.insert(g.cell_index(student, "q2"), spare)
    clean = sanitize(student, template)
    assert _ids(clean.notebook) == _ids(template)  # one of each, no foreign id
    assert any(c.source == "pass" and not c.metadata.get("nbgrader") for c in clean.notebook.cells)
    notes = " ".join(clean.notes)
    assert "'q3_test' appears 2 times" in notes and "'bonus'" in notes and "'q2' appears 2 times" in notes
    assert len({c["id"] for c in clean.notebook.cells}) == len(clean.notebook.cells)


@pytest.mark.parametrize(
    ("raw", "words"), [(b"", "empty"), (b"{oops", "not valid notebook JSON"), (b"[1, 2]", "no notebook cells")]
)
def test_unreadable_submissions_have_clear_errors(raw: bytes, words: str) -> None:
    with pytest.raises(NotANotebookError, match=words):
        read_submission(raw)


def test_old_nbformat_is_upgraded(template) -> None:
    v3 = nbformat.writes(nbformat.convert(g.honest(template), 3)).encode()
    assert read_submission(v3).nbformat == 4


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("alice_actors.ipynb", ("alice", "actors")),
        ("alice_12345_67890_actors.ipynb", ("alice", "actors")),
        ("bob_LATE_12345_67890_actors-1.ipynb", ("bob", "actors")),
        ("carol_99_1_ps_fixture.ipynb", ("carol", "ps_fixture")),
        ("dan_1_2_actors (1).ipynb", ("dan", "actors")),
        ("actors.ipynb", None),
        ("erin_1_2_unknown.ipynb", None),
    ],
)
def test_lms_file_names(name: str, expected) -> None:
    assert intake.parse_lms_name(name, ["actors", "ps_fixture"]) == expected


def test_zip_intake_uses_entry_time_and_newest_file(tmp_path: Path) -> None:
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("alice_1_2_actors.ipynb", (2026, 3, 1, 10, 0, 0)), "{}")
        zf.writestr(zipfile.ZipInfo("alice_1_3_actors-1.ipynb", (2026, 3, 2, 9, 30, 0)), '{"v": 2}')
        zf.writestr(zipfile.ZipInfo("../../evil_1_2_actors.ipynb", (2026, 3, 1, 0, 0, 0)), "{}")
        zf.writestr(zipfile.ZipInfo("readme.txt", (2026, 3, 1, 0, 0, 0)), "x")
        zf.writestr(zipfile.ZipInfo("nobody.ipynb", (2026, 3, 1, 0, 0, 0)), "{}")
    found = intake.collect(archive, "actors", ["actors"], tmp_path / "scratch")
    assert set(found.submissions) == {"alice", "evil"}
    alice = found.submissions["alice"]
    assert alice.timestamp == datetime(2026, 3, 2, 9, 30, tzinfo=UTC).isoformat()
    assert alice.files["actors"].read_text() == '{"v": 2}'
    assert (tmp_path / "scratch") in found.submissions["evil"].files["actors"].parents  # no path traversal
    assert any("nobody.ipynb" in p["reason"] for p in found.problems)


def test_folder_intake_ignores_timestamp_txt(tmp_path: Path) -> None:
    path = g.submit(tmp_path, "alice", b"{}")
    (path.parent / "timestamp.txt").write_text("2000-01-01 00:00:00")
    found = intake.collect(tmp_path, g.ASSIGNMENT, [g.ASSIGNMENT], tmp_path / "s")
    assert found.submissions["alice"].timestamp.startswith(str(datetime.now(UTC).year))


def test_verdicts_need_the_run_key() -> None:
    key, other = b"k" * 32, b"x" * 32
    payload = json.dumps({"cell": "q1_test", "nonce": "n1", "passed": True}, sort_keys=True)
    line = f"{guard.MARKER}{payload} {guard.sign(key, payload)}"
    assert guard.verify(key, line, "q1_test", "n1")["passed"] is True
    assert guard.verify(other, line, "q1_test", "n1") is None  # forged with another key
    assert guard.verify(key, line, "q1_test", "n2") is None  # replayed from another run
    assert guard.verify(key, line, "q2_test", "n1") is None  # replayed from another cell
    assert guard.verify(key, line.replace("true", "false"), "q1_test", "n1") is None  # edited


def test_failure_messages_never_quote_hidden_lines() -> None:
    source = g.TESTS["q3_test"]
    assert guard.hidden_lines(source) == {2, 3, 4}
    try:
        exec(compile("assert 1 == 1\nx = 0\nassert x == 1, 'hidden_marker'", "<test q>", "exec"), {})
    except AssertionError as exc:
        message = guard._failure_message(
            exc, "<test q>", "a = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS"
        )
    assert message == "a hidden test failed"


def test_item_analysis_discrimination() -> None:
    frame = pd.DataFrame({"q1": [1, 1, 0, 0], "q2": [2, 2, 0, 0], "q3": [0, 3, 3, 0]}, index=["a", "b", "c", "d"])
    frame.attrs["max"] = {"q1": 1, "q2": 2, "q3": 3}
    items = item_analysis(frame).set_index("question")
    assert items.loc["q1", "mean"] == 0.5 and items.loc["q1", "share_full_marks"] == 0.5
    assert items.loc["q1", "discrimination"] == pytest.approx(frame.q1.corr(frame.q2 + frame.q3), abs=1e-3)
    assert items.loc["q3", "discrimination"] == pytest.approx(0.0, abs=1e-9)


def test_report_table_aligns() -> None:
    text = report.table(["a", "bb"], [[1, 2.5], ["long", None]])
    lines = text.splitlines()
    assert lines[0].startswith("a     bb") and lines[2].startswith("1     2.5") and lines[3] == "long"
