"""The instructor and self-learner side of the course, built on nbgrader's converters and gradebook.

nbgrader does the grading (cell restoration, execution, scores, late penalties, feedback); this package adds
what a real class needs around it: a sanitising pass so one edited or duplicated cell costs at most that
question, an isolated and time/memory/output-limited kernel whose verdicts are proven on the grader's side,
parallel resumable batches, and safe feedback and exports.
"""

import sys as _sys

# Importing nbgrader pulls in jupyter_events -> jsonschema's optional "iri" format checker, whose grammar
# (rfc3987_syntax) takes over a second to build at import and is never used when grading. Every grading
# process (the command and each worker) imports nbgrader, so skipping it cuts start-up from ~2.2 s to ~0.9 s.
# jsonschema treats the module as an optional extra and simply leaves that format unchecked.
if "rfc3987_syntax" not in _sys.modules:
    _sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
