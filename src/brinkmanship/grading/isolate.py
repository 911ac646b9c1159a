"""Process isolation for grading kernels: who the kernel runs as, and making sure nothing outlives it."""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import signal
import sys
from pathlib import Path
from typing import Any

import psutil

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Adopt orphans of our kernels (a student's ``setsid`` daemon) so they can be found and killed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def kernel_identity() -> tuple[int, int] | None:
    """(uid, gid) to run student code as: ``nobody`` when we are root, else None (run as ourselves)."""
    if os.getuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(os.environ.get("BRINKMANSHIP_KERNEL_USER", "nobody"))
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def give_to(path: Path, identity: tuple[int, int] | None) -> None:
    """Hand a working folder to the kernel's user so student code can read and write its own copy."""
    if identity is None:
        return
    for folder, dirs, files in os.walk(path):
        os.chown(folder, *identity)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), *identity, follow_symlinks=False)


def kill_tree(session_id: int | None = None) -> int:
    """SIGKILL the kernel's session and every descendant of this process; return how many were killed."""
    victims: dict[int, psutil.Process] = {}
    me = psutil.Process()
    for child in me.children(recursive=True):
        victims[child.pid] = child
    if session_id:
        for proc in psutil.process_iter(["pid"]):
            try:
                if proc.pid != me.pid and os.getsid(proc.pid) == session_id:
                    victims[proc.pid] = proc
            except (ProcessLookupError, PermissionError, psutil.Error):
                continue
    for proc in victims.values():
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGKILL)
    psutil.wait_procs(list(victims.values()), timeout=3)
    return len(victims)


# -- running the kernel as an unprivileged user --------------------------------------------------------------

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_BIND, MS_REC, MS_PRIVATE = 1, 4096, 0x4000, 1 << 18


def needed_paths() -> list[str]:
    """Folders the kernel's interpreter must read: the Python install, the venv, brinkmanship's source."""
    import brinkmanship

    paths = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    paths.add(os.path.realpath(Path(brinkmanship.__file__).parents[1]))
    paths.add(os.path.realpath(sys.executable))
    return sorted(paths)


def blocked_ancestors(path: str) -> list[str]:
    """Ancestors of ``path`` that other users cannot traverse (e.g. /root with mode 0700)."""
    blocked, current = [], Path(path)
    for ancestor in [*reversed(current.parents)]:
        try:
            if not os.stat(ancestor).st_mode & 0o001:
                blocked.append(str(ancestor))
        except OSError:
            blocked.append(str(ancestor))
    return blocked


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    libc = _libc()
    rc = libc.mount(
        source.encode() if source else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} -> {target}: {os.strerror(err)}")


def enter_namespace(hide: list[str], expose: list[str]) -> None:
    """In a private mount namespace: hide instructor paths and make the interpreter reachable.

    ``hide``: folders get an empty read-only tmpfs on top, files get /dev/null. ``expose``: for each folder
    the kernel needs under an ancestor others cannot traverse, that ancestor is covered by a 0755 tmpfs and
    the needed folder is bind-mounted back at the same path.
    """
    libc = _libc()
    if libc.unshare(CLONE_NEWNS) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWNS): {os.strerror(err)}")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    tops: dict[str, list[str]] = {}
    for path in expose:
        blocked = blocked_ancestors(path)
        if blocked:
            tops.setdefault(blocked[0], []).append(path)
    for top, inner in tops.items():
        fds = {p: os.open(p, os.O_PATH) for p in inner}
        _mount("tmpfs", top, "tmpfs", 0, "mode=0755")
        for p, fd in fds.items():
            is_dir = os.path.isdir(f"/proc/self/fd/{fd}")
            folder = Path(p) if is_dir else Path(p).parent
            # create the path on the fresh tmpfs, world-traversable (only these new folders, nothing below)
            created = [folder, *[a for a in folder.parents if Path(top) in a.parents]]
            os.makedirs(folder, mode=0o755, exist_ok=True)
            for made in created:
                os.chmod(made, 0o755)
            if not is_dir:
                Path(p).touch()
            _mount(f"/proc/self/fd/{fd}", p, None, MS_BIND | MS_REC)
            os.close(fd)
    for path in hide:
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_RDONLY, "mode=0555,size=1k")
        elif os.path.exists(path):
            _mount("/dev/null", path, None, MS_BIND)


_PLAN: dict[str, Any] | None = None


def kernel_plan(hide: list[str]) -> dict[str, Any]:
    """How to run student code: as ``nobody`` when we are root (with a mount namespace if the interpreter
    lives somewhere ``nobody`` cannot reach), otherwise as ourselves. The reason is reported."""
    global _PLAN
    if _PLAN is None:
        identity = kernel_identity()
        needs_ns = any(blocked_ancestors(p) for p in needed_paths())
        _PLAN = {"identity": identity, "namespace": False, "note": ""}
        if identity is None:
            _PLAN["note"] = "student code runs as the grader's own user (not root: no unprivileged user to switch to)"
        elif needs_ns or hide:
            import subprocess

            try:
                probe = subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode
            except OSError:
                probe = 1
            if probe == 0:
                _PLAN["namespace"] = True
            elif needs_ns:
                _PLAN["identity"] = None
                _PLAN["note"] = (
                    "student code runs as root: the Python install is not readable by 'nobody' and "
                    "mount namespaces are not available"
                )
    plan = dict(_PLAN)
    plan["hide"] = hide if plan["namespace"] else []
    plan["expose"] = needed_paths() if plan["namespace"] else []
    return plan
