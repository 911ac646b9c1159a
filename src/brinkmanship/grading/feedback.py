"""``brinkmanship feedback``: nbgrader's HTML feedback with hidden tests reduced to passed/failed and points.

nbgrader's feedback shows hidden tests in full, and IPython tracebacks print whole failing cells. Before
nbgrader renders, ``HideHiddenTests`` cuts the hidden region from every test cell, replaces a failing test's
outputs by its verdict line, and removes any output anywhere in the notebook that quotes a hidden test line
(student code can print its own stack).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_output
from traitlets import Bool

from brinkmanship.grading.course import default_db_url, find_assignment
from brinkmanship.grading.guard import HIDDEN_BEGIN, hidden_lines
from brinkmanship.grading.release import quiet_logger
from brinkmanship.grading.sanitize import is_test, nbgrader_id

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


class HideHiddenTests(Preprocessor):
    """Remove hidden test code from sources and outputs; keep only the verdict of a test cell."""

    enabled = Bool(True)

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
            if is_test(cell) and nbgrader_id(cell) and hidden_here:
                # Output printed while hidden tests ran could echo their values: keep the verdict only.
                errors = [o for o in cell.outputs if o.get("output_type") == "error"]
                cell.outputs = []
                if errors:
                    verdict = errors[-1].get("evalue", "") or "the test failed"
                    message = verdict if not any(s in verdict for s in secrets) else "a hidden test failed"
                    cell.outputs.append(
                        new_output("error", ename="TestFailed", evalue=message, traceback=[f"TestFailed: {message}"])
                    )
            cell.outputs = [
                new_output("stream", name="stdout", text=REMOVED) if any(s in _text(o) for s in secrets) else o
                for o in cell.outputs
            ]
        return nb, resources


def generate(root: Path, assignment: str, students: list[str] | None = None, db_url: str | None = None) -> list[Path]:
    """Write feedback/<student>/<assignment>/<notebook>.html for every autograded submission."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades
    from traitlets.config import Config

    find_assignment(root, assignment)
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = "solutions"
    config.CourseDirectory.release_directory = "assignments"
    config.CourseDirectory.course_id = "brinkmanship"
    config.CourseDirectory.db_url = db_url or default_db_url(root)
    config.GenerateFeedback.force = True
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    targets = students or sorted(p.parent.name for p in (root / "autograded").glob(f"*/{assignment}") if p.is_dir())
    written: list[Path] = []
    log = quiet_logger()
    for student in targets:
        coursedir.student_id = student
        converter = GenerateFeedback(coursedir=coursedir, config=config, log=log)
        converter.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
        try:
            converter.start()
        except Exception as exc:
            print(f"feedback for {student} failed: {exc}")
            continue
        written += sorted((root / "feedback" / student / assignment).glob("*.html"))
    return written
