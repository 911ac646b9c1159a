"""One batch of hostile and broken submissions: each must end with the batch going on, no unearned point,
a named reason, and no change to anyone else's grade (s_full is graded in the same batch as the attackers)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import grading_helpers as g
import nbformat
import psutil
import pytest

from brinkmanship.grading import grade, release

pytestmark = pytest.mark.slow

DUE = "2030-01-01T00:00:00"
DAEMON_TAG = f"brinkmanship-daemon-{os.getpid()}"

TAMPER = {
    "t_showtraceback": "from IPython.core.interactiveshell import InteractiveShell\n"
    "InteractiveShell.showtraceback = lambda *a, **k: None\n"
    "InteractiveShell._showtraceback = lambda *a, **k: None",
    "t_custom_exc": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)",
    "t_ast": (
        "import ast\n"
        "class Swallow(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n"
        "        handler = ast.ExceptHandler(type=ast.Name('BaseException', ast.Load()), name=None,\n"
        "                                    body=[ast.Pass()])\n"
        "        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])]\n"
        "        return ast.fix_missing_locations(node)\n"
        "get_ipython().ast_transformers.append(Swallow())"
    ),
    "t_reply": (
        "import inspect\n"
        "_k = get_ipython().kernel\n"
        "_orig = _k.do_execute\n"
        "async def _fake(*a, **kw):\n"
        "    r = _orig(*a, **kw)\n"
        "    if inspect.isawaitable(r):\n"
        "        r = await r\n"
        "    r['status'] = 'ok'\n"
        "    return r\n"
        "_k.do_execute = _fake"
    ),
}


def _edit(nb: nbformat.NotebookNode, grade_id: str, **changes: object) -> nbformat.NotebookNode:
    cell = nb.cells[g.cell_index(nb, grade_id)]
    for key, value in changes.items():
        if key == "points":
            cell.metadata.nbgrader["points"] = value
        else:
            cell[key] = value
    return nb


def build(rel: nbformat.NotebookNode, course: Path, subs: Path) -> dict[str, float]:
    """Write every case; return the autograded points each one deserves (or the most it may get)."""
    expected: dict[str, float] = {}

    def case(student: str, nb: nbformat.NotebookNode | bytes, deserved: float) -> Path:
        expected[student] = deserved
        return g.submit(subs, student, nb)

    case("s_full", g.honest(rel), 6)
    case("s_blank", rel, 0)
    warn = g.honest(rel)
    g.answer(
        warn,
        "q2",
        "import warnings\ndef mean(values):\n    warnings.warn('honest warning', UserWarning)\n"
        "    return sum(values) / len(values)",
    )
    case("s_stderr", warn, 6)
    for name, code in TAMPER.items():
        nb = g.honest(rel, wrong=("q2", "q3"))
        g.answer(nb, "q1", g.CORRECT["q1"] + "\n" + code)
        case(name, nb, 0)
    eq = g.honest(rel)
    g.answer(
        eq,
        "q1",
        "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n"
        "def double(x):\n    return AlwaysEqual()",
    )
    g.answer(eq, "q3", "def squares(n):\n    return AlwaysEqual()")
    case("t_always_equal", eq, 2)
    helper = g.honest(rel, wrong=("q2",))
    g.answer(helper, "q2", "def mean(values):\n    return 0\ndef check_close(a, b, tol=1e-9):\n    pass")
    case("t_helper_shadow", helper, 4)
    shadow = g.honest(rel)
    g.answer(shadow, "q2", "abs = lambda x: 0\ndef mean(values):\n    return 0")
    case("t_builtin_shadow", shadow, 4)

    # test cells and grade metadata edited
    case("m_markdown", _edit(g.honest(rel, wrong=("q3",)), "q3_test", cell_type="markdown"), 3)
    deleted = g.honest(rel, wrong=("q3",))
    del deleted.cells[g.cell_index(deleted, "q3_test")]
    case("m_deleted", deleted, 3)
    case("m_emptied", _edit(g.honest(rel, wrong=("q3",)), "q3_test", source="pass"), 3)
    case("m_points", _edit(g.honest(rel), "q1_test", points=100), 6)
    renamed = g.honest(rel, wrong=("q3",))
    renamed.cells[g.cell_index(renamed, "q3_test")].metadata.nbgrader["grade_id"] = "q3_test_x"
    case("m_ids_changed", renamed, 3)
    dup = g.honest(rel)
    index = g.cell_index(dup, "q3_test")
    dup.cells.insert(index + 1, nbformat.from_dict(json.loads(json.dumps(dup.cells[index]))))
    case("m_dup_test", dup, 6)
    dup_answer = g.honest(rel)
    index = g.cell_index(dup_answer, "q2")
    dup_answer.cells.insert(index, nbformat.from_dict(json.loads(json.dumps(dup_answer.cells[index]))))
    case("m_dup_answer", dup_answer, 6)
    foreign = g.honest(rel)
    bonus = nbformat.v4.new_code_cell(
        "pass",
        metadata={
            "nbgrader": {
                "grade": True,
                "solution": False,
                "locked": True,
                "grade_id": "bonus_test",
                "points": 10,
                "schema_version": 3,
            }
        },
    )
    foreign.cells.append(bonus)
    case("m_foreign_id", foreign, 6)
    solgrade = g.honest(rel)
    solgrade.cells[g.cell_index(solgrade, "q1")].metadata.nbgrader.update({"grade": True, "points": 50})
    case("m_answer_graded", solgrade, 6)

    # process-level attacks
    nb = g.honest(rel)
    g.answer(nb, "q2", g.CORRECT["q2"] + "\nimport sys\nsys.exit(1)")
    case("p_sys_exit", nb, 6)
    nb = g.honest(rel)
    g.answer(nb, "q2", g.CORRECT["q2"] + "\nimport os\nos._exit(0)")
    case("p_os_exit", nb, 4)
    nb = g.honest(rel)
    g.answer(nb, "q3", g.CORRECT["q3"] + "\nimport ctypes\nctypes.string_at(0)")
    case("p_segfault", nb, 3)
    nb = g.honest(rel)
    g.answer(nb, "q3", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")
    case("p_loop_sigint_proof", nb, 3)
    nb = g.honest(rel)
    g.answer(nb, "q3", g.CORRECT["q3"] + "\nhog = []\nwhile True:\n    hog.append(bytearray(64 * 1024 * 1024))")
    case("p_memory_bomb", nb, 6)
    nb = g.honest(rel)
    g.answer(nb, "q1", g.CORRECT["q1"] + "\nprint('x' * 50_000_000)")
    case("p_output_50mb", nb, 6)
    nb = g.honest(rel)
    g.answer(
        nb,
        "q1",
        g.CORRECT["q1"] + "\nimport subprocess, sys\nsubprocess.Popen([sys.executable, '-c', "
        f"'import time; time.sleep(120)', '{DAEMON_TAG}'], start_new_session=True)",
    )
    case("p_daemon", nb, 6)
    victim = subs / "s_full" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb"
    snoop = (
        "def _try(label, action):\n"
        "    try:\n"
        "        found = action()\n"
        "        print('LEAK' if found else 'EMPTY', label, str(found)[:80])\n"
        "    except Exception as exc:\n"
        "        print('DENIED', label, type(exc).__name__)\n"
        f"_try('solutions', lambda: open({str(course / 'solutions' / g.ASSIGNMENT / 'ps_fixture.ipynb')!r}).read())\n"
        f"_try('gradebook', lambda: open({str(course / 'gradebook.db')!r}, 'rb').read())\n"
        f"_try('victim-read', lambda: open({str(victim)!r}).read())\n"
        f"_try('victim-write', lambda: open({str(victim)!r}, 'w').write('{{}}'))\n"
        "import sqlite3\n"
        f"_try('gradebook-write', lambda: sqlite3.connect({str(course / 'gradebook.db')!r}).execute("
        "'update grade set manual_score = 100').rowcount)\n"
        "import os\n"
        "_try('neighbours', lambda: os.listdir('../../../..'))\n"
    )
    nb = g.honest(rel)
    g.answer(nb, "q1", g.CORRECT["q1"] + "\n" + snoop)
    case("p_snoop", nb, 6)

    # files that are not (quite) the notebook
    case("f_bad_json", b"{this is not json", 0)
    case("f_empty", b"", 0)
    renamed_file = g.submit(subs, "f_renamed", g.honest(rel))
    renamed_file.rename(renamed_file.with_name("ps_fixture-Copy1.ipynb"))
    expected["f_renamed"] = 6
    (subs / "f_missing" / g.ASSIGNMENT).mkdir(parents=True)
    expected["f_missing"] = 0
    case("f_nbformat3", nbformat.writes(nbformat.convert(g.honest(rel), 3)).encode(), 6)
    future = json.loads(nbformat.writes(g.honest(rel)))
    future["nbformat"] = 99
    case("f_nbformat99", json.dumps(future).encode(), 0)
    late = case("f_late_forged", g.honest(rel), 6)
    (late.parent / "timestamp.txt").write_text("2029-12-31 00:00:00")
    after_due = time.mktime((2031, 1, 1, 0, 0, 0, 0, 0, 0))
    os.utime(late, (after_due, after_due))
    return expected


@pytest.fixture(scope="module")
def batch(repo_root: Path):
    tmp = Path(tempfile.mkdtemp(prefix="brinkmanship-adversarial-"))
    os.chmod(tmp, 0o755)  # readable by everyone, like a clone: only the grader's isolation protects it
    course = g.make_course(tmp, repo_root)
    release.release(course, [g.ASSIGNMENT])
    subs = tmp / "subs"
    expected = build(g.released(course), course, subs)
    victim = subs / "s_full" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb"
    victim_hash = hashlib.sha256(victim.read_bytes()).hexdigest()
    data = grade.grade(
        course, g.ASSIGNMENT, subs, workers=2, timeout=5, total_timeout=40, memory_mb=2048, duedate=DUE, progress=False
    )
    yield {"course": course, "expected": expected, "data": data, "victim": victim, "victim_hash": victim_hash}
    shutil.rmtree(tmp, ignore_errors=True)


def _auto(data: dict, student: str) -> dict[str, float]:
    for entry in data["students"]:
        if entry["student"] == student:
            return {gr["grade_id"]: gr["auto_score"] for gr in entry["grades"] if gr["passed"] is not None}
    raise KeyError(student)


def _reasons(data: dict, student: str) -> str:
    return " | ".join(p["reason"] for p in data["problems"] if p["student"] == student)


def test_every_submission_graded_with_exactly_what_it_deserves(batch) -> None:
    data = batch["data"]
    got = {s: sum(_auto(data, s).values()) for s in batch["expected"]}
    allowed_variation = {"p_memory_bomb": {3.0, 6.0}}  # MemoryError (6) or the kernel killed in that cell (3)
    for student, deserved in batch["expected"].items():
        if student in allowed_variation:
            assert got[student] in allowed_variation[student], (student, got[student])
        else:
            assert got[student] == deserved, (student, got[student], _reasons(data, student))
    assert data["graded"] == len(batch["expected"]) and not data["not_graded"]


def test_gradebook_holds_the_same_scores(batch) -> None:
    from nbgrader.api import Gradebook

    url = f"sqlite:///{batch['course'] / 'gradebook.db'}"
    with Gradebook(url, "brinkmanship") as gb:
        for student, deserved in batch["expected"].items():
            if student == "p_memory_bomb":
                continue
            sub = gb.find_submission(g.ASSIGNMENT, student)
            auto = sum(gr.auto_score or 0 for nb in sub.notebooks for gr in nb.grades if gr.name.endswith("_test"))
            assert auto == deserved, student
            # raised points in the submission never reach the gradebook
            assert {gr.name: gr.max_score for nb in sub.notebooks for gr in nb.grades} == g.POINTS
        late = gb.find_submission(g.ASSIGNMENT, "f_late_forged")
        assert late.total_seconds_late > 0  # the forged timestamp.txt was ignored
        assert gb.find_submission(g.ASSIGNMENT, "s_full").total_seconds_late == 0


@pytest.mark.parametrize("student", [*TAMPER, "t_always_equal"])
def test_tampering_is_named(batch, student: str) -> None:
    reasons = _reasons(batch["data"], student)
    assert "tamper" in reasons or "equal to anything" in reasons or "rigged" in reasons, reasons


@pytest.mark.parametrize(
    ("student", "words"),
    [
        ("m_dup_test", "appears 2 times"),
        ("m_dup_answer", "appears 2 times"),
        ("m_foreign_id", "bonus_test"),
        ("m_deleted", "missing"),
        ("m_emptied", "edited"),
        ("m_markdown", "edited"),
        ("p_os_exit", "kernel died"),
        ("p_segfault", "kernel died"),
        ("p_loop_sigint_proof", "did not finish in time"),
        ("p_output_50mb", "truncated"),
        ("f_bad_json", "not valid notebook JSON"),
        ("f_empty", "empty"),
        ("f_renamed", "graded as"),
        ("f_missing", "no notebook"),
        ("f_nbformat99", "unsupported"),
    ],
)
def test_problem_reason_is_reported(batch, student: str, words: str) -> None:
    assert words in _reasons(batch["data"], student), _reasons(batch["data"], student)


def test_isolation_held(batch) -> None:
    if os.getuid() != 0:
        pytest.skip("file isolation runs the kernel as 'nobody', which needs the grader to run as root")
    course = batch["course"]
    nb = nbformat.read(course / "autograded" / "p_snoop" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    for label in ("solutions", "gradebook", "victim-read", "victim-write", "gradebook-write", "neighbours"):
        assert f"DENIED {label} " in printed or f"EMPTY {label} " in printed, (label, printed)
    assert "LEAK" not in printed, printed
    assert hashlib.sha256(batch["victim"].read_bytes()).hexdigest() == batch["victim_hash"]


def test_no_process_outlives_grading(batch) -> None:
    for proc in psutil.process_iter(["cmdline"]):
        assert DAEMON_TAG not in " ".join(proc.info["cmdline"] or []), proc


def test_output_is_bounded_in_bytes(batch) -> None:
    path = batch["course"] / "autograded" / "p_output_50mb" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb"
    assert path.stat().st_size < 2_000_000


def test_hidden_tests_not_in_outputs_or_feedback(batch) -> None:
    from brinkmanship.grading import feedback

    course = batch["course"]
    for path in (course / "autograded").glob(f"*/{g.ASSIGNMENT}/*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
        assert "hidden_marker_q3" not in outputs and "secret_q2" not in outputs, path
    written = feedback.generate(course, g.ASSIGNMENT, students=["t_always_equal", "s_blank", "s_full"])
    assert len(written) == 3
    for html in written:
        text = html.read_text()
        assert "secret_q2" not in text and "hidden_marker_q3" not in text and "squares(5)" not in text
        assert "hidden tests run here" in text
