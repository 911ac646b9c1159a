"""Grading throughput: plain sequential ``nbgrader autograde`` against ``brinkmanship grade --workers 2``.

Both grade the same N synthetic submissions (honest, partly wrong, blank) of one assignment in separate
throw-away copies of the course, in the same run; the script prints both wall times, the ratio, the machine
load, and checks that every student got the same autograded score from both.

    .venv/bin/python benchmarks/grading.py [--n 40] [--workers 2] [--assignment ps_fixture]
"""

from __future__ import annotations

import argparse
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

from brinkmanship.grading import release  # noqa: E402


def make_submissions(course: Path, n: int) -> Path:
    rel = g.released(course)
    subs = course.parent / "subs"
    for i in range(n):
        kind = i % 4
        nb = {0: g.honest(rel), 1: g.honest(rel, wrong=("q2",)), 2: g.honest(rel, wrong=("q1", "q3")), 3: rel}[kind]
        g.submit(subs, f"s{i:03d}", nb)
    return subs


def autograded_scores(db: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}", "brinkmanship") as gb:
        out = {}
        for sub in gb.find_assignment(g.ASSIGNMENT).submissions:
            out[sub.student.id] = sum(
                gr.auto_score or 0 for nb in sub.notebooks for gr in nb.grades if gr.name.endswith("_test")
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
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    os.environ["PATH"] = str(bindir) + os.pathsep + os.environ.get("PATH", "")
    print(f"machine: {os.cpu_count()} CPUs, load average before: {os.getloadavg()}")
    for rep in range(args.repeat):
        tmp = Path(tempfile.mkdtemp(prefix="brinkmanship-bench-"))
        try:
            plain_course = g.make_course(tmp / "plain", REPO)
            release.release(plain_course, [g.ASSIGNMENT])
            subs = make_submissions(plain_course, args.n)
            ours_course = g.make_course(tmp / "ours", REPO)
            release.release(ours_course, [g.ASSIGNMENT])
            shutil.copytree(subs, plain_course / "submitted")
            # nbgrader needs the assignment in its gradebook first (generate_assignment writes it)
            subprocess.run(
                [str(bindir / "nbgrader"), "generate_assignment", g.ASSIGNMENT, "--force"],
                cwd=plain_course,
                capture_output=True,
                check=True,
            )
            plain, plain_cpu = run([str(bindir / "nbgrader"), "autograde", g.ASSIGNMENT], plain_course)
            ours, ours_cpu = run(
                [
                    str(bindir / "brinkmanship"),
                    "grade",
                    g.ASSIGNMENT,
                    str(subs),
                    "--workers",
                    str(args.workers),
                    "--no-progress",
                ],
                ours_course,
            )
            a = autograded_scores(plain_course / "gradebook.db")
            b = autograded_scores(ours_course / "gradebook.db")
            same = a == b and len(a) == args.n
            print(
                f"run {rep + 1}: {args.n} submissions | nbgrader autograde (1 process): {plain:.1f} s "
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
