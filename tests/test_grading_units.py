"""Fast checks of the grading pieces that need no kernel: sanitising, intake, answer transport, trusted tests."""

from __future__ import annotations

import json
import os
import random
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import grading_helpers as g
import nbformat
import pandas as pd
import pytest

from brinkmanship.grading import answers, flags, intake, report, trusted
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
    spare.source = "q2_mean = 42.0"
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
        ("alice_actors.ipynb", ("alice", "actors", None)),
        ("alice_12345_67890_actors.ipynb", ("alice", "actors", "12345")),
        ("bob_LATE_12345_67890_actors-1.ipynb", ("bob", "actors", "12345")),
        ("carol_99_1_ps_fixture.ipynb", ("carol", "ps_fixture", "99")),
        ("dan_1_2_actors (1).ipynb", ("dan", "actors", "1")),
        ("actors.ipynb", None),
        ("erin_1_2_unknown.ipynb", None),
    ],
)
def test_lms_file_names(name: str, expected) -> None:
    assert intake.parse_lms_name(name, ["actors", "ps_fixture"]) == expected


def _zip(path: Path, entries: list[tuple[str, bytes | str, tuple]], **kw) -> Path:
    with zipfile.ZipFile(path, "w", **kw) as zf:
        for name, data, when in entries:
            zf.writestr(zipfile.ZipInfo(name, when), data)
    return path


def test_zip_intake_uses_entry_time_and_latest_file(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "download.zip",
        [
            ("alice_1_2_actors.ipynb", "{}", (2026, 3, 1, 10, 0, 0)),
            ("alice_1_3_actors-1.ipynb", '{"v": 2}', (2026, 3, 2, 9, 30, 0)),
            ("readme.txt", "x", (2026, 3, 1, 0, 0, 0)),
            ("nobody.ipynb", "{}", (2026, 3, 1, 0, 0, 0)),
        ],
    )
    found = intake.collect(archive, "actors", ["actors"], tmp_path / "scratch")
    alice = found.submissions["alice"]
    assert alice.arrival == datetime(2026, 3, 2, 9, 30, tzinfo=UTC) and "zip entry" in alice.arrival_source
    assert alice.files["actors"].read_text() == '{"v": 2}'
    assert any(p["path"].endswith("nobody.ipynb") for p in found.problems)
    assert any(i["path"].endswith("readme.txt") for i in found.ignored)


def test_zip_refuses_traversal_links_bombs_and_corrupt_entries(tmp_path: Path) -> None:
    archive = tmp_path / "hostile.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("../../evil_1_2_actors.ipynb", "{}")
        zf.writestr("/abs_1_2_actors.ipynb", "{}")
        link = zipfile.ZipInfo("link_1_2_actors.ipynb")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("bomb_1_2_actors.ipynb", b"0" * (60 * 1024 * 1024))
        zf.writestr("ok_1_2_actors.ipynb", "{}")
        zf.writestr("broken_1_2_actors.ipynb", random.Random(1).randbytes(5000))
    raw = bytearray(archive.read_bytes())
    at = raw.index(b"broken_1_2_actors.ipynb") + len("broken_1_2_actors.ipynb")
    raw[at + 10 : at + 40] = b"\xff" * 30  # damage the compressed data of one entry
    archive.write_bytes(bytes(raw))
    found = intake.collect(archive, "actors", ["actors"], tmp_path / "scratch")
    assert set(found.submissions) == {"ok"}  # the batch goes on with the good entry
    reasons = {p["path"].split(":", 1)[1]: p["reason"] for p in found.problems}
    assert "'..' path" in reasons["../../evil_1_2_actors.ipynb"]
    assert "absolute path" in reasons["/abs_1_2_actors.ipynb"]
    assert "symbolic link" in reasons["link_1_2_actors.ipynb"]
    assert "MB" in reasons["bomb_1_2_actors.ipynb"]
    assert "corrupt" in reasons["broken_1_2_actors.ipynb"]
    assert not (tmp_path / "etc").exists() and not (tmp_path.parent / "evil_1_2_actors.ipynb").exists()


def test_folder_intake_never_follows_links_and_reports_every_file(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    g.submit(subs, "alice", b"{}")
    (subs / "bob" / g.ASSIGNMENT).mkdir(parents=True)
    (subs / "bob" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb").symlink_to("/etc/passwd")
    (subs / "carol").symlink_to(subs / "alice")
    (subs / "dave_1_2_ps_fixture.ipynb").symlink_to(subs / "alice" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb")
    (subs / "..dots" / g.ASSIGNMENT).mkdir(parents=True)
    (subs / "..dots" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb").write_text("{}")
    os.mkfifo(subs / "alice" / g.ASSIGNMENT / "pipe.ipynb")
    (subs / "alice" / g.ASSIGNMENT / "timestamp.txt").write_text("2000-01-01 00:00:00")
    (subs / "alice" / g.ASSIGNMENT / ".ipynb_checkpoints").mkdir()
    found = intake.collect(subs, g.ASSIGNMENT, [g.ASSIGNMENT], tmp_path / "scratch")
    assert set(found.submissions) == {"alice", "bob", "..dots"}
    assert found.submissions["bob"].files == {}  # the link is not graded: bob scores 0
    assert found.submissions["..dots"].disk_id.startswith("%")
    reasons = {p["path"]: p["reason"] for p in found.problems}
    assert "symbolic link" in reasons["carol"] and "symbolic link" in reasons["dave_1_2_ps_fixture.ipynb"]
    assert "symbolic link" in reasons[f"bob/{g.ASSIGNMENT}/{g.ASSIGNMENT}.ipynb"]
    assert "special file" in reasons[f"alice/{g.ASSIGNMENT}/pipe.ipynb"]
    ignored = {i["path"]: i["reason"] for i in found.ignored}
    assert "never used for lateness" in ignored[f"alice/{g.ASSIGNMENT}/timestamp.txt"]
    assert f"alice/{g.ASSIGNMENT}/.ipynb_checkpoints/" in ignored
    assert found.submissions["alice"].arrival is None  # a folder carries no trustworthy time
    assert b"root:" not in b"".join(p.read_bytes() for p in (tmp_path / "scratch").iterdir())


def test_student_ids_never_merge(tmp_path: Path) -> None:
    names = ["a b", "a-b", "a_b", "张伟", "張偉", "Zoë", "Zoe\u0308", "..", ".hidden", "x/y", "a%20b", "a" * 300]
    disks = [intake.disk_name(n) for n in names]
    assert len(set(disks)) == len(names)
    assert all("/" not in d and not d.startswith(".") and len(d) <= 120 for d in disks)
    assert intake.disk_name("alice") == "alice"
    archive = _zip(
        tmp_path / "lms.zip",
        [
            ("smithj_111_1_actors.ipynb", "{}", (2026, 3, 1, 0, 0, 0)),
            ("smithj_222_2_actors.ipynb", '{"b": 1}', (2026, 3, 1, 0, 0, 0)),
            ("a b_1_2_actors.ipynb", "{}", (2026, 3, 1, 0, 0, 0)),
            ("a-b_3_4_actors.ipynb", "{}", (2026, 3, 1, 0, 0, 0)),
        ],
    )
    found = intake.collect(archive, "actors", ["actors"], tmp_path / "s")
    assert set(found.submissions) == {"smithj_111", "smithj_222", "a b", "a-b"}
    assert any("share the name" in n for n in found.submissions["smithj_222"].notes)


def test_exchange_arrival_is_the_inbound_change_time(tmp_path: Path) -> None:
    subs = tmp_path / "submitted"
    path = g.submit(subs, "dave", b'{"cells": []}')
    os.utime(path, (0, 0))  # a backdated file time is never used
    inbound = tmp_path / "exchange" / "brinkmanship" / "inbound"
    entry = inbound / f"dave+{g.ASSIGNMENT}+2000-01-01 00:00:00.000000 UTC+abc"
    entry.mkdir(parents=True)
    (entry / f"{g.ASSIGNMENT}.ipynb").write_bytes(b'{"cells": []}')
    found = intake.collect(subs, g.ASSIGNMENT, [g.ASSIGNMENT], tmp_path / "s", inbound)
    dave = found.submissions["dave"]
    assert "exchange" in dave.arrival_source
    assert abs(dave.arrival.timestamp() - os.lstat(entry).st_ctime) < 1e-3 and dave.arrival.year > 2000


def test_printable_escapes_terminal_control() -> None:
    assert intake.printable("ok\x1b[2J\x07\u202e") == "ok\\x1b[2J\\x07\\u202e"
    assert report.table(["s"], [["\x1b]0;pwned\x07"]]).count("\x1b") == 0
    assert report.escape({"\x1bk": ["\x9b"]}) == {"\\x1bk": ["\\x9b"]}


class _Shell:
    def __init__(self, ns: dict) -> None:
        self.user_ns = ns


def _extract(ns: dict, names: list[str]) -> dict:
    import contextlib
    import io

    ns = dict(ns, get_ipython=lambda: _Shell(ns))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(answers.extract_code(names), ns)
    return answers.decode(out.getvalue(), names)


def test_answers_round_trip_with_their_types() -> None:
    import collections

    import numpy as np

    values = {
        "i": 3,
        "b": True,
        "f": 0.25,
        "nan": float("nan"),
        "s": "Qaani",
        "n": None,
        "l": [1, (2, "x"), {3}],
        "d": {1: "a", "k": [1.5]},
        "counter": collections.Counter("aab"),
        "np_int": np.int64(7),
        "np_float": np.float32(0.5),
        "ts": pd.Timestamp("2020-01-03"),
        "period": pd.Period("2020-01", freq="M"),
        "series": pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2020-01-01", "2020-02-01"]), name="x"),
        "frame": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=["r1", "r2"]),
    }
    got = _extract(values, [*values, "absent"])
    assert isinstance(got["absent"], answers.Missing)
    for key in ("i", "b", "f", "s", "n", "l", "d", "period"):
        assert got[key] == values[key] and type(got[key]) is type(values[key]), key
    assert got["counter"] == {"a": 2, "b": 1} and type(got["counter"]) is dict
    assert type(got["np_int"]) is np.int64 and not isinstance(got["np_int"], int)
    assert got["nan"] != got["nan"]
    assert got["ts"] == values["ts"] and isinstance(got["ts"], pd.Timestamp)
    pd.testing.assert_series_equal(got["series"], values["series"], check_freq=False)
    assert isinstance(got["series"].index, pd.DatetimeIndex)
    pd.testing.assert_frame_equal(got["frame"], values["frame"], check_dtype=False)


def test_objects_that_could_run_code_never_cross() -> None:
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    class Sneaky(dict):
        def __eq__(self, other):
            return True

    got = _extract({"a": AlwaysEqual(), "b": Sneaky(x=1), "f": len}, ["a", "b", "f"])
    assert isinstance(got["a"], answers.Unsupported) and "AlwaysEqual" in got["a"].type_name
    assert type(got["b"]) is dict and got["b"] != {"y": 2}  # a plain dict: its rigged __eq__ stayed behind
    assert isinstance(got["f"], answers.Unsupported)


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"x": {"t": "pickle", "v": "gASV"}}',
        '{"x": {"t": "int", "v": "1e9"}}',
        '{"x": {"t": "int", "v": "' + "9" * 5000 + '"}}',
        '{"x": ' + '{"t": "list", "v": [' * 40 + "]}" * 40 + "}",
        '{"x": {"t": "series", "dtype": "int64", "index": {"t": "index", "kind": "range", '
        '"v": [0, 10**12, 1]}, "v": []}}',
        "not json",
    ],
)
def test_malformed_answer_data_is_refused(text: str) -> None:
    with pytest.raises(answers.AnswerError):
        answers.decode(text.replace("10**12", str(10**12)), ["x"])


def test_oversized_answers_are_refused() -> None:
    with pytest.raises(answers.AnswerError, match="larger than"):
        answers.decode('{"x": {"t": "str", "v": "' + "a" * 5_000_000 + '"}}', ["x"])


def _nb(cells: list[tuple[str, dict, str]]) -> list[dict]:
    return [
        {"cell_type": "code", "metadata": {"nbgrader": meta} if meta else {}, "source": src} for _, meta, src in cells
    ]


def test_plan_reads_answer_names_and_never_takes_setup_data_from_students() -> None:
    cells = _nb(
        [
            ("setup", {"locked": True, "grade_id": "setup"}, "import pandas as pd\ndata = [1, 2]\nLIMIT = 3"),
            ("answer", {"solution": True, "grade_id": "a1"}, "q1 = sum(data)\ndata = [9]"),
            ("test", {"grade": True, "locked": True, "grade_id": "t1", "points": 1},
             "assert q1 == sum(data)\n_x = [v for v in data if v < LIMIT]\nassert len(_x) == 2"),
        ]
    )  # fmt: skip
    plan = trusted.make_plan(cells)
    assert plan.prefix == 1 and plan.tests[0].answers == ("q1",)  # `data` comes from setup, not the student
    runner = trusted.TrustedTests(plan)
    verdicts = runner.run({"t1": {"q1": 3}})
    assert verdicts["t1"].passed
    assert not runner.run({"t1": {"q1": 18}})["t1"].passed  # the student's `data = [9]` cannot make 18 right
    missing = runner.run({"t1": {"q1": answers.Missing("q1")}})["t1"]
    assert not missing.passed and "not answered yet" in missing.message


def test_trusted_messages_hide_hidden_lines_and_isolate_students() -> None:
    cells = _nb(
        [
            ("setup", {"locked": True, "grade_id": "s"}, "table = {'a': 1}"),
            ("test", {"grade": True, "locked": True, "grade_id": "t", "points": 1},
             "assert isinstance(q, dict), 'q should be a dict'\ntable['b'] = 2\n### BEGIN HIDDEN TESTS\n"
             "assert q == {'a': 1, 'b': 2}, f'expected {table}'\n### END HIDDEN TESTS"),
        ]
    )  # fmt: skip
    runner = trusted.TrustedTests(trusted.make_plan(cells))
    assert runner.run({"t": {"q": [1]}})["t"].message == "q should be a dict"
    assert runner.run({"t": {"q": {"a": 1}}})["t"].message == "a hidden test failed"  # no `expected {...}`
    assert runner.run({"t": {"q": {"a": 1, "b": 2}}})["t"].passed
    assert runner.snapshots[-1]["table"] == {"a": 1}  # a test's change to setup data never reaches the next one
    odd = runner.run({"t": {"q": answers.Unsupported("Rigged")}})["t"]
    assert not odd.passed and "cannot be graded" in odd.message


def test_tests_get_fresh_copies_of_the_data_they_name() -> None:
    cells = _nb(
        [
            ("setup", {"locked": True, "grade_id": "s"}, "import pandas as pd\nframe = pd.DataFrame({'x': [1, 2]})\n"
             "other = pd.DataFrame({'y': [3]})"),
            ("test", {"grade": True, "locked": True, "grade_id": "t", "points": 1},
             "frame.drop(index=0, inplace=True)\nassert q == len(frame)"),
        ]
    )  # fmt: skip
    runner = trusted.TrustedTests(trusted.make_plan(cells))
    assert runner.run({"t": {"q": 1}})["t"].passed
    assert runner.run({"t": {"q": 1}})["t"].passed  # the first student's test run did not shrink `frame`
    assert len(runner.snapshots[-1]["frame"]) == 2
    assert runner.plan.tests[0].touches >= {"frame", "q"} and "other" not in runner.plan.tests[0].touches


def test_instructor_imports_are_read_from_locked_cells_only(tmp_path: Path) -> None:
    from brinkmanship.grading.course import Assignment
    from brinkmanship.grading.worker import instructor_imports

    folder = tmp_path / "solutions" / "a1"
    folder.mkdir(parents=True)
    cells = [
        ({"locked": True, "grade_id": "s"}, "import json\nfrom brinkmanship import data"),
        ({"solution": True, "grade_id": "a"}, "import secrets_of_the_student"),
        ({"grade": True, "locked": True, "grade_id": "t", "points": 1}, "from os import path\n%time 1"),
    ]
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(src, metadata={"nbgrader": meta}) for meta, src in cells]
    )
    nbformat.write(nb, folder / "a1.ipynb")
    assert instructor_imports(Assignment("a1", folder)) == (
        "brinkmanship", "brinkmanship.data", "json", "os", "os.path"
    )  # fmt: skip


def test_worker_reuses_one_engine_per_gradebook(tmp_path: Path) -> None:
    import nbgrader.api

    from brinkmanship.grading import worker

    original = nbgrader.api.create_engine
    try:
        worker.reuse_gradebook_engines()
        url = f"sqlite:///{tmp_path / 'gb.db'}"
        with nbgrader.api.Gradebook(url, "c") as gb:
            first = gb.engine
            gb.add_student("ann")
        with nbgrader.api.Gradebook(url, "c") as gb:  # usable after the first one closed (disposed) it
            assert gb.engine is first and [s.id for s in gb.students] == ["ann"]
    finally:
        nbgrader.api.create_engine = original


def test_setup_failure_fails_every_test_loudly() -> None:
    cells = _nb([("s", {"locked": True, "grade_id": "s"}, "1 / 0"), ("t", {"grade": True, "grade_id": "t"}, "pass")])
    verdict = trusted.TrustedTests(trusted.make_plan(cells)).run({"t": {}})["t"]
    assert not verdict.passed and "ZeroDivisionError" in verdict.message


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("import sys\nsys.setprofile(lambda *a: None)", "profiler"),
        ("f = g.__closure__[0].cell_contents", "closures"),
        ("import gc\nobjs = gc.get_objects()", "garbage collector"),
        ("from unittest import mock", "unittest.mock"),
        ("import sys\nsys.modules['json'] = None", "sys.modules"),
        ("import signal\nsignal.signal(signal.SIGALRM, h)", "signals"),
        ("class A:\n    def __eq__(self, o):\n        return True", "__eq__"),
        ("open('../../gradebook.db').read()", "gradebook"),
    ],
)
def test_suspicious_code_is_flagged(code: str, words: str) -> None:
    assert any(words in line for line in flags.scan([code]))
    assert flags.scan(["q1 = sorted(set(data))\nprint(q1)"]) == []


def test_unusual_but_valid_metadata_keeps_its_points(template) -> None:
    student = g.honest(template)
    answer = student.cells[g.cell_index(student, "q1")]
    answer.metadata["nbgrader"] = {"grade_id": "q1"}  # schema_version, solution, locked... all gone
    student.cells[g.cell_index(student, "q2")].metadata["nbgrader"].update(solution=None, extra="x")
    clean = sanitize(student, template).notebook
    assert clean.cells[g.cell_index(clean, "q1")].source == g.CORRECT["q1"]
    assert clean.cells[g.cell_index(clean, "q2")].source == g.CORRECT["q2"]
    assert clean.cells[g.cell_index(clean, "q1")].metadata == template.cells[g.cell_index(template, "q1")].metadata


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


def test_a_dataset_change_changes_what_grades_depend_on(tmp_path: Path, monkeypatch) -> None:
    """Tests and nbgrader's hashed autotests read the datasets: a change must regrade and rebuild check's cache."""
    import shutil

    from brinkmanship import paths
    from brinkmanship.grading.course import find_assignment
    from brinkmanship.grading.grade import source_digest

    copy = tmp_path / "datasets"
    shutil.copytree(paths.datasets_dir(), copy)
    monkeypatch.setenv("BRINKMANSHIP_DATA_DIR", str(copy))
    assignment = find_assignment(Path(__file__).resolve().parents[1], "capstone")
    before = source_digest(assignment, {})
    with (copy / "claims.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert source_digest(assignment, {}) != before
