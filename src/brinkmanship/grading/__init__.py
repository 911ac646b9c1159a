"""The instructor and self-learner side of the course, built on nbgrader's converters and gradebook.

nbgrader does the grading (cell restoration, scores, late penalties, the gradebook, feedback); this package
adds what a real class needs, as nbgrader preprocessors configured in one place (``config``): a rebuild on the
release so an edited or duplicated cell costs at most that question, student code in a bubblewrap sandbox
(``sandbox``) with tests in a trusted process that never runs student code (``trusted``), hostile-safe intake,
parallel resumable batches, and feedback that never shows hidden tests.
"""

import sys as _sys

# Importing nbgrader pulls in jupyter_events -> jsonschema's optional "iri" format checker, whose grammar
# (rfc3987_syntax) takes over a second to build at import and is never used when grading. Every grading
# process (the command and each worker) imports nbgrader, so skipping it cuts start-up from ~2.2 s to ~0.9 s.
# jsonschema treats the module as an optional extra and simply leaves that format unchecked.
if "rfc3987_syntax" not in _sys.modules:
    _sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
