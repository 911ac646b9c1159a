"""Running many submissions: worker processes, a run folder that its successor cleans, resumable state.

Workers are long-lived processes forked from the grading command after it imported nbgrader, pandas and
the preprocessors (:func:`.worker.preload`), so no worker pays for those imports again; each keeps its warm
kernel pool and trusted tests. Each dies with the grading command (``PR_SET_PDEATHSIG``), and each student
kernel dies with its worker (bwrap ``--die-with-parent``), so a ``kill -9`` of the command leaves no process
behind. Its run folder stays, locked by nobody: the next run removes it.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import multiprocessing as mp
import os
import queue
import secrets
import shutil
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brinkmanship.grading import report
from brinkmanship.grading.course import GradingError

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def runs_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"brinkmanship-runs-{os.getuid()}"


class RunFolder:
    """A private scratch folder held with a lock for the life of the run; leftovers of dead runs are removed."""

    def __init__(self) -> None:
        base = runs_dir()
        base.mkdir(mode=0o700, exist_ok=True)
        self.removed = reap_leftovers(base)
        name = f"{os.getpid()}-{secrets.token_hex(4)}"
        fresh = base / f"new-{name}"  # not yet a "run-*" folder, so no other run reaps it while we lock it
        fresh.mkdir(mode=0o700)
        self._lock = open(fresh / ".lock", "w")  # noqa: SIM115  (held until close)
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.path = fresh.rename(base / f"run-{name}")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._lock.close()
        shutil.rmtree(self.path, ignore_errors=True)


def reap_leftovers(base: Path) -> list[str]:
    """Remove run folders whose owner is gone (its lock can be taken); return their names."""
    removed = []
    for folder in sorted(base.glob("run-*")):
        lock = folder / ".lock"
        try:
            with open(lock, "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live run holds it
        except OSError:
            pass
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


class Pool:
    """Long-lived worker processes fed from one queue; a worker that dies mid-submission is replaced."""

    def __init__(
        self, workers: int, target: Callable[..., None], init: tuple[Any, ...], start_method: str = "fork"
    ) -> None:
        # fork (Linux): a worker starts with the parent's imports; "spawn" re-imports everything in each worker
        self.ctx = mp.get_context(start_method)
        self.tasks = self.ctx.Queue()
        self.results = self.ctx.Queue()
        self.target, self.init = target, init
        self.procs: dict[int, Any] = {}
        self.slots: dict[int, int] = {}
        self.inflight: dict[int, str] = {}
        self.respawns_left = 2 * workers + 2
        for slot in range(workers):
            self._spawn(slot)

    def _spawn(self, slot: int) -> None:
        proc = self.ctx.Process(target=self.target, args=(self.tasks, self.results, slot, *self.init), daemon=True)
        with warnings.catch_warnings():
            # a replacement is forked while the queues' feeder threads run; the child uses none of their locks
            warnings.simplefilter("ignore", DeprecationWarning)
            proc.start()
        self.procs[proc.pid] = proc
        self.slots[proc.pid] = slot

    def reap(self) -> list[str | None]:
        """Replace dead workers; return the tasks they were grading (None for an idle one)."""
        lost = []
        for pid, proc in list(self.procs.items()):
            if proc.is_alive():
                continue
            del self.procs[pid]
            slot = self.slots.pop(pid)
            lost.append(self.inflight.pop(pid, None))
            if self.respawns_left <= 0:
                self.stop(force=True)
                raise GradingError(f"grading workers keep dying (last exit code {proc.exitcode})")
            self.respawns_left -= 1
            self._spawn(slot)
        return lost

    def stop(self, force: bool = False) -> None:
        for proc in self.procs.values():
            if force:
                proc.kill()
            else:
                self.tasks.put(None)
        for proc in self.procs.values():
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        self.procs.clear()


def run_tasks(
    pool: Pool,
    tasks: dict[str, Any],
    on_result: Callable[[dict[str, Any]], None],
    progress: bool = True,
    label: str = "grading",
) -> list[str]:
    """Grade every task (key -> picklable task); call ``on_result`` here for each; return keys lost twice."""
    from tqdm import tqdm

    attempts: dict[str, int] = {}
    lost: list[str] = []
    for key, task in tasks.items():
        pool.tasks.put((key, task))
    remaining, problems = len(tasks), 0
    bar = tqdm(total=len(tasks), desc=label, unit="submission", disable=not progress, file=sys.stderr,
               mininterval=0.5, dynamic_ncols=True)  # fmt: skip
    try:
        while remaining:
            try:
                kind, pid, payload = pool.results.get(timeout=1.0)
            except queue.Empty:
                for key in pool.reap():
                    if key is None:
                        continue
                    attempts[key] = attempts.get(key, 0) + 1
                    if attempts[key] < 2:
                        pool.tasks.put((key, tasks[key]))
                    else:
                        lost.append(key)
                        remaining -= 1
                        bar.update(1)
                continue
            if kind == "start":
                pool.inflight[pid] = payload
            elif kind == "done":
                pool.inflight.pop(pid, None)
                on_result(payload)
                remaining -= 1
                problems += bool(payload.get("problems"))
                bar.update(1)
                bar.set_postfix(problems=problems)
    except BaseException:
        pool.stop(force=True)
        bar.close()
        raise
    bar.close()
    pool.stop()
    return lost


class StateFile:
    """What was graded, with the hash of what was graded: a rerun grades only new or changed submissions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            self.data = {}

    def get(self, assignment: str, student: str) -> dict[str, Any] | None:
        return self.data.get(assignment, {}).get(student)

    def put(self, assignment: str, student: str, record: dict[str, Any]) -> None:
        self.data.setdefault(assignment, {})[student] = record
        self.path.parent.mkdir(parents=True, exist_ok=True)
        report.write_json(self.path, self.data)
