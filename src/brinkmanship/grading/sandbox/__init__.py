"""Where student code runs: an OS sandbox (bubblewrap) behind one small interface.

Why a sandbox and not guards in the kernel: anything that runs in the interpreter that ran student code can be
reached by it. So student code never shares a process with anything that decides a grade. It runs in a
Jupyter kernel inside ``bwrap`` (new mount, PID, IPC, UTS and network namespaces; interpreter and packages
read-only; private size-limited ``/tmp`` and working folder; rlimits on CPU, memory, processes and file
size; killed with its parent). The grader only reads answer *data* out of it (:mod:`..answers`).

A runner starts kernels; a kernel runs code and hands back outputs. ``make_runner("bwrap")`` is the default;
``make_runner("none")`` runs kernels as plain local processes and exists only for machines without
bubblewrap, behind an explicit, loudly labelled option.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class SandboxMissingError(RuntimeError):
    """bwrap is missing or cannot create namespaces here: grading refuses to run unsandboxed by default."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one student's kernel (and of everything it starts)."""

    cell_timeout: float = 60.0  # seconds of wall clock per cell
    notebook_timeout: float = 300.0  # seconds of wall clock for the whole notebook, restarts included
    memory_mb: int = 2048  # address space per process
    max_processes: int = 128  # processes and threads
    file_mb: int = 64  # largest file the kernel may write
    tmp_mb: int = 256  # size of the private /tmp and of the working folder (each)
    cell_output_bytes: int = 100_000  # output kept per cell
    total_output_bytes: int = 1_000_000  # output kept per notebook
    message_bytes: int = 16_000_000  # largest single kernel message accepted (bounds the grader's memory)
    max_restarts: int = 3
    startup_timeout: float = 120.0

    @property
    def cpu_seconds(self) -> int:
        return int(self.notebook_timeout) + 30


@dataclass
class Output:
    """What one execution produced, already limited in size."""

    outputs: list[dict] = field(default_factory=list)
    status: str = "ok"  # ok | error | timeout | died | unresponsive
    ename: str = ""
    evalue: str = ""
    truncated: bool = False
    stdout: str = ""  # plain stdout text (used for answer extraction)


class Kernel(Protocol):
    """A running student kernel."""

    def execute(self, code: str, timeout: float, *, store_history: bool = True, budget: int = 0) -> Output: ...

    def alive(self) -> bool: ...

    def kill(self) -> None: ...


class Runner(Protocol):
    """Starts fresh kernels for one student; ``name`` is reported (``bwrap`` or ``none``)."""

    name: str

    def start(self, limits: Limits, files: dict[str, Path], slot: int) -> Kernel: ...


def make_runner(kind: str = "bwrap") -> Runner:
    """The runner called ``kind``: ``bwrap`` (checked to work here) or ``none`` (no isolation)."""
    if kind == "bwrap":
        from brinkmanship.grading.sandbox.bwrap import BwrapRunner

        runner = BwrapRunner()
        runner.check()
        return runner
    if kind == "none":
        from brinkmanship.grading.sandbox.local import LocalRunner

        return LocalRunner()
    raise ValueError(f"unknown sandbox {kind!r} (use 'bwrap' or 'none')")


UNSAFE_WARNING = (
    "WARNING: grading WITHOUT a sandbox (--no-sandbox). Student code runs as you, with your files, your "
    "network and your gradebook within reach. Use this only for notebooks you trust."
)
