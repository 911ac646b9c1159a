"""The ``brinkmanship`` command: instructor and self-learner tools over nbgrader."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from brinkmanship import __version__

GRADE_EPILOG = """\
submissions:
  <student>/<assignment>/<notebook>.ipynb   what `nbgrader collect` writes (also <student>/<notebook>.ipynb)
  <student>_<anything>_<notebook>.ipynb     LMS downloads, loose in a folder or in a .zip (Canvas:
                                            alice_12345_67890_actors.ipynb, alice_LATE_1_2_actors-1.ipynb)
  The notebook is the longest known notebook name the file name ends with (after dropping -1, -Copy1,
  " (1)"); the student id is the first "_"-separated token. Several files for one student and notebook:
  the newest is graded.
lateness:
  decided on the grader's side, never from timestamp.txt: the zip entry time (read as UTC) or the file's
  modification time when found. Due date: --duedate or the one already in the gradebook.
resuming:
  a rerun grades only new or changed submissions (content hash; a changed assignment or limit regrades
  all); --force regrades everything. Report: grading-report-<assignment>.json in the course.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="brinkmanship", description=__doc__)
    parser.add_argument("--version", action="version", version=f"brinkmanship {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    validate = sub.add_parser("validate-data", help="validate datasets/ against datapackage.json")
    validate.set_defaults(func=_validate_data)

    course = argparse.ArgumentParser(add_help=False)
    course.add_argument("--course", metavar="DIR", help="course directory (default: current folder or the clone)")

    rel = sub.add_parser("release", parents=[course], help="regenerate assignments/ from solutions/ with nbgrader")
    rel.add_argument("assignment", nargs="?", help="one assignment (default: all)")
    rel.add_argument("--check", action="store_true", help="only report files that are out of date (exit 1 if any)")
    rel.set_defaults(func=_release)

    chk = sub.add_parser(
        "check", parents=[course], help="grade a copy of your notebook against all tests, hidden ones included"
    )
    chk.add_argument("notebook", type=Path)
    chk.add_argument("--assignment", help="assignment name (default: found from the notebook)")
    chk.add_argument("--timeout", type=int, default=60, help="seconds per cell (default 60)")
    chk.set_defaults(func=_check)

    grd = sub.add_parser(
        "grade",
        parents=[course],
        help="autograde submissions in parallel into the gradebook",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=GRADE_EPILOG,
    )
    grd.add_argument("assignment")
    grd.add_argument(
        "submissions",
        type=Path,
        help="folder (<student>/<assignment>/<notebook>.ipynb, or LMS files "
        "<student>_..._<notebook>.ipynb) or a zip of LMS files",
    )
    grd.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count)")
    grd.add_argument(
        "--db",
        metavar="URL",
        help="gradebook URL, e.g. postgresql://user@host/db (default: the course's nbgrader_config.py)",
    )
    grd.add_argument("--timeout", type=int, default=60, help="seconds per cell (default 60)")
    grd.add_argument(
        "--notebook-timeout",
        type=int,
        default=None,
        help="seconds per notebook, all cells and restarts (default 5 x --timeout)",
    )
    grd.add_argument("--memory", type=int, default=2048, help="MiB of address space per kernel (default 2048)")
    grd.add_argument("--max-output", type=int, default=100_000, help="bytes of output kept per cell")
    grd.add_argument("--duedate", help="due date, ISO 8601 (default: the one in the gradebook, if any)")
    grd.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    grd.add_argument(
        "--report",
        type=Path,
        help="where to write the JSON report (default grading-report-<assignment>.json in the course)",
    )
    grd.add_argument("--no-progress", action="store_true", help="no progress bar")
    grd.add_argument(
        "--no-sandbox",
        action="store_true",
        help="UNSAFE: run student code without bubblewrap (only for notebooks you trust)",
    )
    grd.set_defaults(func=_grade)

    fb = sub.add_parser("feedback", parents=[course], help="HTML feedback per student, hidden tests kept hidden")
    fb.add_argument("assignment")
    fb.add_argument("--student", action="append", help="only this student (repeatable)")
    fb.add_argument("--db", metavar="URL", help="gradebook URL (default: the course's)")
    fb.set_defaults(func=_feedback)

    ex = sub.add_parser("export", parents=[course], help="grades CSV, item analysis and a histogram of totals")
    ex.add_argument("assignment", nargs="?", help="one assignment (default: all in the gradebook)")
    ex.add_argument("--out", type=Path, default=None, help="output folder (default <course>/exports)")
    ex.add_argument("--db", metavar="URL", help="gradebook URL (default: the course's)")
    ex.set_defaults(func=_export)
    return parser


def _validate_data(args: argparse.Namespace) -> int:
    from brinkmanship import data

    tables = data.load_all()
    for name, frame in tables.items():
        print(f"{name:12s} {len(frame):4d} rows  ok")
    return 0


def _release(args: argparse.Namespace) -> int:
    from brinkmanship.grading import course, release

    root = course.course_root(args.course)
    differing = release.release(root, [args.assignment] if args.assignment else None, check=args.check)
    if args.check:
        if differing:
            print("assignments/ is out of date with solutions/; run `brinkmanship release`. Differs:")
            print("\n".join(f"  {path}" for path in differing))
            return 1
        print("assignments/ is up to date")
        return 0
    print("\n".join(f"wrote {p}" for p in differing) if differing else "assignments/ was already up to date")
    return 0


def _check(args: argparse.Namespace) -> int:
    from brinkmanship.grading import check

    return check.main(args.notebook, course=args.course, assignment=args.assignment, timeout=args.timeout)


def _grade(args: argparse.Namespace) -> int:
    from brinkmanship.grading import course, grade

    root = course.course_root(args.course)
    data = grade.grade(
        root,
        args.assignment,
        args.submissions,
        workers=args.workers,
        db_url=args.db,
        timeout=args.timeout,
        total_timeout=args.notebook_timeout,
        memory_mb=args.memory,
        output_bytes=args.max_output,
        force=args.force,
        duedate=args.duedate,
        progress=not args.no_progress,
        report_path=args.report,
        sandbox="none" if args.no_sandbox else "bwrap",
    )
    _print_grade_report(data, args.report or root / f"grading-report-{args.assignment}.json")
    return 1 if data["last_run"]["not_graded"] else 0


def _print_grade_report(data: dict, path: Path) -> None:
    from brinkmanship.grading.intake import printable

    run = data["last_run"]
    students = {s: data["students"][s] for s in run["graded"] + run["not_graded"]}
    if run["sandbox"] == "none":
        from brinkmanship.grading.sandbox import UNSAFE_WARNING

        print(UNSAFE_WARNING, file=sys.stderr)
    print(data["summary"])
    with_problems = sum(1 for s in students.values() if s["problems"])
    print(
        f"\ngraded {len(run['graded'])}, not graded {len(run['not_graded'])}, unchanged and skipped "
        f"{len(run['skipped_unchanged'])}; {with_problems} with problems, in {run['seconds']} s"
    )
    for warning in run["warnings"]:
        print(f"note: {printable(warning)}")
    for student, s in students.items():
        for problem in s["problems"]:
            print(f"  {printable(student)}: {printable(problem)}")
    for item in run["files_not_used"]:
        who = f"{item['student']}: " if item["student"] else ""
        print(f"  file {printable(item['path'])}: {who}{printable(item['reason'])}")
    flagged = [s for s, v in students.items() if v["flags"]]
    if flagged:
        print(f"code to look at (no effect on scores): {', '.join(printable(s) for s in flagged)} (see the report)")
    print(f"report: {path}")


def _feedback(args: argparse.Namespace) -> int:
    from brinkmanship.grading import course, feedback

    root = course.course_root(args.course)
    written, failed = feedback.generate(root, args.assignment, students=args.student, db_url=args.db)
    for path in written:
        print(f"wrote {path}")
    for failure in failed:
        print(f"feedback failed for {failure}", file=sys.stderr)
    return 1 if failed else 0


def _export(args: argparse.Namespace) -> int:
    from brinkmanship.grading import course, export

    root = course.course_root(args.course)
    for path in export.export(root, args.assignment, out=args.out, db_url=args.db):
        print(f"wrote {path}")
    return 0


def _ensure_bin_on_path() -> None:
    """nbgrader runs `alembic` by name: make this interpreter's bin folder findable."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    _ensure_bin_on_path()
    from brinkmanship.grading.course import GradingError

    try:
        return int(args.func(args) or 0)
    except GradingError as exc:
        print(f"brinkmanship {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"\nbrinkmanship {args.command}: interrupted. Grades already written are kept; run the same "
            "command again to continue where it stopped.",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
