"""brinkmanship's steps inside nbgrader's own pipelines (configured once, in :mod:`.config`).

* :class:`RebuildFromRelease` heads ``Autograde.sanitize_preprocessors``: every nbgrader cell is taken from
  the release, matched by ``grade_id`` only, so an edited, deleted, duplicated or oddly tagged cell costs at
  most that question and a valid notebook with unusual metadata still gets its points.
* :class:`SandboxedExecute` replaces nbgrader's ``Execute`` in ``Autograde.autograde_preprocessors``: the
  student's cells run in a sandboxed kernel (:mod:`.sandbox`); test cells never run there. At each test the
  variables it reads are copied out as data, and the test runs in this process on that data
  (:mod:`.trusted`). Its verdict becomes the test cell's output, from which nbgrader's ``SaveAutoGrades``
  takes the score as usual.
* :class:`HideHiddenTests` heads ``GenerateFeedback.preprocessors``: hidden test code never reaches a
  feedback page, also through formgrader's "Generate feedback" button.

Everything a student's notebook does wrong becomes a note for the report (through ``collector``), never an
exception that would stop nbgrader's batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Any as AnyTrait
from traitlets import Bool, Float, Integer, Unicode

from brinkmanship.grading import answers, flags
from brinkmanship.grading.sandbox import Limits, Output, SandboxMissingError, make_runner
from brinkmanship.grading.sandbox.pool import Recipe, pool_for
from brinkmanship.grading.sanitize import is_test, nbgrader_id, sanitize
from brinkmanship.grading.trusted import HIDDEN_BEGIN, Plan, bound_names, hidden_lines, make_plan, tests_for

NOT_GRADED = "not graded"


def _report(collector: Any, resources: dict[str, Any], key: str, items: list[Any]) -> None:
    if collector is not None and items:
        collector(resources.get("nbgrader", {}), key, items)


class RebuildFromRelease(NbGraderPreprocessor):
    """Rebuild the submission on the released notebook before nbgrader's own sanitising steps."""

    release_dir = Unicode("", help="folder of the released notebooks (default: the course's release directory)").tag(
        config=True
    )
    collector = AnyTrait(None, allow_none=True, help="callable(nbgrader_resources, kind, items) for the report").tag(
        config=True
    )

    def _release_notebook(self, resources: dict[str, Any]) -> NotebookNode:
        info = resources["nbgrader"]
        if self.release_dir:
            folder = Path(self.release_dir)
        else:
            course = self.config.CourseDirectory
            root = Path(course.get("root") or ".")
            folder = root / str(course.get("release_directory") or "release") / info["assignment"]
        return nbformat.read(folder / f"{info['notebook']}.ipynb", as_version=4)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        clean = sanitize(nb, self._release_notebook(resources))
        _report(self.collector, resources, "repairs", clean.notes)
        return clean.notebook, resources


class SandboxedExecute(NbGraderPreprocessor):
    """Drop-in for nbgrader's Execute: student code in a sandbox, tests in this (trusted) process."""

    sandbox = Unicode("bwrap", help="'bwrap' (default) or 'none' (no isolation: trusted notebooks only)").tag(
        config=True
    )
    cell_timeout = Float(60.0, help="seconds per cell").tag(config=True)
    notebook_timeout = Float(300.0, help="seconds for the whole notebook, restarts included").tag(config=True)
    memory_mb = Integer(2048, help="address space per kernel process, MiB").tag(config=True)
    max_processes = Integer(128, help="processes and threads per kernel").tag(config=True)
    file_mb = Integer(64, help="largest file a kernel may write, MiB").tag(config=True)
    tmp_mb = Integer(256, help="size of the kernel's private /tmp and working folder, MiB").tag(config=True)
    cell_output_bytes = Integer(100_000, help="output kept per cell").tag(config=True)
    total_output_bytes = Integer(1_000_000, help="output kept per notebook").tag(config=True)
    max_restarts = Integer(3, help="kernel restarts per notebook after a crash or hang").tag(config=True)
    slot = Integer(0, help="grading worker number (the sandbox's uid and warm pool)").tag(config=True)
    warm = Bool(True, help="start the next student's kernel while this one runs").tag(config=True)
    collector = AnyTrait(None, allow_none=True, help="callable(nbgrader_resources, kind, items) for the report").tag(
        config=True
    )

    _runners: dict[str, Any] = {}  # noqa: RUF012  (one checked runner per process and kind)

    def limits(self) -> Limits:
        return Limits(
            cell_timeout=self.cell_timeout,
            notebook_timeout=self.notebook_timeout,
            memory_mb=self.memory_mb,
            max_processes=self.max_processes,
            file_mb=self.file_mb,
            tmp_mb=self.tmp_mb,
            cell_output_bytes=self.cell_output_bytes,
            total_output_bytes=self.total_output_bytes,
            max_restarts=self.max_restarts,
        )

    def _runner(self) -> Any:
        if self.sandbox not in self._runners:
            self._runners[self.sandbox] = make_runner(self.sandbox)
        return self._runners[self.sandbox]

    def _files(self, resources: dict[str, Any]) -> tuple[tuple[str, str], ...]:
        """The assignment's data files (from the instructor's source folder, never the student's)."""
        course = self.config.CourseDirectory
        root = Path(course.get("root") or ".")
        source = root / str(course.get("source_directory") or "source") / resources["nbgrader"]["assignment"]
        found = []
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                rel = path.relative_to(source)
                if path.is_symlink() or not path.is_file() or path.suffix == ".ipynb":
                    continue
                if any(part.startswith(".") or part == "__pycache__" for part in rel.parts) or len(rel.parts) > 1:
                    continue
                found.append((rel.as_posix(), str(path.resolve())))
        return tuple(found)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        plan = make_plan(nb.cells)
        for test in plan.tests:  # fail closed: a test cell without our verdict must never score
            _fail(nb.cells[test.index], f"{NOT_GRADED}: the grader did not finish this notebook")
        problems: list[str] = []
        values: dict[str, dict[str, Any]] = {}
        try:
            values = self._run_student_code(nb, plan, resources, problems)
        except SandboxMissingError:
            raise
        except Exception as exc:  # a bug of ours or a broken kernel: this notebook, not the batch
            problems.append(f"grading error: {type(exc).__name__}: {exc}")
            self.log.error("grading error in %s: %s", resources.get("nbgrader"), exc)
        verdicts = tests_for(plan).run(values)
        for test in plan.tests:
            cell, verdict = nb.cells[test.index], verdicts[test.grade_id]
            cell.outputs = []
            if verdict.passed:
                if verdict.output:
                    cell.outputs.append(new_output("stream", name="stdout", text=verdict.output))
            else:
                _fail(cell, verdict.message)
        _report(self.collector, resources, "problems", problems)
        _report(self.collector, resources, "verdicts", [(t.grade_id, verdicts[t.grade_id]) for t in plan.tests])
        student_code = [c.source for c in nb.cells if c.cell_type == "code" and not _locked(c)]
        setup_names = set().union(*(bound_names(src) for _, src in plan.setup)) if plan.setup else set()
        _report(self.collector, resources, "flags", flags.scan(student_code, setup_names))
        return nb, resources

    def _run_student_code(
        self, nb: NotebookNode, plan: Plan, resources: dict[str, Any], problems: list[str]
    ) -> dict[str, dict[str, Any]]:
        limits = self.limits()
        tests = {t.index: t for t in plan.tests}
        setup_index = [index for index, _ in plan.setup]
        recipe = Recipe(limits, self._files(resources), tuple(src for _, src in plan.setup[: plan.prefix]))
        session = _Session(pool_for(self._runner(), self.slot), recipe, self.warm, problems)
        extracted: dict[str, str] = {}
        counter = 0
        try:
            for output, index in zip(session.start(), setup_index[: plan.prefix], strict=False):
                counter += 1
                _store(nb.cells[index], output, counter)
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or index in setup_index[: plan.prefix]:
                    continue
                if session.out_of_time():
                    problems.append(f"notebook time limit ({limits.notebook_timeout:g} s) reached: later cells not run")
                    break
                if index in tests:
                    text = session.extract(list(tests[index].answers))
                    if text is not None:
                        extracted[tests[index].grade_id] = text
                    continue
                if not cell.source.strip():
                    continue
                counter += 1
                output = session.run(index, cell.source, _label(cell, index))
                _store(cell, output, counter)
                if session.given_up:
                    break
        finally:
            session.close()
        values: dict[str, dict[str, Any]] = {}
        for test in plan.tests:
            if test.grade_id not in extracted:
                continue
            try:
                values[test.grade_id] = answers.decode(extracted[test.grade_id], list(test.answers))
            except answers.AnswerError as exc:
                problems.append(f"{test.grade_id}: the answers could not be read ({exc})")
                values[test.grade_id] = {n: answers.Unsupported(str(exc)) for n in test.answers}
        return values


class _Session:
    """One student's run: the kernel, restarts with replay, the notebook deadline."""

    def __init__(self, pool: Any, recipe: Recipe, warm: bool, problems: list[str]) -> None:
        self.pool, self.recipe, self.warm, self.problems = pool, recipe, warm, problems
        self.limits = recipe.limits
        self.deadline = time.monotonic() + self.limits.notebook_timeout
        self.kernel: Any = None
        self.done: list[str] = []  # sources of cells that ran to the end, replayed after a restart
        self.restarts = 0
        self.given_up = False
        self.used = 0

    def start(self) -> list[Output]:
        warm = self.pool.take(self.recipe, ahead=self.warm)
        self.kernel = warm.kernel
        self.deadline = time.monotonic() + self.limits.notebook_timeout
        return warm.outputs

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline

    def _remaining(self, cap: float) -> float:
        return max(0.5, min(cap, self.deadline - time.monotonic()))

    def _restart(self) -> bool:
        """A fresh kernel with the cells that had finished replayed; False when the restarts are used up."""
        with contextlib.suppress(Exception):
            self.kernel.kill()
        self.restarts += 1
        if self.restarts > self.limits.max_restarts:
            self.problems.append(f"gave up after {self.limits.max_restarts} kernel restarts")
            self.given_up = True
            return False
        try:
            self.kernel = self.pool.take(self.recipe, ahead=False).kernel
            for source in self.done:
                if self.out_of_time():
                    return False
                self.kernel.execute(source, self._remaining(self.limits.cell_timeout), store_history=False)
        except Exception as exc:
            self.problems.append(f"the kernel could not be restarted: {exc}")
            self.given_up = True
            return False
        return True

    def run(self, index: int, source: str, label: str) -> Output:
        if (self.kernel is None or not self.kernel.alive()) and not self._restart():
            return Output(status="died")
        budget = max(0, min(self.limits.cell_output_bytes, self.limits.total_output_bytes - self.used))
        out = self.kernel.execute(source, self._remaining(self.limits.cell_timeout), budget=budget or 1)
        self.used += sum(len(str(o)) for o in out.outputs)
        if out.truncated:
            self.problems.append(f"{label}: output cut at the byte limit")
        if out.status in ("ok", "error") or (out.status == "timeout" and self.kernel.alive()):
            if out.status == "timeout":
                self.problems.append(f"{label}: did not finish within {self.limits.cell_timeout:g} s (interrupted)")
            else:
                self.done.append(source)
            return out
        reason = {
            "died": "the kernel died in this cell (crash, exit or a limit)",
            "unresponsive": f"did not finish within {self.limits.cell_timeout:g} s and ignored the interrupt (killed)",
        }.get(out.status, out.status)
        self.problems.append(f"{label}: {reason}")
        out.outputs.append(
            {
                "output_type": "error",
                "ename": "GradingError",
                "evalue": reason,
                "traceback": [f"GradingError: {reason}"],
            }
        )
        self.kernel.kill()
        self.kernel = None
        return out

    def extract(self, names: list[str]) -> str | None:
        if not names:
            return "{}"
        if (self.kernel is None or not self.kernel.alive()) and not self._restart():
            return None
        out = self.kernel.execute(
            answers.extract_code(names), self._remaining(30.0), store_history=False, budget=answers.MAX_BYTES
        )
        if out.status != "ok" or out.truncated:
            self.problems.append(f"the answers {', '.join(names)} could not be read from the kernel ({out.status})")
            if out.status in ("died", "unresponsive"):
                self.kernel.kill()
                self.kernel = None
            return None
        return out.stdout

    def close(self) -> None:
        if self.kernel is not None:
            self.kernel.kill()
            self.kernel = None


def _locked(cell: NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("locked")) and not meta.get("solution")


def _label(cell: NotebookNode, index: int) -> str:
    cid = nbgrader_id(cell)
    return f"cell {index} ({cid})" if cid else f"cell {index}"


def _store(cell: NotebookNode, out: Output, count: int) -> None:
    cell.outputs = [nbformat.from_dict(o) for o in out.outputs]
    cell.execution_count = count


def _fail(cell: NotebookNode, reason: str) -> None:
    cell.outputs = [new_output("error", ename="TestFailed", evalue=reason, traceback=[f"TestFailed: {reason}"])]


REMOVED = "[output removed by brinkmanship: it quoted hidden test code]\n"


def _secret_lines(source: str) -> set[str]:
    lines = source.splitlines()
    return {
        lines[n - 1].strip()
        for n in hidden_lines(source)
        if n - 1 < len(lines) and len(lines[n - 1].strip()) >= 6 and "HIDDEN TESTS" not in lines[n - 1]
    }


def _text(out: NotebookNode) -> str:
    if out.get("output_type") == "stream":
        return out.get("text", "")
    if out.get("output_type") == "error":
        return "\n".join([out.get("evalue", ""), *out.get("traceback", [])])
    return "\n".join(str(v) for v in out.get("data", {}).values())


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden test code from sources and outputs; a test cell keeps only its verdict."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        secrets: set[str] = set()
        for cell in nb.cells:
            if cell.cell_type == "code" and HIDDEN_BEGIN in cell.source:
                secrets |= _secret_lines(cell.source)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            hidden_here = HIDDEN_BEGIN in cell.source
            if hidden_here:
                keep = set(range(1, len(cell.source.splitlines()) + 1)) - hidden_lines(cell.source)
                lines = cell.source.splitlines()
                cell.source = "\n".join(lines[n - 1] for n in sorted(keep)) + "\n# (hidden tests run here)"
            if is_test(cell) and hidden_here:
                errors = [o for o in cell.outputs if o.get("output_type") == "error"]
                cell.outputs = []
                if errors:
                    verdict = errors[-1].get("evalue", "") or "the test failed"
                    message = verdict if not any(s in verdict for s in secrets) else "a hidden test failed"
                    _fail(cell, message)
            cell.outputs = [
                new_output("stream", name="stdout", text=REMOVED) if any(s in _text(o) for s in secrets) else o
                for o in cell.outputs
            ]
        return nb, resources


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


WAITING = "*Not graded yet: this answer is waiting for your instructor.*"


class ExplainPending(NbGraderPreprocessor):
    """Say in the feedback what is not final: written answers awaiting a hand grade, and lateness.

    nbgrader's feedback page prints an ungraded written answer as ``Score: 0.0``; a student reading it
    would think the answer earned nothing. This step (after ``GetGrades``) adds a note above each such answer
    and one at the top saying what the total does not include yet, and when the work arrived.
    """

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        from nbgrader.api import Gradebook, MissingEntry

        info = resources["nbgrader"]
        pending: set[str] = set()
        late_seconds, stamp = 0.0, None
        with Gradebook(info["db_url"], self.config.CourseDirectory.get("course_id") or "default_course") as gb:
            try:
                submitted = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            except MissingEntry:
                return nb, resources
            pending = {g.name for g in submitted.grades if g.needs_manual_grade and g.manual_score is None}
            late_seconds = float(submitted.assignment.total_seconds_late or 0.0)
            stamp = submitted.assignment.timestamp
        cells = []
        lines = []
        if pending:
            lines.append(
                f"**{len(pending)} written answer(s) are still waiting for your instructor's grade.** They show as "
                "0 below until then: the total above is not final."
            )
        if stamp is None:
            lines.append("Arrival time: not recorded, so lateness was not judged.")
        elif late_seconds > 0:
            lines.append(
                f"Received {stamp:%Y-%m-%d %H:%M} UTC, **{late_seconds / 3600:.1f} hours after the due date**."
            )
        else:
            lines.append(f"Received {stamp:%Y-%m-%d %H:%M} UTC, on time.")
        cells.append(nbformat.v4.new_markdown_cell("\n\n".join(lines)))
        for cell in nb.cells:
            if nbgrader_id(cell) in pending:
                cells.append(
                    nbformat.v4.new_markdown_cell("*Not graded yet: this answer is waiting for your instructor.*")
                )
            cells.append(cell)
        nb.cells = cells
        return nb, resources
