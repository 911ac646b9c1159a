"""Kernels as plain local processes: NO isolation. Only behind the explicit ``--no-sandbox`` option.

Student code then runs as the grader's own user, with its files and network. The verdicts are still
decided outside the kernel (the trusted tests never run student code), but nothing stops student code
from reading or changing what the grader's user can.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from brinkmanship.grading.sandbox import Limits
from brinkmanship.grading.sandbox.kernel import JupyterKernel, connection_info


class _LocalKernel(JupyterKernel):
    folder: Path

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class LocalRunner:
    name = "none"

    def start(self, limits: Limits, files: dict[str, Path], slot: int = 0) -> JupyterKernel:
        folder = Path(tempfile.mkdtemp(prefix="brinkmanship-unsandboxed-"))
        work = folder / "work"
        work.mkdir()
        for name, source in files.items():
            shutil.copy(source, work / name)
        info = connection_info(str(folder / "kernel"))
        conn = folder / "connection.json"
        conn.write_text(json.dumps(info))
        env = dict(os.environ, NBGRADER_EXECUTION="autograde", BRINKMANSHIP_SANDBOX="none")
        env.pop("MPLBACKEND", None)
        rlimits = {"memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds, "file_mb": limits.file_mb}
        rlimits["nproc"] = 1_000_000
        log_r, log_w = os.pipe()
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "brinkmanship.grading.sandbox.launch", "--limits", json.dumps(rlimits)),
                *("--", "-f", str(conn), "--HistoryManager.enabled=False", "--quiet"),
            ],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_w,
            stderr=log_w,
            start_new_session=True,
        )
        os.close(log_w)
        kernel = _LocalKernel(proc, info, limits, label=f"unsandboxed pid {proc.pid}", log_fd=log_r)
        kernel.folder = folder
        try:
            kernel.wait_ready(limits.startup_timeout)
        except Exception:
            kernel.kill()
            raise
        return kernel
