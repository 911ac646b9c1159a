"""Generate the student versions of the assignments and autograde batches of submissions in throw-away courses.

Shared by tests/test_assignments.py and the `brinkmanship release` command. nbgrader always writes a
gradebook.db next to its config, and hidden tests are stored in it in plain text, so nothing here runs
nbgrader inside the repository: each call copies what nbgrader needs (nbgrader_config.py, autotests.yml,
solutions/<assignment>/) into a temporary course, runs there, and copies only the result back.

Generation is deterministic: nbgrader's checksums and hashed-autotest salts derive from the cell sources,
cell ids come from the source notebooks, and the only volatile metadata (execution timings) is stripped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat

ASSIGNMENTS: tuple[str, ...] = ("actors", "strategies", "sources", "capstone")
SOURCE_DIR = "solutions"
RELEASE_DIR = "assignments"
COURSE_FILES = ("nbgrader_config.py", "autotests.yml")
# cell and notebook metadata that front ends add while a notebook is open; never part of an assignment
VOLATILE_CELL_KEYS = ("execution", "collapsed", "scrolled", "ExecuteTime", "jupyter")
VOLATILE_NB_KEYS = ("widgets", "toc", "varInspector")


class GenerationError(RuntimeError):
    """nbgrader failed to generate an assignment; the message carries nbgrader's log."""


def _env() -> dict[str, str]:
    """The environment for nbgrader: venv bin first (it calls alembic and jupyter by name), and no
    BRINKMANSHIP_DB_URL, so a throw-away course can never write to the real gradebook."""
    env = {k: v for k, v in os.environ.items() if k != "BRINKMANSHIP_DB_URL"}
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def _nbgrader(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout
    )


def make_course(repo_root: Path, course: Path, assignments: tuple[str, ...] | list[str]) -> Path:
    """A course folder holding copies of the config, the autotest templates and the named source folders."""
    course.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        src = repo_root / name
        if not src.is_file():
            raise FileNotFoundError(f"{src} is missing: the course needs it to generate assignments")
        shutil.copy(src, course / name)
    for assignment in assignments:
        src = repo_root / SOURCE_DIR / assignment
        if not any(src.glob("*.ipynb")):
            raise FileNotFoundError(f"no source notebook in {src}")
        dest = course / SOURCE_DIR / assignment
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return course


def normalise(path: Path) -> None:
    """Strip front-end metadata and rewrite in nbformat's canonical layout, so output is byte-stable."""
    nb = nbformat.read(path, as_version=4)
    for key in VOLATILE_NB_KEYS:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, path)


def generate_in(course: Path, assignment: str) -> Path:
    """Run `nbgrader generate_assignment` inside ``course`` (cwd = course) and normalise the output."""
    run = _nbgrader(["generate_assignment", assignment, "--force"], cwd=course)
    out = course / RELEASE_DIR / assignment
    if run.returncode != 0 or not any(out.glob("*.ipynb")):
        raise GenerationError(
            f"nbgrader generate_assignment {assignment} failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}"
        )
    for nb_path in sorted(out.glob("*.ipynb")):
        normalise(nb_path)
    return out


def generate(assignment: str, course_dir: Path | str, out_dir: Path | str | None = None) -> Path:
    """Generate ``assignment`` from ``course_dir``/solutions into ``out_dir``/<assignment>.

    ``out_dir`` defaults to ``course_dir``/assignments. The work happens in a temporary course, so no
    gradebook.db (which would hold the hidden tests) is created in ``course_dir``. Returns the folder written.
    """
    course_dir = Path(course_dir).resolve()
    target_root = Path(out_dir) if out_dir is not None else course_dir / RELEASE_DIR
    with tempfile.TemporaryDirectory(prefix=f"gen-{assignment}-") as tmp:
        course = make_course(course_dir, Path(tmp) / "course", [assignment])
        produced = generate_in(course, assignment)
        target = target_root / assignment
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(produced, target)
    return target


# ---------------------------------------------------------------------------------------------------------
# submissions and autograding


def solution_sources(source_nb: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> source of every solution cell (code and written answers) of an instructor notebook."""
    out = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = cell.source
    return out


def strip_solution_markers(source: str) -> str:
    """The text a student would type: the instructor's answer without nbgrader's delimiters."""
    return "\n".join(
        line for line in source.split("\n") if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def submission(release_nb: nbformat.NotebookNode, answers: Mapping[str, str]) -> nbformat.NotebookNode:
    """A copy of the student version with the solution cells named in ``answers`` filled in."""
    nb = nbformat.from_dict(release_nb)
    unknown = set(answers) - {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    if unknown:
        raise KeyError(f"no cell with grade_id {sorted(unknown)} in the student version")
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def full_marks_answers(source_nb: nbformat.NotebookNode) -> dict[str, str]:
    """Every solution cell answered as in the instructor version (delimiters removed)."""
    return {gid: strip_solution_markers(src) for gid, src in solution_sources(source_nb).items()}


@dataclass
class BatchResult:
    """Scores per student and grade cell, and what the batch run printed."""

    scores: dict[str, dict[str, float | None]]
    max_scores: dict[str, float]
    auto: dict[str, bool]  # grade_id -> True for autograded (code) cells, False for written answers
    returncode: int
    log: str
    seconds: float
    course: Path

    def autograded(self, student: str) -> dict[str, float]:
        """grade_id -> auto score of the autograded cells (None, i.e. not graded, counts as 0)."""
        return {k: v or 0.0 for k, v in self.scores[student].items() if self.auto[k]}


def autograde_batch(
    repo_root: Path, assignment: str, submissions: Mapping[str, nbformat.NotebookNode], workdir: Path
) -> BatchResult:
    """Generate ``assignment`` in a course under ``workdir`` and autograde all ``submissions`` in ONE run.

    Returns the scores read from that course's gradebook: for each student, grade_id -> auto score
    (None when nbgrader could not grade the cell).
    """
    from nbgrader.api import Gradebook

    course = make_course(repo_root, workdir / "course", [assignment])
    generate_in(course, assignment)
    for student, nb in submissions.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    start = time.perf_counter()
    run = _nbgrader(["autograde", assignment], cwd=course)
    seconds = time.perf_counter() - start
    scores: dict[str, dict[str, float | None]] = {}
    max_scores: dict[str, float] = {}
    auto: dict[str, bool] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in submissions:
            sub = gb.find_submission(assignment, student)
            scores[student] = {}
            for nb in sub.notebooks:
                for grade in nb.grades:
                    scores[student][grade.name] = grade.auto_score
                    max_scores[grade.name] = grade.max_score
                    auto[grade.name] = grade.cell.cell_type == "code"
    return BatchResult(scores, max_scores, auto, run.returncode, run.stdout + run.stderr, seconds, course)


@dataclass
class LearnerRun:
    """What a self-learner sees when running the student version: per test cell, the error (if any)."""

    errors: dict[str, str | None]  # test grade_id -> "AssertionError: message" or None, all answers right
    stderr: dict[str, str]  # test grade_id -> anything the test cell wrote to stderr
    probes: dict[str, str | None]  # answer grade_id -> error of its test cell when that answer is wrong


def learner_run(
    release_nb: nbformat.NotebookNode,
    answers: Mapping[str, str],
    probes: Mapping[str, tuple[str, str]],
    cwd: Path,
    timeout: int = 60,
) -> LearnerRun:
    """Execute the student version with ``answers`` in one kernel, as a learner would (no hidden tests).

    Then, for each ``probes`` entry ``answer_id -> (wrong source, test_id)``, run the wrong answer, the test
    cell, and the right answer again, recording the test cell's error: the visible and hashed checks alone
    must tell the learner the answer is wrong.
    """
    from nbclient import NotebookClient

    nb = submission(release_nb, answers)
    tests = {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    }
    base = len(nb.cells)
    extra, probe_index = [], {}
    for i, (answer_id, (wrong, test_id)) in enumerate(probes.items()):
        extra.append(nbformat.v4.new_code_cell(wrong, id=f"probe-{i}-wrong"))
        probe_index[answer_id] = base + len(extra)
        extra.append(nbformat.v4.new_code_cell(tests[test_id].source, id=f"probe-{i}-test"))
        extra.append(nbformat.v4.new_code_cell(answers[answer_id], id=f"probe-{i}-right"))
    nb.cells = list(nb.cells) + extra
    client = NotebookClient(
        nb, timeout=timeout, allow_errors=True, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()

    def error_of(cell: nbformat.NotebookNode) -> str | None:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                return f"{out.ename}: {out.evalue}"
        return None

    errors, stderr = {}, {}
    for cell in nb.cells[:base]:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in tests:
            errors[gid] = error_of(cell)
            stderr[gid] = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")
    return LearnerRun(errors, stderr, {a: error_of(nb.cells[i]) for a, i in probe_index.items()})


if __name__ == "__main__":  # python tests/assignment_helpers.py [assignment ...]: regenerate assignments/
    repo = Path(__file__).resolve().parents[1]
    for name in sys.argv[1:] or ASSIGNMENTS:
        print(f"generated {generate(name, repo).relative_to(repo)}")
