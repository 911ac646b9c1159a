"""The trusted side of grading: the instructor's tests run here, on answer data, never on student code.

This process runs the notebook's read-only setup cells itself (once per assignment, then reused), and for
each test cell builds a fresh namespace from that setup plus the answers extracted from the student's
sandbox (:mod:`.answers`). Whatever the student's kernel did (patched IPython, faked replies, rigged
``__eq__``, signal handlers, a forged verdict) cannot reach this process: only plain data crosses, and the
verdict is this process's own. Hidden tests never leave it.

Which variables a test needs is read from the test's own code: the names it uses that it does not define
itself and that no setup cell defines. A student can therefore never replace the setup's data (``sources``,
``events``) that hidden tests compute their expectations from.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import hashlib
import io
import signal
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from brinkmanship.grading.answers import Missing, Unsupported

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
TEST_TIMEOUT = 60.0


def hidden_lines(source: str) -> set[int]:
    """1-based line numbers inside BEGIN/END HIDDEN TESTS markers (markers included)."""
    hidden, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        if HIDDEN_BEGIN in line:
            inside = True
        if inside:
            hidden.add(number)
        if HIDDEN_END in line:
            inside = False
    return hidden


def _python(source: str) -> str:
    """Cell source as plain Python (IPython magics become calls, as in a kernel)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def bound_names(source: str) -> set[str]:
    """Names a cell binds anywhere: assignments, loop and comprehension targets, imports, defs, arguments."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return names


def used_names(source: str) -> set[str]:
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    index: int  # position in the notebook
    source: str
    answers: tuple[str, ...]  # the student's variables this test reads
    setup: int  # how many setup cells precede it
    touches: frozenset[str] = frozenset()  # every name the test's own code reads, binds or deletes


@dataclass(frozen=True)
class Plan:
    """A notebook's grading plan, read from its read-only cells only (which the release restored)."""

    setup: tuple[tuple[int, str], ...]  # (index, source) of read-only code cells that are not tests
    tests: tuple[TestCell, ...]
    prefix: int  # how many leading code cells are setup cells (run before any student code)

    @property
    def key(self) -> str:
        h = hashlib.sha256()
        for index, source in self.setup:
            h.update(f"{index}\0{source}\0".encode())
        for test in self.tests:
            h.update(f"{test.grade_id}\0{test.index}\0{test.source}\0".encode())
        return h.hexdigest()


def make_plan(cells: list[dict[str, Any]]) -> Plan:
    """The plan of a sanitised notebook: which cells are setup, which are tests and what each test reads."""
    setup: list[tuple[int, str]] = []
    tests: list[TestCell] = []
    setup_bound: set[str] = set(dir(builtins))
    prefix, in_prefix = 0, True
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        source = "".join(cell.get("source", ""))
        if meta.get("grade") and not meta.get("solution"):
            wanted = used_names(source) - bound_names(source) - setup_bound
            touches = frozenset(used_names(source) | bound_names(source))
            tests.append(TestCell(str(meta.get("grade_id")), index, source, tuple(sorted(wanted)), len(setup), touches))
            in_prefix = False
        elif meta.get("locked") and not meta.get("solution"):
            setup.append((index, source))
            setup_bound |= bound_names(source)
            prefix += in_prefix
        else:
            in_prefix = False
    return Plan(tuple(setup), tuple(tests), prefix)


@dataclass
class Verdict:
    passed: bool
    message: str = ""
    output: str = ""  # what a passing test printed (visible part only; shown to the student)
    unanswered: list[str] = field(default_factory=list)


class _Timeout(BaseException):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """SIGALRM in the main thread (this process runs no student code, so the handler cannot be stolen)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(*_: Any) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _fresh(value: Any) -> Any:
    """A copy a test may mutate without changing what the next test or student sees."""
    try:
        import pandas as pd

        if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
            return value.copy(deep=True)
    except ImportError:  # pragma: no cover
        pass
    if type(value) in (dict, list, set):
        try:
            return copy.deepcopy(value)
        except Exception:
            return value
    return value


class TrustedTests:
    """Runs one notebook plan's setup once, then any number of students' answers through its tests."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.snapshots: list[dict[str, Any]] = []  # namespace after each setup cell
        self.setup_error = ""
        ns: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins, "display": lambda *a, **k: None}
        self.snapshots.append(dict(ns))
        for index, source in plan.setup:
            if not self.setup_error:
                try:
                    with _time_limit(TEST_TIMEOUT), contextlib.redirect_stdout(io.StringIO()):
                        exec(compile(_python(source), f"<setup cell {index}>", "exec"), ns)
                except BaseException as exc:  # the instructor's own cell failed: every test fails, loudly
                    self.setup_error = f"setup cell {index} failed in the grader: {type(exc).__name__}: {exc}"
            self.snapshots.append(dict(ns))

    def run(self, answers: dict[str, dict[str, Any]]) -> dict[str, Verdict]:
        """Verdicts for every test, from ``answers[grade_id]`` = decoded values of that test's names."""
        verdicts: dict[str, Verdict] = {}
        carried: dict[str, Any] = {}  # names earlier tests defined (instructor code on answer data)
        for test in self.plan.tests:
            verdicts[test.grade_id] = self._run_one(test, answers.get(test.grade_id), carried)
        return verdicts

    def _run_one(self, test: TestCell, values: dict[str, Any] | None, carried: dict[str, Any]) -> Verdict:
        if self.setup_error:
            return Verdict(False, f"not graded: {self.setup_error}")
        if values is None:
            return Verdict(False, "not graded: the notebook did not reach this question")
        unanswered = [n for n in test.answers if isinstance(values.get(n, Missing(n)), Missing)]
        for name in test.answers:
            value = values.get(name)
            if isinstance(value, Unsupported):
                return Verdict(
                    False,
                    f"{name} holds {value!r}: only plain values (numbers, strings, lists, dicts, sets, "
                    "tuples) and pandas/numpy data can be graded",
                )
        # fresh copies of what this test's code names (it may mutate them); the rest is passed as it is: only
        # setup functions reach it, and they read the setup namespace itself, never these copies
        ns = {k: _fresh(v) if k in test.touches else v for k, v in self.snapshots[test.setup].items()}
        ns.update({k: _fresh(v) if k in test.touches else v for k, v in carried.items()})
        ns.update({k: v for k, v in values.items() if not isinstance(v, Missing)})
        filename = f"<test {test.grade_id}>"
        printed = io.StringIO()
        before = set(ns)
        try:
            code = compile(_python(test.source), filename, "exec")
            with _time_limit(TEST_TIMEOUT), contextlib.redirect_stdout(printed):
                exec(code, ns)
        except _Timeout:
            return Verdict(False, f"the test took longer than {TEST_TIMEOUT:g} s on this answer", unanswered=unanswered)
        except BaseException as exc:  # a test may fail with anything, even SystemExit
            message = failure_message(exc, filename, test.source, unanswered)
            return Verdict(False, message, unanswered=unanswered)
        finally:
            for key in set(ns) - before:
                carried[key] = ns[key]
        visible = "" if HIDDEN_BEGIN in test.source else printed.getvalue()[:2000]
        return Verdict(True, "", visible)


def failure_message(exc: BaseException, filename: str, source: str, unanswered: list[str]) -> str:
    """What a learner may see: the failing visible line and error, or only that a hidden test failed."""
    if isinstance(exc, NameError) and getattr(exc, "name", None) in unanswered:
        return f"not answered yet: `{exc.name}` is not defined (run the cell that sets it, without errors)"
    lineno = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == filename:
            lineno = line
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        lineno = exc.lineno
    if lineno is None:
        return f"{type(exc).__name__} raised while running the test"
    if lineno in hidden_lines(source):
        return "a hidden test failed"
    lines = source.splitlines()
    text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    if isinstance(exc, AssertionError) and detail:
        return detail
    return f"{type(exc).__name__} at `{text[:120]}`" + (f": {detail}" if detail else "")


_CACHE: dict[str, TrustedTests] = {}


def tests_for(plan: Plan) -> TrustedTests:
    """The warm trusted runner of ``plan`` (setup cells evaluated once per process and plan)."""
    runner = _CACHE.get(plan.key)
    if runner is None:
        if len(_CACHE) > 8:
            _CACHE.clear()
        runner = _CACHE[plan.key] = TrustedTests(plan)
    return runner
