"""Grading throughput: plain sequential ``nbgrader autograde`` against ``brinkmanship grade``, in one run.

Both grade the same N submissions of one assignment in separate throw-away copies of the course. The plain
side is nbgrader as shipped, at its fastest (``--Execute.shutdown_kernel=immediate``, one process, its own
default pipeline: no sandbox). brinkmanship grades in bubblewrap sandboxes with the tests in a trusted
process. The script prints both wall times and their ratio, the CPU seconds of each whole process tree
(kernels included) per submission, cross-checked by the whole machine's busy CPU time, the peak memory of
each process tree, the machine load before and after, and checks that every student got the same
autograded score from both.

    .venv/bin/python benchmarks/grading.py [--n 40] [--workers 2] [--assignment sources] [--repeat 1]
    .venv/bin/python benchmarks/grading.py --n 200 --only ours     # a large class, brinkmanship only

Submissions (real assignment, default ``sources``): a quarter answer every question with the instructor's
solution code, a quarter half the questions, a quarter one question, a quarter are the untouched release.
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
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import grading_helpers as g  # noqa: E402
import nbformat  # noqa: E402
import psutil  # noqa: E402

from brinkmanship.grading import release  # noqa: E402

PLAIN_CONFIG = """\
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "brinkmanship"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
"""


def make_course(tmp: Path, assignment: str, plain: bool) -> Path:
    """A throw-away course with the assignment; ``plain`` gets nbgrader's stock configuration."""
    course = g.make_course(tmp, REPO)
    if assignment != g.ASSIGNMENT:
        shutil.copytree(REPO / "solutions" / assignment, course / "solutions" / assignment)
        shutil.copy(REPO / "autotests.yml", course / "autotests.yml")
    release.release(course, [assignment])
    if plain:
        (course / "nbgrader_config.py").write_text(PLAIN_CONFIG.format(root=course))
    return course


def _solution_code(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line and "### END" not in line)


def make_submissions(course: Path, n: int, assignment: str, subs: Path) -> None:
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
        if c.metadata.get("nbgrader", {}).get("grade_id") in answers
    ]
    for i in range(n):
        answered = set(order[: {0: len(order), 1: len(order) // 2, 2: 1, 3: 0}[i % 4]])
        nb = copy.deepcopy(rel)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade_id") in answered:
                cell.source = answers[cell.metadata["nbgrader"]["grade_id"]]
        path = subs / f"s{i:03d}" / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)


def autograded_scores(db: Path, assignment: str) -> dict[str, float]:
    """Autograded points per student: test cells only (written answers are graded by people)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}", "brinkmanship") as gb:
        return {
            sub.student.id: sum(
                gr.auto_score or 0
                for nb in sub.notebooks
                for gr in nb.grades
                if gr.cell.cell_type == "code" and gr.name not in {c.name for c in nb.notebook.solution_cells}
            )
            for sub in gb.find_assignment(assignment).submissions
        }


class TreeMemory(threading.Thread):
    """Peak memory of a process and all its descendants, sampled every 0.2 s (PSS: shared pages counted once)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_pss, self.peak_rss, self.done = pid, 0, 0, False

    def run(self) -> None:
        while not self.done:
            pss = rss = 0
            try:
                root = psutil.Process(self.pid)
                for proc in [root, *root.children(recursive=True)]:
                    try:
                        info = proc.memory_full_info()
                        pss, rss = pss + getattr(info, "pss", info.rss), rss + info.rss
                    except psutil.Error:
                        continue
            except psutil.Error:
                return
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            time.sleep(0.2)


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy: a cross-check on the per-tree figure (an upper bound)."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def run(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Wall seconds, CPU seconds (the command and every process it waited for) and peak tree memory."""
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before = _machine_busy()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(proc.pid)
    memory.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    memory.done = True
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy = _machine_busy() - busy_before
    if proc.returncode not in (0, 1):
        print(out[-2000:], err[-2000:])
        raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": elapsed, "cpu": cpu, "busy": busy, "pss": memory.peak_pss / 2**20, "rss": memory.peak_rss / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="submissions (default 40)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="paired repetitions (default 1)")
    parser.add_argument("--assignment", default="sources", help="a course assignment, or ps_fixture")
    parser.add_argument("--only", choices=["both", "ours"], default="both")
    args = parser.parse_args()
    a = args.assignment
    bindir = Path(sys.executable).parent
    os.environ["PATH"] = str(bindir) + os.pathsep + os.environ.get("PATH", "")
    print(f"machine: {os.cpu_count()} CPUs, load average before: {os.getloadavg()}")
    for rep in range(args.repeat):
        tmp = Path(tempfile.mkdtemp(prefix="brinkmanship-bench-"))
        try:
            subs = tmp / "subs"
            ours_course = make_course(tmp / "ours", a, plain=False)
            make_submissions(ours_course, args.n, a, subs)
            plain = None
            if args.only == "both":
                plain_course = make_course(tmp / "plain", a, plain=True)
                shutil.copytree(subs, plain_course / "submitted")
                subprocess.run([str(bindir / "nbgrader"), "generate_assignment", a, "--force"], cwd=plain_course,
                               capture_output=True, check=True)  # fmt: skip
                plain = run(
                    [str(bindir / "nbgrader"), "autograde", a, "--Execute.shutdown_kernel=immediate"], plain_course
                )
            # like the plain side, start from a gradebook that already holds the assignment (one warm-up student)
            warmup = tmp / "warmup"
            make_submissions(ours_course, 1, a, warmup)
            (warmup / "s000").rename(warmup / "warmup")
            subprocess.run([str(bindir / "brinkmanship"), "grade", a, str(warmup), "--no-progress"],
                           cwd=ours_course, capture_output=True, check=True)  # fmt: skip
            ours = run([str(bindir / "brinkmanship"), "grade", a, str(subs), "--workers", str(args.workers),
                        "--no-progress"], ours_course)  # fmt: skip
            b = autograded_scores(ours_course / "gradebook.db", a)
            b.pop("warmup", None)
            line = (
                f"run {rep + 1}: {a}, {args.n} submissions | brinkmanship grade --workers {args.workers} (sandboxed): "
                f"{ours['wall']:.1f} s ({ours['wall'] / args.n:.2f} s each), CPU {ours['cpu'] / args.n:.2f} s each "
                f"(whole machine {ours['busy'] / args.n:.2f}), "
                f"peak memory of the process tree {ours['pss']:.0f} MiB PSS ({ours['rss']:.0f} MiB RSS summed)"
            )
            if plain is not None:
                ref = autograded_scores(plain_course / "gradebook.db", a)
                same = ref == b and len(ref) == args.n
                line += (
                    f" | nbgrader autograde (1 process, immediate shutdown): {plain['wall']:.1f} s "
                    f"({plain['wall'] / args.n:.2f} s each), CPU {plain['cpu'] / args.n:.2f} s each "
                    f"(whole machine {plain['busy'] / args.n:.2f}), peak "
                    f"{plain['pss']:.0f} MiB PSS | speed-up {plain['wall'] / ours['wall']:.2f}x | same scores: {same}"
                )
                if not same:
                    diff = {k: (ref.get(k), b.get(k)) for k in set(ref) | set(b) if ref.get(k) != b.get(k)}
                    line += f" | differing: {dict(sorted(diff.items())[:10])}"
            print(line + f" | load average now {os.getloadavg()[0]:.2f}", flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
