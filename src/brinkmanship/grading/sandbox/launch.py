"""First code in a student kernel's process: set limits, drop root if we are root, then start ipykernel.

Runs inside the sandbox before any student code exists in the process. As root, bwrap keeps only the
capabilities to change user; after ``setuid`` to the sandbox's own uid every capability is gone, and the
process limit then counts only that uid's processes (one uid per live kernel).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys


def _limit(which: int, value: int) -> None:
    _soft, hard = resource.getrlimit(which)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(which, (value, value))


def apply_limits(limits: dict[str, int]) -> None:
    """rlimits from a plain dict (the grader computes them; see BwrapRunner)."""
    _limit(resource.RLIMIT_AS, limits["memory_mb"] * 1024 * 1024)
    _limit(resource.RLIMIT_CPU, limits["cpu_seconds"])
    _limit(resource.RLIMIT_FSIZE, limits["file_mb"] * 1024 * 1024)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, 1024)
    _limit(resource.RLIMIT_NPROC, limits["nproc"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--limits", required=True, help="JSON rlimits")
    parser.add_argument("--uid", type=int, default=-1)
    own, kernel_argv = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if kernel_argv[:1] == ["--"]:
        kernel_argv = kernel_argv[1:]
    apply_limits(json.loads(own.limits))
    if own.uid >= 0 and os.getuid() == 0:
        os.setgroups([])
        os.setgid(own.uid)
        os.setuid(own.uid)
        if os.getuid() == 0 or os.geteuid() == 0:  # pragma: no cover  (setuid cannot fail silently)
            raise SystemExit("could not drop root")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ.setdefault(name, "1")

    # No debugger in a grading kernel: ipykernel then skips importing debugpy (a tenth of a second per kernel,
    # and nothing a student's code could talk to)
    sys.modules["debugpy"] = None  # type: ignore[assignment]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(kernel_argv)
    app.start()


if __name__ == "__main__":
    main()
