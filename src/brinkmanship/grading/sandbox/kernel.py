"""The grader's side of a student kernel: run code over the Jupyter protocol with time and size limits.

Everything that comes back is treated as untrusted data: outputs are cut at byte limits as they arrive, a
single oversized message is refused by ZeroMQ before it is held in memory (``MAXMSGSIZE``), and a kernel
that stops answering is interrupted, then killed with everything it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import signal
import subprocess
import threading
import time
from typing import Any

import zmq
from jupyter_client import BlockingKernelClient

from brinkmanship.grading.sandbox import Limits, Output

TRUNCATED = "\n[output truncated by the grader after {limit} bytes]\n"


def connection_info(prefix: str) -> dict[str, Any]:
    """A Jupyter connection over Unix sockets named ``<prefix>-1`` ... ``<prefix>-5``."""
    return {
        "transport": "ipc",
        "ip": prefix,
        "shell_port": 1,
        "iopub_port": 2,
        "stdin_port": 3,
        "control_port": 4,
        "hb_port": 5,
        "key": secrets.token_hex(32),
        "signature_scheme": "hmac-sha256",
        "kernel_name": "",
    }


class JupyterKernel:
    """A kernel process we started, and a client connected to it."""

    def __init__(
        self, proc: subprocess.Popen[bytes], info: dict[str, Any], limits: Limits, label: str, log_fd: int = -1
    ) -> None:
        self.proc = proc
        self.limits = limits
        self.label = label
        self.ctx = zmq.Context()
        self.ctx.setsockopt(zmq.MAXMSGSIZE, limits.message_bytes)
        self.ctx.setsockopt(zmq.LINGER, 0)
        self.info = info
        self.client = self._connect()
        self._closed = False
        self._stderr = b""
        self._log = os.fdopen(log_fd, "rb", buffering=0) if log_fd >= 0 else None
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        if self._log is not None:
            self._reader.start()

    def _read_log(self) -> None:
        """Keep the last 4 KB the kernel process printed (to explain a failed start), never more."""
        assert self._log is not None
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: self._log.read(4096), b""):  # type: ignore[union-attr]
                self._stderr = (self._stderr + chunk)[-4096:]
        with contextlib.suppress(OSError):
            self._log.close()

    def last_error(self) -> str:
        """The last line the kernel process printed, for reports (control characters escaped)."""
        if self._reader.is_alive() and self.proc.poll() is not None:
            self._reader.join(timeout=2)
        lines = self._stderr.decode("utf-8", "replace").strip().splitlines()
        return lines[-1][:300] if lines else ""

    def wait_ready(self, timeout: float) -> None:
        """Block until the kernel answers kernel_info, or raise RuntimeError (it died or never started)."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                detail = f": {self.last_error()}" if self.last_error() else ""
                raise RuntimeError(f"the kernel exited during start-up (code {self.proc.returncode}){detail}")
            msg_id = self.client.kernel_info()
            try:
                while True:
                    reply = self.client.get_shell_msg(timeout=min(1.0, max(0.05, deadline - time.monotonic())))
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
                break
            except queue.Empty:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the kernel did not start within {timeout:g} s") from None
        # The output channel is a subscription: messages published before it is connected are lost (ZeroMQ's
        # "slow joiner"), and a first cell would then lose its output and its idle status. Wait until a
        # kernel_info's status arrives on it.
        while not self._iopub_answers(self.client.kernel_info()):
            if not self.alive():
                raise RuntimeError(f"the kernel exited during start-up (code {self.proc.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kernel's output channel did not connect within {timeout:g} s")
        # drain the start-up status messages so they are not mistaken for a later cell's
        with contextlib.suppress(queue.Empty):
            while True:
                self.client.get_iopub_msg(timeout=0.05)

    def alive(self) -> bool:
        return not self._closed and self.proc.poll() is None

    def execute(self, code: str, timeout: float, *, store_history: bool = True, budget: int = 0) -> Output:
        """Run ``code``; outputs are kept up to ``budget`` bytes (default: the per-cell limit)."""
        out = Output()
        if not self.alive():
            out.status = "died"
            return out
        limit = budget or self.limits.cell_output_bytes
        used = 0
        msg_id = self.client.execute(code, silent=False, store_history=store_history, allow_stdin=False)
        deadline = time.monotonic() + max(0.1, timeout)
        interrupted = False
        replied: float | None = None  # when the execute_reply came (its idle status may have been dropped)
        while True:
            remaining = deadline - time.monotonic()
            if replied is not None and time.monotonic() - replied > 3.0:
                # ZeroMQ refused an output message over the size limit: the status after it was lost with it
                if not out.truncated:
                    out.truncated = True
                    out.outputs.append(
                        {"output_type": "stream", "name": "stdout", "text": TRUNCATED.format(limit=limit)}
                    )
                self._reconnect()
                return out
            if remaining <= 0:
                if interrupted:
                    out.status = "unresponsive"
                    return out
                self.interrupt()
                interrupted = True
                deadline = time.monotonic() + 5.0
                out.status = "timeout"
                continue
            try:
                msg = self.client.get_iopub_msg(timeout=min(0.5, remaining))
            except queue.Empty:
                if not self.alive():
                    out.status = "died"
                    return out
                if replied is None and self._replied(msg_id):
                    replied = time.monotonic()
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "status" and content.get("execution_state") == "idle":
                return out
            if kind == "clear_output":
                out.outputs = []
                continue
            if kind == "error":
                if out.status == "ok":
                    out.status = "error"
                out.ename, out.evalue = str(content.get("ename", "")), str(content.get("evalue", ""))
            used = self._append(out, kind, content, used, limit)

    def _connect(self) -> BlockingKernelClient:
        client = BlockingKernelClient(context=self.ctx)
        client.load_connection_info(self.info)
        client.start_channels()
        return client

    def _reconnect(self) -> None:
        """A new client after ZeroMQ dropped a channel; wait until output flows again (a kernel_info round trip)."""
        with contextlib.suppress(Exception):
            self.client.stop_channels()
        self.client = self._connect()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.alive():
            if self._iopub_answers(self.client.kernel_info(), wait=1.0):
                with contextlib.suppress(queue.Empty):
                    while True:
                        self.client.get_shell_msg(timeout=0.2)
                return

    def _iopub_answers(self, msg_id: str, wait: float = 0.25) -> bool:
        """Whether a status message for request ``msg_id`` arrives on the output channel within ``wait`` s."""
        end = time.monotonic() + wait
        while time.monotonic() < end:
            try:
                msg = self.client.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id and msg.get("msg_type") == "status":
                return True
        return False

    def _replied(self, msg_id: str) -> bool:
        """Whether the shell channel holds the execute_reply to ``msg_id`` (read without waiting)."""
        with contextlib.suppress(queue.Empty):
            while True:
                reply = self.client.get_shell_msg(timeout=0)
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
        return False

    def _append(self, out: Output, kind: str, content: dict[str, Any], used: int, limit: int) -> int:
        if kind == "stream":
            text = str(content.get("text", ""))
            if content.get("name") == "stdout":
                out.stdout += text[: max(0, limit - len(out.stdout))]
            entry: dict[str, Any] = {"output_type": "stream", "name": content.get("name", "stdout"), "text": text}
        elif kind in ("display_data", "execute_result"):
            entry = {"output_type": kind, "data": content.get("data", {}), "metadata": content.get("metadata", {})}
            if kind == "execute_result":
                entry["execution_count"] = content.get("execution_count")
        elif kind == "error":
            entry = {
                "output_type": "error",
                "ename": str(content.get("ename", "")),
                "evalue": str(content.get("evalue", "")),
                "traceback": [str(line) for line in content.get("traceback", [])][:200],
            }
        else:
            return used
        size = len(json.dumps(entry, default=str))
        if used + size <= limit:
            out.outputs.append(entry)
            return used + size
        if not out.truncated:
            out.truncated = True
            head = ""
            if kind == "stream":
                head = str(content.get("text", ""))[: max(0, limit - used)]
            out.outputs.append(
                {"output_type": "stream", "name": "stdout", "text": head + TRUNCATED.format(limit=limit)}
            )
        return limit

    def interrupt(self) -> None:
        """Ask the kernel to stop the running code (a Python KeyboardInterrupt), over the control channel."""
        with contextlib.suppress(Exception):
            msg = self.client.session.msg("interrupt_request", {})
            self.client.control_channel.send(msg)

    def kill(self) -> None:
        """Kill the kernel and its sandbox (the sandbox's other processes die with it)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self.client.stop_channels()
        # The kernel first, so that each process reaps its child and CPU time is accounted up the tree; then
        # everything in the sandbox's session, whatever happened.
        for pid in self.kernel_pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.ctx.destroy(linger=0)
        self.cleanup()

    def kernel_pids(self) -> list[int]:
        """Host pids of the kernel process itself (the launcher's own process for a local kernel)."""
        return [self.proc.pid]

    def cleanup(self) -> None:
        """Remove whatever the launcher left on the host (overridden by runners that keep files)."""


def read_json_fd(fd: int, timeout: float) -> dict[str, Any]:
    """Read one JSON document that another process writes to ``fd`` (bwrap's --info-fd)."""
    import select

    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
        try:
            return json.loads(buf)
        except ValueError:
            continue
    raise RuntimeError("the sandbox did not report its process id")
