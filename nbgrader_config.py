"""nbgrader configuration for the brinkmanship course (read from the repository root).

Everything lives in ``brinkmanship.grading.config.course_config`` so that nbgrader's commands, the formgrader
and ``brinkmanship`` grade alike: student code in a bubblewrap sandbox, tests in a trusted process, hidden
tests never in feedback. Environment: ``BRINKMANSHIP_DB_URL`` (e.g. ``postgresql://user@host/brinkmanship``)
for the gradebook, ``BRINKMANSHIP_EXCHANGE`` for a shared nbgrader exchange folder.
"""

from pathlib import Path

from brinkmanship.grading.config import course_config

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)
c.merge(course_config(Path(__file__).resolve().parent))
