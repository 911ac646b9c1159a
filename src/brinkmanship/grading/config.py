"""The course's nbgrader configuration, in one place.

``nbgrader_config.py`` at the course root calls :func:`course_config`, so nbgrader's own commands, the
formgrader (its Autograde and Generate feedback buttons included) and ``brinkmanship`` all grade the same
way: student code in the sandbox, tests in a trusted process, hidden tests kept out of feedback.
"""

from __future__ import annotations

import os
from pathlib import Path

from traitlets.config import Config

COURSE_ID = "brinkmanship"
SOURCE_DIR = "solutions"
RELEASE_DIR = "assignments"
CODE_STUB = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
TEXT_STUB = "YOUR ANSWER HERE"
PP = "brinkmanship.grading.preprocessors"


def sqlite_url(path: Path) -> str:
    """A sqlite gradebook URL that waits for other writers (parallel workers share one file)."""
    return f"sqlite:///{path}?timeout=60"


def course_config(root: Path, db_url: str | None = None) -> Config:
    """nbgrader settings for the course at ``root`` (gradebook: ``db_url``, else env, else sqlite)."""
    c = Config()
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = SOURCE_DIR
    c.CourseDirectory.release_directory = RELEASE_DIR
    # nbgrader's default "solution" is one letter away from "solutions"
    c.CourseDirectory.solution_directory = "instructor_solutions"
    c.CourseDirectory.db_url = db_url or os.environ.get("BRINKMANSHIP_DB_URL") or sqlite_url(root / "gradebook.db")
    exchange = os.environ.get("BRINKMANSHIP_EXCHANGE")
    if exchange:
        c.Exchange.root = exchange
    c.ClearSolutions.code_stub = CODE_STUB
    c.ClearSolutions.text_stub = TEXT_STUB

    c.Autograde.sanitize_preprocessors = [
        f"{PP}.RebuildFromRelease",
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "nbgrader.preprocessors.OverwriteCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.Autograde.autograde_preprocessors = [
        f"{PP}.SandboxedExecute",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.Autograde.permissions = 644  # nbgrader's default 444 leaves read-only files behind
    c.LimitOutput.max_lines = 1000
    c.GenerateFeedback.preprocessors = [
        f"{PP}.HideHiddenTests",
        "nbgrader.preprocessors.GetGrades",
        f"{PP}.ExplainPending",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    return c


def load_course_config(root: Path, db_url: str | None = None) -> Config:
    """The course's own ``nbgrader_config.py`` (with the instructor's additions, e.g. a late-penalty
    plugin), or :func:`course_config` for a folder without one; ``db_url`` overrides the gradebook."""
    from traitlets.config.loader import PyFileConfigLoader

    config = course_config(root, db_url)
    if (root / "nbgrader_config.py").is_file():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
        config.CourseDirectory.root = str(root)
        if db_url:
            config.CourseDirectory.db_url = db_url
    return config
