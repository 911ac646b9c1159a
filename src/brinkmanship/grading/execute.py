"""nbgrader's Execute preprocessor, hardened: guarded tests, restarts after crashes, total time, output bytes.

Plain nbgrader loses a whole submission when the kernel dies or ignores SIGINT, limits time per cell only,
counts output lines not bytes, and trusts whatever the kernel reports. Here a crashed or hung cell costs
that cell: the kernel is killed with everything it started, restarted, and the cells that had run are
replayed (outputs discarded) before grading goes on. Test verdicts come from ``guard`` and are checked here.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute

from brinkmanship.grading import guard, isolate
from brinkmanship.grading.sanitize import is_answer, is_test, nbgrader_id

TRUNCATED = "\n[brinkmanship: output truncated after {limit} bytes]\n"


@dataclass
class Limits:
    cell_timeout: int = 60
    total_timeout: int = 300
    memory_mb: int = 2048
    cell_output_bytes: int = 100_000
    total_output_bytes: int = 1_000_000
    max_restarts: int = 3


@dataclass
class RunState:
    """Per-notebook facts the worker reads back after nbgrader's pipeline ran."""

    limits: Limits
    scratch: Path
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    killed: int = 0
    home_parent: Path | None = None  # where the kernel's HOME goes (traversable by the kernel's user)
    hide: list[str] = field(default_factory=list)  # instructor paths the kernel must not see
    notes: list[str] = field(default_factory=list)  # how isolation was done (not problems of the student)
    infrastructure_failure: bool = False  # the kernel never started: the grader's fault, retry on rerun


# The worker sets this before running nbgrader's Autograde converter (one notebook at a time per process).
CURRENT: RunState | None = None


def _is_helper(cell: NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("locked")) and not meta.get("grade") and not is_answer(cell)


class GuardedExecute(Execute):
    """Drop-in for nbgrader's Execute in ``Autograde.autograde_preprocessors``."""

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        state = CURRENT or RunState(Limits(), Path(tempfile.mkdtemp()))
        limits = state.limits
        self._state = state
        self._key = secrets.token_bytes(32)
        self._nonces: dict[str, str] = {}
        originals: dict[int, str] = {}
        tests: dict[str, str] = {}
        helpers: dict[str, str] = {}
        for index, cell in enumerate(nb.cells):
            cid = nbgrader_id(cell)
            if cid and is_test(cell):
                tests[cid] = cell.source
                self._nonces[cid] = secrets.token_hex(16)
                originals[index] = cell.source
                cell.source = f'{guard.TEST_CALL}("{cid}", "{self._nonces[cid]}")'
            elif cid and _is_helper(cell):
                helpers[cid] = cell.source
                originals[index] = cell.source
                cell.source = f'{guard.HELPER_CALL}("{cid}")'
        self._secrets = {"key": self._key.hex(), "tests": tests, "helpers": helpers}

        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, None)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.kernel_manager_class = AsyncKernelManager
        deadline = time.monotonic() + limits.total_timeout
        self.timeout_func = lambda cell: max(1, int(min(limits.cell_timeout, deadline - time.monotonic())))
        self._total_bytes = 0
        self._cell_bytes: dict[int, int] = {}
        self._logs: list[Any] = []

        done: list[int] = []  # cells that ran without killing the kernel, replayed after a restart
        index, restarts = 0, 0
        while index < len(nb.cells):
            if time.monotonic() >= deadline:
                break
            self.km, self.kc = None, None
            crashed_at, started = None, False
            try:
                with self.setup_kernel():
                    self.wait_for_reply(self.kc.kernel_info())
                    started = True
                    for old in done:
                        scratch = copy.deepcopy(nb.cells[old])
                        self.execute_cell(scratch, old, store_history=False)
                    while index < len(nb.cells):
                        if time.monotonic() >= deadline:
                            break
                        cell = nb.cells[index]
                        if cell.cell_type == "code" and cell.source.strip():
                            try:
                                self.execute_cell(cell, index, store_history=True)
                            except Exception as exc:  # timeout without SIGINT, dead kernel, lost channels
                                crashed_at = index
                                self._fail_cell(cell, index, exc)
                                index += 1
                                break
                            if not (cid := nbgrader_id(cell)) or not is_test(cell):
                                done.append(index)
                        index += 1
            except Exception as exc:  # the kernel could not start or died during replay
                state.problems.append(f"kernel failure: {type(exc).__name__}: {exc}{self._last_log_line()}")
                state.infrastructure_failure |= not started and not done
                if crashed_at is None:
                    restarts = limits.max_restarts
            finally:
                pid = self._kernel_pid()
                state.killed += isolate.kill_tree(pid)
            if crashed_at is not None:
                restarts += 1
            if restarts >= limits.max_restarts and index < len(nb.cells):
                state.problems.append(f"gave up after {restarts} kernel restarts")
                break
        if index < len(nb.cells):
            if time.monotonic() >= deadline:
                state.problems.append(f"notebook time limit ({limits.total_timeout} s) reached")
            for cell in nb.cells[index:]:
                if cell.cell_type == "code":
                    cell.outputs = []

        for cell_index, cell in enumerate(nb.cells):
            cid = nbgrader_id(cell)
            if cid and is_test(cell):
                self._settle_test(cell, cid)
            if cell_index in originals:
                cell.source = originals[cell_index]
        for log in self._logs:
            log.close()
        self.set_widgets_metadata()
        return nb, self.resources

    # -- kernel ---------------------------------------------------------------------------------------------

    def create_kernel_manager(self) -> AsyncKernelManager:
        km = super().create_kernel_manager()
        state = self._state
        plan = isolate.kernel_plan(state.hide)
        identity = plan["identity"]
        if plan["note"] and plan["note"] not in state.notes:
            state.notes.append(plan["note"])
        home = Path(tempfile.mkdtemp(prefix="home-", dir=state.home_parent or state.scratch))
        secrets_file = state.scratch / f"secrets-{secrets.token_hex(8)}.json"
        argv = [
            sys.executable,
            "-m",
            "brinkmanship.grading.kernel_launcher",
            "--secrets",
            str(secrets_file),
            "--memory-mb",
            str(state.limits.memory_mb),
            "--cpu-seconds",
            str(state.limits.total_timeout + 30),
            "--home",
            str(home),
        ]
        if identity:
            argv += ["--uid", str(identity[0]), "--gid", str(identity[1])]
        if plan["namespace"]:
            argv += ["--namespace", json.dumps({"hide": plan["hide"], "expose": plan["expose"]})]
        self._identity = identity
        argv += ["-f", "{connection_file}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRINKMANSHIP_DB", "JPY_"))}
        km._kernel_spec = KernelSpec(argv=argv, env=env, display_name="Python 3 (grading)", language="python")
        self._secrets_file = secrets_file
        return km

    def start_new_kernel(self, **kwargs: Any) -> None:
        # nbclient binds the sync name to its own coroutine, so both entry points must prepare the launch
        self._prepare_launch(kwargs)
        super().start_new_kernel(**kwargs)

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        self._prepare_launch(kwargs)
        await super().async_start_new_kernel(**kwargs)

    def _prepare_launch(self, kwargs: dict[str, Any]) -> None:
        fd = os.open(self._secrets_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._secrets, handle)
        log = open(self._state.scratch / "kernel-stderr.log", "ab")  # noqa: SIM115  (closed with the session)
        kwargs["stdout"], kwargs["stderr"] = subprocess.DEVNULL, log
        self._logs.append(log)
        cwd = kwargs.get("cwd") or self.resources.get("metadata", {}).get("path")
        if cwd:
            isolate.give_to(Path(cwd), self._identity)

    def _last_log_line(self) -> str:
        try:
            lines = (self._state.scratch / "kernel-stderr.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return f" ({lines[-1][:200]})" if lines else ""

    def _kernel_pid(self) -> int | None:
        try:
            return int(self.km.provisioner.process.pid)  # type: ignore[union-attr]
        except Exception:
            return None

    # -- outputs --------------------------------------------------------------------------------------------

    def output(
        self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None, cell_index: int
    ) -> NotebookNode | None:
        limits = self._state.limits
        content = msg.get("content", {})
        if msg.get("msg_type") == "stream":
            text = content.get("text", "")
            verdicts = [line for line in text.splitlines() if guard.MARKER in line]
            if verdicts:
                outs.append(new_output("stream", name="stdout", text="\n".join(verdicts) + "\n"))
                text = "\n".join(line for line in text.splitlines() if guard.MARKER not in line)
                content["text"] = text
            size = len(text)
        else:
            size = len(json.dumps(content.get("data", content.get("traceback", "")), default=str))
        used = self._cell_bytes.get(cell_index, 0)
        allowed = min(limits.cell_output_bytes - used, limits.total_output_bytes - self._total_bytes)
        if size <= allowed:
            self._cell_bytes[cell_index] = used + size
            self._total_bytes += size
            return super().output(outs, msg, display_id, cell_index)
        if used < limits.cell_output_bytes and self._total_bytes < limits.total_output_bytes:
            note = TRUNCATED.format(limit=min(limits.cell_output_bytes, limits.total_output_bytes))
            head = content.get("text", "")[: max(0, allowed)] if msg.get("msg_type") == "stream" else ""
            outs.append(new_output("stream", name="stdout", text=head + note))
            self._state.problems.append(f"output of cell {cell_index} truncated (over the byte limit)")
        self._cell_bytes[cell_index] = limits.cell_output_bytes
        self._total_bytes += max(0, allowed)
        return None

    # -- verdicts -------------------------------------------------------------------------------------------

    def _fail_cell(self, cell: NotebookNode, index: int, exc: BaseException) -> None:
        kind = type(exc).__name__
        if "Timeout" in kind:
            reason = "the cell did not finish in time (killed)"
        elif "Dead" in kind:
            reason = "the kernel died in this cell (crash or exit)"
        else:
            reason = f"the cell could not be run ({kind})"
        cid = nbgrader_id(cell) or f"cell {index}"
        self._state.problems.append(f"{cid}: {reason}")
        cell.outputs.append(new_output("error", ename="GradingError", evalue=reason, traceback=[reason]))

    def _settle_test(self, cell: NotebookNode, cid: str) -> None:
        """Make nbgrader's output-based score equal the signed verdict: pass = clean, anything else = error."""
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        verdict = guard.verify(self._key, text, cid, self._nonces[cid])
        kept = []
        for out in cell.outputs:
            if out.get("output_type") == "stream":
                lines = [ln for ln in out.text.splitlines(keepends=True) if guard.MARKER not in ln]
                if not "".join(lines).strip():
                    continue
                out.text = "".join(lines)
            kept.append(out)
        if verdict and verdict.get("passed"):
            cell.outputs = []
            for out in kept:
                if out.get("output_type") == "error" or out.get("output_type") == "execute_result":
                    continue
                if out.get("output_type") == "stream" and out.name == "stderr":
                    out.name = "stdout"  # an honest warning must not cost the test
                cell.outputs.append(out)
            self._state.verdicts[cid] = {"passed": True, "reason": ""}
            return
        if verdict is None:
            reason = "the test did not report a verified result (it crashed, hung or its output was blocked)"
            tamper: list[str] = []
        elif verdict.get("tamper"):
            tamper = list(verdict["tamper"])
            reason = "tampering detected: " + "; ".join(tamper)
        else:
            tamper, reason = [], verdict.get("message") or "the test failed"
        cell.outputs = [o for o in kept if o.get("output_type") != "error"]
        cell.outputs.append(new_output("error", ename="TestFailed", evalue=reason, traceback=[f"TestFailed: {reason}"]))
        self._state.verdicts[cid] = {"passed": False, "reason": reason, "tamper": tamper}
