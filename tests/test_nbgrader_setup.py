"""nbgrader reads instructor notebooks from solutions/ and writes student versions to assignments/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

pytestmark = pytest.mark.slow


def _tiny_source_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    answer = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION")
    answer.metadata["nbgrader"] = {
        "grade": False,
        "solution": True,
        "locked": False,
        "grade_id": "q1_answer",
        "schema_version": 3,
    }
    test = nbformat.v4.new_code_cell(
        "assert isinstance(answer, int)\n### BEGIN HIDDEN TESTS\nassert answer == 42\n### END HIDDEN TESTS"
    )
    test.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": "q1_test",
        "points": 1,
        "schema_version": 3,
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny"), answer, test]
    return nb


def test_config_values(repo_root: Path) -> None:
    config = PyFileConfigLoader("nbgrader_config.py", path=str(repo_root)).load_config()
    assert config.CourseDirectory.course_id == "brinkmanship"
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "assignments"
    assert config.CourseDirectory.root == str(repo_root)
    assert config.CourseDirectory.db_url == f"sqlite:///{repo_root / 'gradebook.db'}?timeout=60"
    # nbgrader's own autograde (and formgrader's button) runs student code in the sandbox, tests outside it
    pipeline = config.Autograde.autograde_preprocessors
    assert pipeline[0] == "brinkmanship.grading.preprocessors.SandboxedExecute"
    assert "nbgrader.preprocessors.Execute" not in pipeline
    assert config.Autograde.sanitize_preprocessors[0] == "brinkmanship.grading.preprocessors.RebuildFromRelease"
    # every feedback path hides hidden tests (formgrader's "Generate feedback" included)
    assert config.GenerateFeedback.preprocessors[0] == "brinkmanship.grading.preprocessors.HideHiddenTests"


def test_gradebook_is_git_ignored(repo_root: Path) -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", "gradebook.db"], cwd=repo_root)
    assert ignored.returncode == 0


def test_generate_assignment_reads_solutions_writes_assignments(nb_course: Path) -> None:
    (nb_course / "solutions" / "tiny").mkdir()
    nbformat.write(_tiny_source_notebook(), nb_course / "solutions" / "tiny" / "tiny.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "tiny"], cwd=nb_course, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    released = nb_course / "assignments" / "tiny" / "tiny.ipynb"
    assert released.is_file()
    assert not (nb_course / "release").exists() and not (nb_course / "source").exists()
    text = released.read_text()
    assert "answer = 42" not in text and "HIDDEN TESTS" not in text
    assert "raise NotImplementedError()" in text and "assert isinstance(answer, int)" in text
    assert (nb_course / "gradebook.db").is_file()
