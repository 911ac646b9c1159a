"""Warm kernels: the next student's sandbox starts while this student's notebook runs.

A kernel is started ahead of need and runs the notebook's leading read-only cells (the assignment's imports
and data loading: instructor code, run before any student code exists in it). It is handed to exactly one
student and killed afterwards: never reused. One pool per grading process, one spare at a time.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from brinkmanship.grading.sandbox import Kernel, Limits, Output, Runner


@dataclass
class Warm:
    """A started kernel and what its leading cells printed."""

    kernel: Kernel
    outputs: list[Output] = field(default_factory=list)


@dataclass(frozen=True)
class Recipe:
    """What a warm kernel must be: the same limits, files and leading cells (read-only ones only)."""

    limits: Limits
    files: tuple[tuple[str, str], ...]
    prefix: tuple[str, ...]


class KernelPool:
    def __init__(self, runner: Runner, slot: int = 0) -> None:
        self.runner = runner
        self.slot = slot
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm-kernel")
        self._spare: tuple[Recipe, Future[Warm]] | None = None
        self._lock = threading.Lock()

    def _start(self, recipe: Recipe) -> Warm:
        kernel = self.runner.start(recipe.limits, {k: Path(v) for k, v in recipe.files}, self.slot)
        warm = Warm(kernel)
        try:
            for source in recipe.prefix:
                warm.outputs.append(kernel.execute(source, recipe.limits.cell_timeout))
        except Exception:
            kernel.kill()
            raise
        return warm

    def take(self, recipe: Recipe, ahead: bool = True) -> Warm:
        """A fresh kernel for ``recipe`` (the spare if it matches), and start the next spare if ``ahead``."""
        with self._lock:
            spare, self._spare = self._spare, None
        warm: Warm | None = None
        if spare is not None:
            spare_recipe, future = spare
            if spare_recipe == recipe:
                with contextlib.suppress(Exception):
                    warm = future.result()
                    if not warm.kernel.alive():
                        warm.kernel.kill()
                        warm = None
            else:
                future.add_done_callback(_discard)
        if ahead:
            with self._lock:
                self._spare = (recipe, self._executor.submit(self._start, recipe))
        return warm if warm is not None else self._start(recipe)

    def close(self) -> None:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            spare[1].add_done_callback(_discard)
        self._executor.shutdown(wait=True)


def _discard(future: Future[Warm]) -> None:
    with contextlib.suppress(Exception):
        future.result().kernel.kill()


_POOLS: dict[tuple[str, int], KernelPool] = {}


def pool_for(runner: Runner, slot: int) -> KernelPool:
    """This process's pool for ``runner`` (kernels die with the process in any case)."""
    key = (runner.name, slot)
    if key not in _POOLS:
        _POOLS[key] = KernelPool(runner, slot)
    return _POOLS[key]


@atexit.register
def close_all() -> None:
    """Kill every spare kernel of this process (also run at exit)."""
    for pool in _POOLS.values():
        with contextlib.suppress(Exception):
            pool.close()
    _POOLS.clear()
