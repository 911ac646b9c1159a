"""Entry point of a grading kernel: limits, privilege drop and the test guard, then a normal ipykernel.

Run by jupyter_client as ``python -m brinkmanship.grading.kernel_launcher --secrets F ... -f CONN``. Every
step before ``IPKernelApp.start`` happens before any student code exists in the process.
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--cpu-seconds", type=int, default=600)
    parser.add_argument("--file-mb", type=int, default=64)
    parser.add_argument("--uid", type=int, default=-1)
    parser.add_argument("--gid", type=int, default=-1)
    parser.add_argument("--home", default="")
    parser.add_argument("--namespace", default="", help="JSON: {hide: [...], expose: [...]}")
    own, kernel_argv = parser.parse_known_args(sys.argv[1:] if argv is None else argv)

    with open(own.secrets, encoding="utf-8") as handle:
        secrets = json.load(handle)
    os.unlink(own.secrets)  # read once: nothing of it stays on disk for student code

    _limit(resource.RLIMIT_AS, own.memory_mb * 1024 * 1024)
    _limit(resource.RLIMIT_CPU, own.cpu_seconds)
    _limit(resource.RLIMIT_FSIZE, own.file_mb * 1024 * 1024)
    _limit(resource.RLIMIT_CORE, 0)

    if own.namespace:
        from brinkmanship.grading import isolate

        plan = json.loads(own.namespace)
        isolate.enter_namespace(plan["hide"], plan["expose"])
    if own.uid >= 0 and os.getuid() == 0:
        connection = kernel_argv[kernel_argv.index("-f") + 1]
        os.chown(connection, own.uid, own.gid)
        if own.home:
            os.chown(own.home, own.uid, own.gid)
        _limit(resource.RLIMIT_NPROC, 1024)
        os.setgroups([])
        os.setgid(own.gid)
        os.setuid(own.uid)
    if own.home:
        for name in ("HOME", "IPYTHONDIR", "MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "JUPYTER_DATA_DIR"):
            os.environ[name] = own.home
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")

    from ipykernel.kernelapp import IPKernelApp

    from brinkmanship.grading import guard

    app = IPKernelApp.instance()
    app.initialize(kernel_argv)
    guard.install(app.shell, secrets)
    del secrets
    app.start()


if __name__ == "__main__":
    main()
