"""One batch of hostile and broken submissions, graded in the sandbox next to honest students.

Each case must end with: the batch going on, no point it did not earn, a named reason or a flag, and no
change to anyone else's grade or files. ``s_full`` and ``s_victim`` are honest and graded in the same batch.
"""

from __future__ import annotations

import base64
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
BLANK = {"q1": "q1_doubled = None", "q2": "q2_mean = None", "q3": "q3_squares = None"}

# Ways to forge a verdict in a kernel that runs the tests (the previous design): each on a blank notebook.
FORGERS = {
    "x_closure_gc": (
        "import gc\n"
        "for obj in gc.get_objects():\n"
        "    if callable(obj) and 'brinkmanship' in repr(getattr(obj, '__module__', '')):\n"
        "        for cell in (getattr(obj, '__closure__', None) or ()):\n"
        "            print(cell)"
    ),
    "x_setprofile": "import sys\nsys.setprofile(lambda frame, event, arg: None)\nsys.settrace(lambda *a: None)",
    "x_mock": (
        "from unittest import mock\n"
        "mock.patch('builtins.isinstance', lambda *a: True).start()\n"
        "mock.patch('builtins.len', lambda *a: 2).start()"
    ),
    "x_sys_modules": (
        "import sys, types\nfake = types.ModuleType('brinkmanship.grading.trusted')\n"
        "fake.TrustedTests = object\nsys.modules['brinkmanship.grading.trusted'] = fake"
    ),
    "x_sigalrm": (
        "import signal\nsignal.signal(signal.SIGALRM, lambda *a: None)\nsignal.setitimer(signal.ITIMER_REAL, 0.5)"
    ),
    "x_json_dumps": (
        'import json\njson.dumps = lambda *a, **k: \'{"q1_doubled": {"t": "list", "v": [{"t": "int", "v": "2"}]}}\''
    ),
    "x_early_hook": (
        "ip = get_ipython()\n"
        "ip.events.register('pre_run_cell', lambda *a: ip.user_ns.update(VALUES=[1], check_close=print))"
    ),
    "x_fake_marker": 'print(\'\\x1fBRINKMANSHIP-VERDICT {"cell": "q1_test", "passed": true} 00\')',
    "t_showtraceback": (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.showtraceback = lambda *a, **k: None"
    ),
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
    "t_reply": "_k = get_ipython().kernel\n_orig = _k.do_execute\n_k.do_execute = lambda *a, **k: _orig(*a, **k)",
}


def _edit(nb: nbformat.NotebookNode, grade_id: str, **changes: object) -> nbformat.NotebookNode:
    cell = nb.cells[g.cell_index(nb, grade_id)]
    for key, value in changes.items():
        if key == "points":
            cell.metadata.nbgrader["points"] = value
        else:
            cell[key] = value
    return nb


def _blank(rel: nbformat.NotebookNode, extra: str) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(rel)))
    g.answer(nb, "q1", BLANK["q1"] + "\n" + extra)
    return nb


def snoop_code(course: Path, victim: Path, outside: Path) -> str:
    """Look for everything a kernel must not see, and print it base64-encoded so a grep cannot miss it."""
    targets = {
        "course": course,
        "git": Path(__file__).resolve().parents[1] / ".git" / "HEAD",
        "solutions": Path(__file__).resolve().parents[1] / "solutions",
        "gradebook": course / "gradebook.db",
        "reports": course / f"grading-report-{g.ASSIGNMENT}.json",
        "victim": victim,
        "outside": outside,
    }
    lines = ["import base64, os", "seen = {}"]
    for label, path in targets.items():
        lines += [
            "try:",
            f"    p = {str(path)!r}",
            "    seen["
            + repr(label)
            + "] = sorted(os.listdir(p)) if os.path.isdir(p) else open(p, 'rb').read()[:4000]",
            "except Exception as exc:",
            f"    seen[{label!r}] = 'DENIED ' + type(exc).__name__",
            "try:",
            f"    open({str(path)!r}, 'a').write('tampered')",
            f"    seen[{label + '-write'!r}] = 'WROTE'",
            "except Exception as exc:",
            f"    seen[{label + '-write'!r}] = 'DENIED ' + type(exc).__name__",
        ]
    lines += [
        "seen['root'] = sorted(os.listdir('/'))",
        "seen['procs'] = sorted(os.listdir('/proc'))[:50]",
        "print('EXFIL', base64.b64encode(repr(seen).encode()).decode())",
    ]
    return "\n".join(lines)


def build(rel: nbformat.NotebookNode, course: Path, subs: Path, outside: Path) -> dict[str, float]:
    """Write every case; return the autograded points each one deserves."""
    expected: dict[str, float] = {}

    def case(student: str, nb: nbformat.NotebookNode | bytes, deserved: float) -> Path:
        expected[student] = deserved
        return g.submit(subs, student, nb)

    case("s_full", g.honest(rel), 6)
    case("s_victim", g.honest(rel), 6)
    case("s_blank", rel, 0)
    warn = g.honest(rel)
    g.answer(warn, "q2", "import warnings\nwarnings.warn('honest warning', UserWarning)\n" + g.CORRECT["q2"])
    case("s_stderr", warn, 6)
    for name, code in FORGERS.items():
        case(name, _blank(rel, code), 0)
    eq = g.honest(rel)
    g.answer(
        eq,
        "q1",
        "class AlwaysEqual(list):\n    def __eq__(self, other):\n        return True\n"
        "    def __getitem__(self, i):\n        return self\nq1_doubled = AlwaysEqual()",
    )
    g.answer(eq, "q3", "class Rigged:\n    def __eq__(self, other):\n        return True\nq3_squares = Rigged()")
    case("x_always_equal", eq, 2)  # q1 arrives as a plain (empty) list and fails; q3 cannot cross; q2 honest
    helper = g.honest(rel, wrong=("q2",))
    g.answer(helper, "q2", "def check_close(a, b, tol=1e-9):\n    pass\nVALUES = [0]\nq2_mean = 0.0")
    case("x_helper_shadow", helper, 4)
    shadow = g.honest(rel, wrong=("q2",))
    g.answer(shadow, "q2", "abs = lambda x: 0\nq2_mean = 0.0")
    case("x_builtin_shadow", shadow, 4)

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
    foreign.cells.append(
        nbformat.v4.new_code_cell(
            "pass",
            metadata={"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": "bonus_test",
                                   "points": 10, "schema_version": 3}},
        )
    )  # fmt: skip
    case("m_foreign_id", foreign, 6)
    solgrade = g.honest(rel)
    solgrade.cells[g.cell_index(solgrade, "q1")].metadata.nbgrader.update({"grade": True, "points": 50})
    case("m_answer_graded", solgrade, 6)
    odd = g.honest(rel)
    odd.cells[g.cell_index(odd, "q1")].metadata["nbgrader"] = {"grade_id": "q1"}
    odd.cells[g.cell_index(odd, "q2")].metadata["nbgrader"].pop("schema_version")
    odd.cells[g.cell_index(odd, "q3")].metadata["nbgrader"]["solution"] = None
    case("h_odd_metadata", odd, 6)

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
    g.answer(
        nb,
        "q3",
        g.CORRECT["q3"] + "\nimport os, time\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            time.sleep(600)\n            os._exit(0)\nexcept OSError:\n    pass",
    )
    case("p_fork_bomb", nb, 6)
    nb = g.honest(rel)
    g.answer(nb, "q3", g.CORRECT["q3"] + "\nf = open('/tmp/fill', 'wb')\nwhile True:\n    f.write(b'x' * 2**20)")
    case("p_disk_fill", nb, 6)
    nb = g.honest(rel)
    g.answer(nb, "q1", g.CORRECT["q1"] + "\nprint('x' * 50_000_000)")
    case("p_output_50mb", nb, 6)
    nb = g.honest(rel)
    g.answer(nb, "q3", g.CORRECT["q3"] + "\nimport os, signal\nos.kill(-1, signal.SIGKILL)")
    case("p_kill_everyone", nb, 6)  # kill(-1) reaches only the sandbox's own processes
    nb = g.honest(rel)
    g.answer(
        nb,
        "q1",
        g.CORRECT["q1"] + "\nimport subprocess, sys\nsubprocess.Popen([sys.executable, '-c', "
        f"'import time; time.sleep(300)', '{DAEMON_TAG}'], start_new_session=True)",
    )
    case("p_daemon", nb, 6)
    victim = subs / "s_victim" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb"
    nb = _blank(rel, snoop_code(course, victim, outside))
    case("p_snoop", nb, 0)

    # files that are not (quite) the notebook, and intake tricks
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
    (subs / "l_link_solution" / g.ASSIGNMENT).mkdir(parents=True)
    link = subs / "l_link_solution" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb"
    link.symlink_to(course / "solutions" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb")
    expected["l_link_solution"] = 0
    (subs / "l_link_victim").symlink_to(subs / "s_victim")
    (subs / "l_link_outside" / g.ASSIGNMENT).mkdir(parents=True)
    (subs / "l_link_outside" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb").symlink_to(outside)
    expected["l_link_outside"] = 0
    case("a b", g.honest(rel), 6)
    case("a-b", rel, 0)
    case("张伟", g.honest(rel, wrong=("q1",)), 5)
    case("張偉", rel, 0)
    case("..dots", g.honest(rel), 6)
    case("\x1b[31mred\x1b[0m", g.honest(rel, wrong=("q2",)), 4)
    return expected


@pytest.fixture(scope="module")
def batch(repo_root: Path):
    tmp = Path(tempfile.mkdtemp(prefix="brinkmanship-adversarial-"))
    os.chmod(tmp, 0o755)  # readable by everyone, like a clone: only the sandbox protects it
    outside = tmp / "root-only.txt"
    outside.write_text("a file outside the course that no student may read or change\n")
    os.chmod(outside, 0o600)
    course = g.make_course(tmp, repo_root)
    release.release(course, [g.ASSIGNMENT])
    subs = tmp / "subs"
    expected = build(g.released(course), course, subs, outside)
    hashes = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (outside, *(subs / "s_victim").rglob("*.ipynb"))}
    data = grade.grade(
        course, g.ASSIGNMENT, subs, workers=2, timeout=8, total_timeout=40, memory_mb=1024, duedate=DUE, progress=False
    )
    yield {"course": course, "expected": expected, "data": data, "hashes": hashes, "outside": outside}
    shutil.rmtree(tmp, ignore_errors=True)


def _auto(data: dict, student: str) -> float:
    return sum(gr["auto_score"] or 0 for gr in data["students"][student]["grades"] if not gr["written"])


def _said(data: dict, student: str) -> str:
    entry = data["students"][student]
    reasons = [gr["reason"] for gr in entry["grades"] if gr["reason"]]
    return " | ".join(entry["problems"] + entry["repairs"] + entry["flags"] + reasons)


def test_every_submission_graded_with_exactly_what_it_deserves(batch) -> None:
    data = batch["data"]
    got = {s: _auto(data, s) for s in batch["expected"] if s in data["students"]}
    wrong = {s: (got.get(s), d, _said(data, s)) for s, d in batch["expected"].items() if got.get(s) != d}
    assert not wrong, wrong
    assert not data["last_run"]["not_graded"]


def test_gradebook_holds_the_same_scores(batch) -> None:
    from nbgrader.api import Gradebook

    from brinkmanship.grading.intake import disk_name

    with Gradebook(f"sqlite:///{batch['course'] / 'gradebook.db'}", "brinkmanship") as gb:
        for student, deserved in batch["expected"].items():
            sub = gb.find_submission(g.ASSIGNMENT, disk_name(student))
            auto = sum(gr.auto_score or 0 for nb in sub.notebooks for gr in nb.grades if gr.name.endswith("_test"))
            assert auto == deserved, student
            assert {gr.name: gr.max_score for nb in sub.notebooks for gr in nb.grades} == g.POINTS


@pytest.mark.parametrize("student", [*FORGERS, "x_always_equal", "x_helper_shadow", "x_builtin_shadow", "p_snoop"])
def test_cheats_score_nothing_and_are_flagged(batch, student: str) -> None:
    entry = batch["data"]["students"][student]
    assert entry["flags"] or entry["problems"], student


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
        ("p_loop_sigint_proof", "ignored the interrupt"),
        ("p_output_50mb", "byte limit"),
        ("f_bad_json", "not valid notebook JSON"),
        ("f_empty", "empty"),
        ("f_missing", "no notebook"),
        ("f_nbformat99", "unsupported"),
        ("x_always_equal", "cannot be graded"),
    ],
)
def test_problem_reason_is_reported(batch, student: str, words: str) -> None:
    data = batch["data"]
    said = _said(data, student) + " ".join(p["reason"] for p in data["last_run"]["files_not_used"])
    assert words in said, said


def test_intake_refused_links_and_kept_every_id_apart(batch) -> None:
    data = batch["data"]
    refused = {p["path"]: p["reason"] for p in data["last_run"]["files_not_used"]}
    assert "symbolic link" in refused["l_link_victim"]
    assert "symbolic link" in refused[f"l_link_solution/{g.ASSIGNMENT}/{g.ASSIGNMENT}.ipynb"]
    assert "symbolic link" in refused[f"l_link_outside/{g.ASSIGNMENT}/{g.ASSIGNMENT}.ipynb"]
    for student in ("a b", "a-b", "张伟", "張偉", "..dots", "\x1b[31mred\x1b[0m"):
        assert student in data["students"], student
    disks = {entry["disk_id"] for entry in data["students"].values()}
    assert len(disks) == len(data["students"])
    assert not any(p.is_symlink() for p in (batch["course"] / "submitted").rglob("*"))


def test_nothing_outside_the_submission_was_read_or_changed(batch) -> None:
    for path, digest in batch["hashes"].items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path
    course = batch["course"]
    nb = nbformat.read(course / "autograded" / "p_snoop" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    seen = base64.b64decode(printed.split("EXFIL ", 1)[1].split()[0]).decode()
    for label in ("course", "git", "solutions", "gradebook", "reports", "victim", "outside"):
        assert f"'{label}': 'DENIED" in seen, (label, seen)
    assert "no student may read" not in seen and "BEGIN HIDDEN" not in seen
    own = {"p_snoop", "%25" + "p_snoop"}
    for path in [*course.rglob("*"), batch["outside"]]:  # writes, if any, stayed inside the sandbox
        if own & set(path.parts):
            continue
        assert not path.is_file() or b"tampered" not in path.read_bytes(), path


def test_no_process_outlives_grading(batch) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        left = [p for p in psutil.process_iter(["cmdline"]) if DAEMON_TAG in " ".join(p.info["cmdline"] or [])]
        if not left:
            break
        time.sleep(0.5)
    assert not left


def test_output_is_bounded_in_bytes(batch) -> None:
    path = batch["course"] / "autograded" / "p_output_50mb" / g.ASSIGNMENT / f"{g.ASSIGNMENT}.ipynb"
    assert path.stat().st_size < 2_000_000


def test_hidden_tests_never_reach_outputs_or_feedback(batch) -> None:
    from brinkmanship.grading import feedback

    course = batch["course"]
    for path in (course / "autograded").glob(f"*/{g.ASSIGNMENT}/*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
        assert "hidden_marker_q3" not in outputs and "secret_q2" not in outputs, path
    written, failed = feedback.generate(course, g.ASSIGNMENT, students=["x_always_equal", "s_blank", "s_full"])
    assert len(written) == 3 and not failed
    for html in written:
        text = html.read_text()
        assert "secret_q2" not in text and "hidden_marker_q3" not in text
        assert "hidden tests run here" in text


def test_report_and_summary_carry_no_control_characters(batch) -> None:
    text = (batch["course"] / f"grading-report-{g.ASSIGNMENT}.json").read_text()
    assert "\x1b" not in text and "\\u001b" not in text
    assert "\x1b" not in batch["data"]["summary"]
