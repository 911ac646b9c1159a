"""Student kernels under bubblewrap (``bwrap``, the sandbox Flatpak uses).

The sandbox sees: the system's ``/usr`` (and the /lib, /bin links), the Python install, the virtual
environment and the brinkmanship package read-only; a private ``/proc`` and ``/dev``; size-limited private
tmpfs for ``/tmp``, for the working folder (which holds only the assignment's data files, read-only) and for
the kernel's Unix sockets. Nothing else of the host: no course folder, ``.git``, solutions, gradebooks,
reports or other students. There is no network (a new, empty network namespace) and no shared IPC.

The grader reaches the kernel's sockets through ``/proc/<pid>/root``, so the sandbox needs no writable host
folder at all. bwrap runs with ``--die-with-parent`` in a new PID namespace: when the kernel or the grader
dies, every process in the sandbox dies too.

As root, the kernel drops to a uid of its own (two per grading worker, alternating), so that the process
limit counts only that kernel's processes. As an ordinary user, bwrap makes an unprivileged user namespace
and the process limit is the user's current count plus the kernel's allowance.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from brinkmanship.grading.sandbox import Limits, SandboxMissingError
from brinkmanship.grading.sandbox.kernel import JupyterKernel, connection_info, read_json_fd

HOME = "/home/student"
WORK = f"{HOME}/work"
SOCKETS = "/run/kernel"
UID_BASE = int(os.environ.get("BRINKMANSHIP_SANDBOX_UID_BASE", "1900000000"))
INSTALL_HINT = (
    "bubblewrap (the `bwrap` command) is needed to grade student code safely: install it with "
    "`sudo apt-get install bubblewrap` (Debian, Ubuntu) or `sudo dnf install bubblewrap` (Fedora)"
)


def python_paths() -> list[str]:
    """Folders the kernel's interpreter needs, read-only: the Python install, the venv, brinkmanship."""
    import brinkmanship
    from brinkmanship import paths

    package = Path(brinkmanship.__file__).resolve().parent
    wanted = [sys.base_prefix, sys.prefix, str(package), str(paths.datasets_dir().resolve())]
    exe = os.path.realpath(sys.executable)
    wanted.append(str(Path(exe).parent.parent))
    wanted += _pth_folders(package)
    keep: list[str] = []
    for path in sorted({os.path.realpath(p) for p in wanted}, key=len):
        if path.startswith("/usr/") or path == "/usr":
            continue
        if not any(path == k or path.startswith(k + "/") for k in keep):
            keep.append(path)
    return keep


def _pth_folders(package: Path) -> list[str]:
    """Library folders that ``.pth`` files in site-packages add (another environment's packages), never an
    editable install's source tree or a folder in or beside a course."""
    import site

    found = []
    for folder in site.getsitepackages():
        for pth in sorted(Path(folder).glob("*.pth")):
            try:
                lines = pth.read_text(encoding="utf-8").splitlines()
            except OSError:
                continue
            for line in lines:
                path = Path(line.strip())
                if line.startswith(("#", "import")) or not path.is_absolute() or not path.is_dir():
                    continue
                if package.is_relative_to(path):
                    continue  # an editable install's source tree: the package is bound on its own
                if any((p / "nbgrader_config.py").exists() or (p / "solutions").exists() for p in (path, path.parent)):
                    continue  # never anything next to a course
                found.append(str(path.resolve()))
    return found


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf", "/etc/mime.types"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


class _BwrapKernel(JupyterKernel):
    init_pid = 0

    def kernel_pids(self) -> list[int]:
        """The kernel is the only child of bwrap's init process (``child-pid``) in the sandbox."""
        import psutil

        try:
            return [child.pid for child in psutil.Process(self.init_pid).children()]
        except psutil.Error:
            return []

    def cleanup(self) -> None:
        """Reap bwrap's init, which this process adopted (:func:`_adopt_orphans`): its CPU time, the kernel's
        included, is then accounted to the grader, and no zombie is left."""
        if not (self.init_pid and _adopt_orphans()):
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if os.waitpid(self.init_pid, os.WNOHANG)[0]:
                    return
            except ChildProcessError:
                return  # not ours (adopted elsewhere, or already reaped)
            time.sleep(0.01)


_SUBREAPER: bool | None = None


def _adopt_orphans() -> bool:
    """Make this process adopt its orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``); whether it does.

    bwrap's outer process exits as soon as its init reports the exit status, before reaping it; without this the
    init (and with it the kernel's CPU time) would go to the system's init, invisible to the grader's accounting.
    """
    global _SUBREAPER
    if _SUBREAPER is None:
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            _SUBREAPER = libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
        except (OSError, AttributeError):
            _SUBREAPER = False
    return _SUBREAPER


class BwrapRunner:
    """Starts each kernel in a fresh bwrap sandbox."""

    name = "bwrap"

    def __init__(self) -> None:
        self.exe = shutil.which("bwrap")
        self.root = os.getuid() == 0
        self._paths = python_paths()
        self._count = 0

    def check(self) -> None:
        """Raise SandboxMissingError with a one-line reason if bwrap cannot make a sandbox here."""
        if not self.exe:
            raise SandboxMissingError(f"{INSTALL_HINT}; it is not installed here.")
        probe = subprocess.run(
            [self.exe, *self._namespace_args(), "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if probe.returncode != 0:
            reason = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
            raise SandboxMissingError(f"{INSTALL_HINT}; `bwrap` failed here: {reason}")

    def _namespace_args(self) -> list[str]:
        args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        if not self.root:
            args.append("--unshare-user")
        return [*args, "--die-with-parent", "--new-session"]

    def _uid(self, slot: int) -> int:
        self._count += 1
        return UID_BASE + (os.getpid() % 1_000_000) * 8 + 2 * (slot % 4) + self._count % 2

    def _nproc(self, limits: Limits) -> int:
        if self.root:
            return limits.max_processes
        import psutil

        mine = 0
        for proc in psutil.process_iter(["uids"]):
            try:
                if proc.info["uids"] and proc.info["uids"].real == os.getuid():
                    mine += proc.num_threads()
            except psutil.Error:
                continue
        return mine + limits.max_processes

    def argv(self, limits: Limits, files: dict[str, Path], uid: int | None, conn_fd: int, info_fd: int) -> list[str]:
        """The full bwrap command line for one kernel (public for tests and for reading)."""
        mb = 1024 * 1024
        args = [self.exe or "bwrap", *self._namespace_args(), "--clearenv", "--info-fd", str(info_fd)]
        if uid is not None:
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        args += _system_binds()
        # /tmp first: the Python install or venv may live under /tmp, and must stay visible above it
        args += ["--perms", "1777", "--size", str(limits.tmp_mb * mb), "--tmpfs", "/tmp"]
        # bwrap creates missing parent folders with mode 0700: make each one traversable first
        parents = {str(p) for path in [*self._paths, SOCKETS, WORK] for p in Path(path).parents if str(p) != "/"}
        for parent in sorted(parents, key=lambda p: (p.count("/"), p)):
            args += ["--perms", "0755", "--dir", parent]
        for path in self._paths:
            args += ["--ro-bind", path, path]
        args += ["--proc", "/proc", "--dev", "/dev"]
        args += ["--perms", "0777", "--size", str(mb), "--tmpfs", SOCKETS]
        args += ["--perms", "0444", "--ro-bind-data", str(conn_fd), f"{SOCKETS}/connection.json"]
        args += ["--perms", "1777", "--size", str(limits.tmp_mb * mb), "--tmpfs", HOME]
        args += ["--perms", "1777", "--dir", WORK]
        for name, source in sorted(files.items()):
            args += ["--ro-bind", str(source), f"{WORK}/{name}"]
        env = {
            "HOME": HOME,
            "USER": "student",
            "LOGNAME": "student",
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": "/tmp/matplotlib",
            "IPYTHONDIR": "/tmp/ipython",
            "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
            "JUPYTER_CONFIG_DIR": "/tmp/jupyter-config",
            "NBGRADER_EXECUTION": "autograde",
            "BRINKMANSHIP_SANDBOX": "bwrap",
        }
        for key, value in env.items():
            args += ["--setenv", key, value]
        args += ["--chdir", WORK, "--", sys.executable, "-m", "brinkmanship.grading.sandbox.launch"]
        rlimits = {
            "memory_mb": limits.memory_mb,
            "cpu_seconds": limits.cpu_seconds,
            "file_mb": limits.file_mb,
            "nproc": self._nproc(limits),
        }
        args += ["--limits", json.dumps(rlimits, separators=(",", ":"))]
        if uid is not None:
            args += ["--uid", str(uid)]
        args += ["--", "-f", f"{SOCKETS}/connection.json", "--HistoryManager.enabled=False", "--quiet"]
        return args

    def start(self, limits: Limits, files: dict[str, Path], slot: int = 0) -> JupyterKernel:
        """A fresh kernel in a fresh sandbox, connected and answering (or RuntimeError)."""
        info = connection_info(f"{SOCKETS}/kernel")
        conn_r, conn_w = os.pipe()
        info_r, info_w = os.pipe()
        uid = self._uid(slot) if self.root else None
        _adopt_orphans()
        log_r, log_w = os.pipe()
        try:
            os.write(conn_w, json.dumps(info).encode())
            os.close(conn_w)
            proc = subprocess.Popen(
                self.argv(limits, files, uid, conn_r, info_w),
                pass_fds=(conn_r, info_w),
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                start_new_session=True,
            )
        except OSError:
            os.close(log_r)
            raise
        finally:
            os.close(conn_r)
            os.close(info_w)
            os.close(log_w)
        try:
            pid = int(read_json_fd(info_r, limits.startup_timeout)["child-pid"])
        except Exception:
            proc.kill()
            proc.wait()
            tail = os.read(log_r, 4096).decode("utf-8", "replace").strip().splitlines()
            os.close(log_r)
            detail = f": {tail[-1][:300]}" if tail else ""
            raise RuntimeError(f"the sandbox did not start (bwrap exited early){detail}") from None
        finally:
            os.close(info_r)
        host = dict(info, ip=f"/proc/{pid}/root{SOCKETS}/kernel")
        kernel = _BwrapKernel(proc, host, limits, label=f"bwrap pid {pid}", log_fd=log_r)
        kernel.init_pid = pid
        try:
            kernel.wait_ready(limits.startup_timeout)
        except Exception:
            kernel.kill()
            raise
        return kernel
