"""Generate student versions with nbgrader, in a throw-away course, and keep assignments/ in sync.

nbgrader writes a gradebook next to the course whenever it generates an assignment; running it on a copy
keeps the repository clean. Output is normalised (nbformat's sorted-key JSON, one trailing newline) so a
regeneration is byte-identical and ``--check`` can compare files exactly.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat

from brinkmanship.grading.course import (
    COURSE_ID,
    RELEASE_DIR,
    SOURCE_DIR,
    Assignment,
    GradingError,
    assignments,
    course_config,
    find_assignment,
    patch_nbgrader_alembic_head,
    sqlite_url,
)


@dataclass
class Generated:
    """A generated assignment: release notebooks (normalised) and the gradebook nbgrader filled."""

    course: Path
    name: str
    db_url: str

    @property
    def release_dir(self) -> Path:
        return self.course / RELEASE_DIR / self.name

    def release_notebook(self, notebook: str) -> nbformat.NotebookNode:
        return nbformat.read(self.release_dir / f"{notebook}.ipynb", as_version=4)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def quiet_logger(name: str = "brinkmanship.nbgrader") -> logging.Logger:
    """nbgrader's chatter off the terminal; its errors kept (``errors(log)``) to explain failures."""
    log = logging.getLogger(name)
    log.propagate = False
    if not log.handlers:
        log.addHandler(_Collect())
    log.setLevel(logging.ERROR)
    for handler in log.handlers:
        if isinstance(handler, _Collect):
            handler.lines.clear()
    return log


def errors(log: logging.Logger) -> str:
    lines = [line for h in log.handlers if isinstance(h, _Collect) for line in h.lines]
    return "\n".join(lines[-5:])


def generate(assignment: Assignment, work: Path, db_url: str | None = None, duedate: str | None = None) -> Generated:
    """Run nbgrader's GenerateAssignment on a copy of ``assignment`` inside ``work``; return the result."""
    from nbgrader.api import Gradebook
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    patch_nbgrader_alembic_head()
    course = work / "course"
    shutil.copytree(
        assignment.source_dir,
        course / SOURCE_DIR / assignment.name,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    url = db_url or sqlite_url(work / "gradebook.db")
    autotests = assignment.source_dir.parents[1] / "autotests.yml"  # nbgrader's AUTOTEST templates
    if autotests.is_file():
        shutil.copy(autotests, course / "autotests.yml")
    config = course_config(course, url)
    config.GenerateAssignment.force = True
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment.name
    with Gradebook(url, COURSE_ID) as gb:
        gb.update_or_create_assignment(assignment.name, **({"duedate": duedate} if duedate else {}))
    log = quiet_logger()
    converter = GenerateAssignment(coursedir=coursedir, config=config, log=log)
    try:
        with _quiet_autotest_kernel():
            converter.start()
    except Exception as exc:
        raise GradingError(f"nbgrader could not generate {assignment.name!r}: {errors(log) or exc}") from exc
    generated = Generated(course, assignment.name, url)
    for path in generated.release_dir.rglob("*.ipynb"):
        normalise(path)
    return generated


@contextlib.contextmanager
def _quiet_autotest_kernel() -> Iterator[None]:
    """nbgrader's InstantiateTests starts a kernel whose start-up warnings would reach the user's terminal."""
    import nbgrader.preprocessors.instantiatetests as autotests

    original = autotests.start_new_kernel
    autotests.start_new_kernel = functools.partial(original, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        yield
    finally:
        autotests.start_new_kernel = original


def normalise(path: Path) -> None:
    """Rewrite a notebook canonically: no outputs or counts, sorted keys, stable ids."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    path.write_text(nbformat.writes(nb).rstrip("\n") + "\n", encoding="utf-8")


def _files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
    }


def release(root: Path, names: list[str] | None = None, check: bool = False) -> list[str]:
    """Regenerate ``assignments/`` (or only compare with ``check``); return the differing paths."""
    names = names or assignments(root)
    if not names:
        raise GradingError(f"no assignments found in {root / SOURCE_DIR}")
    differing: list[str] = []
    for name in names:
        assignment = find_assignment(root, name)
        with tempfile.TemporaryDirectory(prefix="brinkmanship-release-") as tmp:
            fresh = _files(generate(assignment, Path(tmp)).release_dir)
        target = root / RELEASE_DIR / name
        current = _files(target)
        for rel in sorted(set(fresh) | set(current)):
            if fresh.get(rel) != current.get(rel):
                differing.append(f"{RELEASE_DIR}/{name}/{rel}")
                if check:
                    continue
                dest = target / rel
                if rel in fresh:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(fresh[rel])
                else:
                    dest.unlink()
    return differing
