"""Grading throughput: plain sequential ``nbgrader autograde`` against ``brinkmanship grade --workers 2``.

Both grade the same N synthetic submissions (honest, partly wrong, blank) of one assignment in separate
throw-away copies of the course, in the same run; the script prints both wall times, the ratio, the machine
load, and checks that every student got the same autograded score from both.

    .venv/bin/python benchmarks/grading.py [--n 40] [--workers 2] [--assignment sources]

By default it grades a real course assignment (``sources``): a quarter of the submissions answer every
question with the instructor's solution code, a quarter answer half the questions, a quarter one question,
and a quarter are the untouched student version. ``--assignment ps_fixture`` uses the small test fixture
(honest, partly wrong and blank answers to three toy questions) instead.
"""

from __future__ import annotations

import argparse
import copy
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import grading_helpers as g  # noqa: E402
import nbformat  # noqa: E402

from brinkmanship.grading import release  # noqa: E402


def make_course(tmp: Path, assignment: str) -> Path:
    """A throw-away course: the fixture course, plus the real assignment's solutions when one is asked for."""
    course = g.make_course(tmp, REPO)
    if assignment != g.ASSIGNMENT:
        shutil.copytree(REPO / "solutions" / assignment, course / "solutions" / assignment)
        if (REPO / "autotests.yml").is_file():
            shutil.copy(REPO / "autotests.yml", course / "autotests.yml")
    return course


def _solution_code(source: str) -> str:
    """Instructor code without nbgrader's solution markers: what a student who got it right would type."""
    return "\n".join(
        line for line in source.splitlines() if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def submit(subs: Path, student: str, assignment: str, nb: nbformat.NotebookNode) -> None:
    path = subs / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def make_submissions(course: Path, n: int, assignment: str) -> Path:
    subs = course.parent / "subs"
    if assignment == g.ASSIGNMENT:
        rel = g.released(course)
        for i in range(n):
            kind = i % 4
            nb = {0: g.honest(rel), 1: g.honest(rel, wrong=("q2",)), 2: g.honest(rel, wrong=("q1", "q3")), 3: rel}[kind]
            g.submit(subs, f"s{i:03d}", nb)
        return subs
    rel = nbformat.read(course / "assignments" / assignment / f"{assignment}.ipynb", as_version=4)
    src = nbformat.read(course / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: _solution_code(c.source)
        for c in src.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }
    order = [
        c.metadata["nbgrader"]["grade_id"]
        for c in rel.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id") in answers
    ]
    for i in range(n):
        answered = set(order[: {0: len(order), 1: len(order) // 2, 2: 1, 3: 0}[i % 4]])
        nb = copy.deepcopy(rel)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id in answered:
                cell.source = answers[grade_id]
        submit(subs, f"s{i:03d}", assignment, nb)
    return subs


def autograded_scores(db: Path, assignment: str) -> dict[str, float]:
    """Autograded points per student: code grade cells only (written answers are graded by people)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}", "brinkmanship") as gb:
        out = {}
        for sub in gb.find_assignment(assignment).submissions:
            out[sub.student.id] = sum(
                gr.auto_score or 0 for nb in sub.notebooks for gr in nb.grades if gr.cell.cell_type == "code"
            )
        return out


def run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the command and all its processes, kernels included)."""
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="submissions (default 40)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="paired repetitions (default 1)")
    parser.add_argument("--assignment", default="sources", help="a course assignment, or ps_fixture")
    args = parser.parse_args()
    assignment = args.assignment
    bindir = Path(sys.executable).parent
    os.environ["PATH"] = str(bindir) + os.pathsep + os.environ.get("PATH", "")
    print(f"machine: {os.cpu_count()} CPUs, load average before: {os.getloadavg()}")
    for rep in range(args.repeat):
        tmp = Path(tempfile.mkdtemp(prefix="brinkmanship-bench-"))
        try:
            plain_course = make_course(tmp / "plain", assignment)
            release.release(plain_course, [assignment])
            subs = make_submissions(plain_course, args.n, assignment)
            ours_course = make_course(tmp / "ours", assignment)
            release.release(ours_course, [assignment])
            shutil.copytree(subs, plain_course / "submitted")
            # nbgrader needs the assignment in its gradebook first (generate_assignment writes it)
            subprocess.run(
                [str(bindir / "nbgrader"), "generate_assignment", assignment, "--force"],
                cwd=plain_course,
                capture_output=True,
                check=True,
            )
            plain, plain_cpu = run([str(bindir / "nbgrader"), "autograde", assignment], plain_course)
            ours, ours_cpu = run(
                [
                    str(bindir / "brinkmanship"),
                    "grade",
                    assignment,
                    str(subs),
                    "--workers",
                    str(args.workers),
                    "--no-progress",
                ],
                ours_course,
            )
            a = autograded_scores(plain_course / "gradebook.db", assignment)
            b = autograded_scores(ours_course / "gradebook.db", assignment)
            same = a == b and len(a) == args.n
            spread = sorted(set(a.values()))
            print(
                f"run {rep + 1}: {assignment}, {args.n} submissions (autograded scores {spread}) | "
                f"nbgrader autograde (1 process): {plain:.1f} s "
                f"({plain / args.n:.2f} s each) | brinkmanship grade --workers {args.workers}: {ours:.1f} s "
                f"({ours / args.n:.2f} s each) | speed-up {plain / ours:.2f}x | same scores: {same} | "
                f"CPU s: nbgrader {plain_cpu:.1f}, brinkmanship {ours_cpu:.1f} | "
                f"load average now {os.getloadavg()[0]:.2f}"
            )
            if not same:
                diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
                print(f"  differing: {dict(sorted(diff.items())[:10])}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
