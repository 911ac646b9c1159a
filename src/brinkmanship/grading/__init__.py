"""The instructor and self-learner side of the course, built on nbgrader's converters and gradebook.

nbgrader does the grading (cell restoration, execution, scores, late penalties, feedback); this package adds
what a real class needs around it: a sanitising pass so one edited or duplicated cell costs at most that
question, an isolated and time/memory/output-limited kernel whose verdicts are proven on the grader's side,
parallel resumable batches, and safe feedback and exports.
"""
