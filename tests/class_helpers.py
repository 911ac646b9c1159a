"""A class on this machine for the tests: the shared class venv, real Unix accounts, and a hub client.

The class venv is built by deploy/hub/hubctl.py (the code `make hub` runs) into a cache under /var/tmp,
keyed by this checkout and its pins, so the first run installs (a minute or two, from the package index)
and later runs only reinstall the course. Students must be able to run its interpreter, which rules out a
Python under /root (mode 0700).

Accounts made here get names with a random tag (``bk1a2b-alice``) and are removed after the test, with
every process they own (killed by pid). Tests that need root are skipped with the reason outside CI and
fail in CI.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "deploy" / "hub"))
import hubctl  # noqa: E402
import pgcluster  # noqa: E402

CACHE = Path(os.environ.get("BRINKMANSHIP_CLASS_CACHE", "/var/tmp/brinkmanship-class"))


def need_root() -> None:
    """Real Unix users need root: skipped with the reason outside CI, a failure in CI."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("CI must run the class tests as root (they create Unix users)")
        pytest.skip("needs root: creates real Unix users (CI runs it as root)")
    for tool in ("useradd", "userdel", "chpasswd", "node", "npm"):
        if not shutil.which(tool):
            if os.environ.get("CI"):
                pytest.fail(f"{tool} is missing: .ci/run installs it")
            pytest.skip(f"{tool} is missing (apt-get install nodejs npm passwd)")


def wait_for(what: str, check, deadline: float = 300, every: float = 0.5):
    """Poll ``check()`` until it returns something truthy; fail after ``deadline`` seconds (generous)."""
    end = time.monotonic() + deadline
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline} s waiting for {what}")
        time.sleep(every)


# -- the class venv ------------------------------------------------------------------------------------------


def software_key() -> str:
    digest = hashlib.sha256(str(REPO).encode())
    for name in ("pyproject.toml", "requirements/constraints.txt", "deploy/hub/proxy/package-lock.json"):
        digest.update((REPO / name).read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def class_software() -> Path:
    """The prefix holding the class venv (with this checkout's course) and the proxy; built once per key."""
    prefix = CACHE / software_key()
    CACHE.mkdir(parents=True, exist_ok=True)
    os.chmod(CACHE, 0o755)
    with open(CACHE / f"{prefix.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another session building the same venv: wait for it
        layout = hubctl.Layout(repo=str(REPO), prefix=str(prefix))
        try:
            hubctl.install(layout)
        except hubctl.HubError as exc:
            pytest.fail(f"could not build the class venv: {exc}")
    return prefix


# -- accounts and folders ------------------------------------------------------------------------------------


def open_dir(prefix: str) -> Path:
    """A fresh folder every account can traverse (pytest's tmp_path is 0700 root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    os.chmod(path, 0o755)
    return path


def tag() -> str:
    return "bk" + secrets.token_hex(2)


def run_as(
    user: str,
    argv: list[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    venv: Path | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run a command as a Unix user, with that user's groups, HOME and the class venv first on PATH."""
    entry = pwd.getpwnam(user)
    path = [str(venv / "bin")] if venv else []
    full_env = {
        "HOME": entry.pw_dir,
        "USER": user,
        "LOGNAME": user,
        "LANG": "C.UTF-8",
        "PATH": os.pathsep.join([*path, "/usr/local/bin", "/usr/bin", "/bin"]),
        **(env or {}),
    }
    return subprocess.run(
        argv,
        cwd=cwd or entry.pw_dir,
        env=full_env,
        user=entry.pw_uid,
        group=entry.pw_gid,
        extra_groups=os.getgrouplist(user, entry.pw_gid),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def checked(run: subprocess.CompletedProcess[str], what: str) -> str:
    assert run.returncode == 0, f"{what} failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}"
    return run.stdout + run.stderr


def can_read(user: str, path: Path | str) -> str:
    """What ``user`` gets when listing or reading ``path``: "ok" or the error's name."""
    code = (
        "import os, sys\np = sys.argv[1]\n"
        "try:\n    os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n    print('ok')\n"
        "except OSError as e:\n    print(type(e).__name__)\n"
    )
    return run_as(user, ["/usr/bin/python3", "-c", code, str(path)], cwd="/").stdout.strip()


def pwd_ids(user: str) -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def write_as(user: str, path: Path, text: str) -> None:
    """Write a file the way the user would (owned by them, their umask)."""
    path.write_text(text)
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


# -- answers built from the instructor notebook (tests/assignment_helpers.py) ------------------------------


def answered(release: nbformat.NotebookNode, source: nbformat.NotebookNode, kind: str) -> nbformat.NotebookNode:
    """``full``: every answer as in the solutions; ``partial``: Q2 and Q4 left unanswered; ``blank``: none."""
    import assignment_helpers as helpers

    answers = helpers.full_marks_answers(source)
    if kind == "partial":
        answers = {k: v for k, v in answers.items() if k not in ("q2_proxies_answer", "q4_successor_answer")}
    elif kind == "blank":
        answers = {}
    return helpers.submission(release, answers)


EXPECTED_AUTO = {"full": 15.0, "partial": 9.0, "blank": 0.0}  # actors: Q1-Q5 autograded, 3 points each


def gradebook_scores(db_url: str, assignment: str) -> dict[str, float]:
    """student -> total autograded score, from the gradebook through nbgrader's API."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "brinkmanship") as gb:
        return {
            sub.student.id: sum(
                (g.auto_score or 0.0) for nb in sub.notebooks for g in nb.grades if g.cell.cell_type == "code"
            )
            for sub in gb.find_assignment(assignment).submissions
        }


# -- the hub ------------------------------------------------------------------------------------------------


class Hub:
    """A running hub and the users' sessions on it, through the hub's REST API and each user's server."""

    def __init__(self, layout: hubctl.Layout, log: Path) -> None:
        import requests

        self.layout, self.log_path = layout, log
        self.url = f"http://{layout.ip}:{layout.port}"
        self.tokens: dict[str, str] = {}
        self.http = requests.Session()
        argv, env = hubctl.hub_command(layout)
        with open(log, "w") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                argv, env=env, cwd=layout.hub_dir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self) -> None:
        """Until the hub answers and the course's formgrader service is behind the proxy."""
        wait_for("the hub's API", self._up, deadline=300)
        service = f"/services/{self.layout.course_id}/api/status"
        # the service's own server refuses an anonymous API call (403); the proxy or hub would say 404/503
        wait_for(f"the {self.layout.course_id} service", lambda: self._status(service, (403,)), 300)

    def _status(self, path: str, wanted: tuple[int, ...]) -> bool:
        import requests

        if self.proc.poll() is not None:
            raise AssertionError(f"the hub exited ({self.proc.returncode}):\n{self.log_path.read_text()[-5000:]}")
        try:
            return self.http.get(self.url + path, timeout=10, allow_redirects=False).status_code in wanted
        except requests.RequestException:
            return False

    def _up(self) -> bool:
        return self._status("/hub/api/", (200,))

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"token {self.tokens[user]}"}

    def login(self, user: str, password: str) -> int:
        """Log in through the hub's login form (PAM); returns the HTTP status (302 on success)."""
        import requests

        browser = requests.Session()
        browser.get(self.url + "/hub/login", timeout=60)
        form = {"username": user, "password": password, "_xsrf": browser.cookies.get("_xsrf", "")}
        return browser.post(self.url + "/hub/login", data=form, allow_redirects=False, timeout=120).status_code

    def token(self, user: str, password: str) -> str:
        """An API token from the user's own password (the hub authenticates it with PAM)."""
        body = {"auth": {"username": user, "password": password}, "note": "e2e test", "expires_in": 3600}
        reply = self.http.post(f"{self.url}/hub/api/users/{user}/tokens", json=body, timeout=120)
        assert reply.status_code == 201, reply.text
        self.tokens[user] = reply.json()["token"]
        return self.tokens[user]

    def user_model(self, user: str) -> dict:
        return self.http.get(f"{self.url}/hub/api/users/{user}", headers=self.headers(user), timeout=60).json()

    def spawn(self, user: str) -> None:
        reply = self.http.post(f"{self.url}/hub/api/users/{user}/server", headers=self.headers(user), timeout=300)
        assert reply.status_code in (201, 202), reply.text
        wait_for(f"{user}'s server", lambda: self.user_model(user).get("servers", {}).get("", {}).get("ready"), 300)

    def server(self, user: str) -> str:
        return f"{self.url}/user/{user}/"

    @property
    def service(self) -> str:
        return f"{self.url}/services/{self.layout.course_id}/"

    def get(self, url: str, user: str, **kw):
        return self.http.get(url, headers=self.headers(user), timeout=300, allow_redirects=False, **kw)

    def post(self, url: str, user: str, **kw):
        return self.http.post(url, headers=self.headers(user), timeout=900, allow_redirects=False, **kw)

    def put(self, url: str, user: str, **kw):
        return self.http.put(url, headers=self.headers(user), timeout=300, allow_redirects=False, **kw)

    def start_kernel(self, base: str, user: str) -> str:
        reply = self.post(base + "api/kernels", user, json={"name": "python3"})
        assert reply.status_code == 201, reply.text
        return reply.json()["id"]

    def stop_kernel(self, base: str, user: str, kernel: str) -> None:
        with contextlib.suppress(Exception):
            self.http.delete(base + f"api/kernels/{kernel}", headers=self.headers(user), timeout=60)

    def execute(
        self, base: str, user: str, code: str, timeout: float = 1800, kernel: str | None = None
    ) -> tuple[str, str | None]:
        """Run ``code`` in a kernel on the Jupyter server at ``base`` (the user's or the service); return
        (stdout, error or None). Without ``kernel``, a fresh one is started and shut down afterwards."""
        import websocket

        own = kernel is None
        kernel = kernel or self.start_kernel(base, user)
        ws = websocket.create_connection(
            base.replace("http", "ws", 1) + f"api/kernels/{kernel}/channels",
            header=[f"Authorization: token {self.tokens[user]}"],
            timeout=timeout,
        )
        try:
            msg_id = uuid.uuid4().hex
            header = {"msg_id": msg_id, "msg_type": "execute_request", "username": user, "session": uuid.uuid4().hex}
            content = {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            }
            ws.send(
                json.dumps(
                    {
                        "header": {**header, "version": "5.3", "date": ""},
                        "parent_header": {},
                        "metadata": {},
                        "channel": "shell",
                        "content": content,
                    }
                )
            )
            out: list[str] = []
            error, replied, idle = None, False, False
            while not (replied and idle):
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind == "stream":
                    out.append(msg["content"]["text"])
                elif kind == "error":
                    error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
                elif kind == "execute_reply":
                    replied = True
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
            return "".join(out), error
        finally:
            ws.close()
            if own:
                self.stop_kernel(base, user, kernel)

    def stop(self) -> list[str]:
        """SIGTERM the hub (it stops every server, the service and the proxy), SIGKILL if it hangs; then
        SIGKILL, by pid, anything it started that outlived it. Returns what had to be killed that way."""
        import psutil

        try:
            started = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            started = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=180)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=60)
        survivors = []
        for child in started:
            with contextlib.suppress(psutil.Error):
                if child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
                    survivors.append(" ".join(child.cmdline()[:2]))
                    child.kill()
        return survivors


def server_memory(user: str) -> dict[str, float]:
    """MiB used by the user's processes (their server, and any kernel): RSS and PSS (shared pages split)."""
    import psutil

    uid = pwd.getpwnam(user).pw_uid
    rss = pss = 0.0
    count = 0
    for proc in psutil.process_iter(["uids"]):
        try:
            if proc.info["uids"] and proc.info["uids"].real == uid:
                mem = proc.memory_full_info()
                rss, pss, count = rss + mem.rss, pss + mem.pss, count + 1
        except psutil.Error:
            continue
    return {"processes": count, "rss_mib": round(rss / 2**20, 1), "pss_mib": round(pss / 2**20, 1)}


def user_processes(user: str) -> list[str]:
    """The live processes of ``user`` (pid, parent and command line; none when the account is gone)."""
    import psutil

    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return []
    found = []
    for proc in psutil.process_iter(["uids", "ppid", "cmdline", "status"]):
        with contextlib.suppress(psutil.Error):
            if proc.info["uids"] and proc.info["uids"].real == uid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(f"{proc.pid} (parent {proc.info['ppid']}): {' '.join(proc.info['cmdline'] or [])[:120]}")
    return found


def layout_for_test(prefix: Path, root: Path, name: str) -> hubctl.Layout:
    """A class with its own names, folders and free ports, so a test never meets a real deployment."""
    ports = set()
    while len(ports) < 5:
        ports.add(pgcluster.free_port())
    port, hub_api, proxy_api, service, pg = sorted(ports)
    (root / "home").mkdir(mode=0o755)
    return hubctl.Layout(
        repo=str(REPO),
        prefix=str(prefix),
        state=str(root / "state"),
        exchange=str(root / "exchange"),
        home_root=str(root / "home"),
        instructors_group=f"{name}-instructors",
        students_group=f"{name}-students",
        grader=f"{name}-grader",
        port=port,
        hub_api_port=hub_api,
        proxy_api_port=proxy_api,
        service_port=service,
        pg_port=pg,
    )


@contextlib.contextmanager
def class_accounts(layout: hubctl.Layout) -> Iterator[hubctl.Layout]:
    """Yield the layout; afterwards remove every account, group and folder hubctl made for it."""
    try:
        yield layout
    finally:
        hubctl.teardown(layout)
