#!/usr/bin/env python3
"""Set up and run the course for a class on one machine: JupyterHub, the nbgrader exchange, PostgreSQL.

Run as root with any Python 3.9+ (standard library only). Steps, each safe to repeat:

  class-config
             only the class venv's Jupyter settings (exchange, private submit, no formgrader): for images
  install    the software, once for everyone: a world-readable venv (the course, JupyterHub, psycopg) and
             configurable-http-proxy from npm (run time needs only ``node``, no network)
  setup      groups, the course's grader account, the course directory, the exchange, PostgreSQL, configs
  add-student NAME / add-instructor NAME
             a Unix account with a random password (printed), in the class's group
  up         start PostgreSQL and the hub in the foreground (Ctrl-C stops both)
  dry-run    install + setup + one instructor and three students + up: what ``make hub`` runs
  teardown   stop everything and remove what setup and add-* made (accounts, state, exchange course)

deploy/hub/README.md explains the layout, the accounts and the permissions.
"""

from __future__ import annotations

import argparse
import grp
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import pgcluster  # noqa: E402  (next to this file; hubctl runs without the venv)

REPO = HERE.parents[1]
COURSE_FILES = ("nbgrader_config.py", "autotests.yml")
COURSE_DIRS = ("solutions", "assignments")
# Student servers: no formgrader, no assignment authoring, no course list (these are the grader's).
STUDENT_HIDDEN_LAB_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
FORMGRADER = "nbgrader.server_extensions.formgrader"


class HubError(RuntimeError):
    """Something the operator must fix; printed as one message."""


@dataclass
class Layout:
    """Where everything lives and what it is called. Saved as ``state/hub/settings.json`` for the hub."""

    repo: str = str(REPO)
    prefix: str = "/opt/brinkmanship"  # software: venv/, proxy/ (root-owned, world-readable)
    state: str = "/srv/brinkmanship"  # course/, grader/ (its home), hub/, postgres/, lessons/
    exchange: str = "/srv/nbgrader/exchange"
    home_root: str = "/home"
    course_id: str = "brinkmanship"
    instructors_group: str = "brinkmanship-instructors"
    students_group: str = "brinkmanship-students"
    grader: str = "brinkmanship-grader"
    db_name: str = "brinkmanship"
    db_user: str = "brinkmanship_grader"
    python: str = ""  # interpreter for the venv; default: the first world-usable python3.11+ found
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_api_port: int = 8081
    proxy_api_port: int = 8001
    service_port: int = 9999
    pg_port: int = 54329
    accounts: dict[str, str] = field(default_factory=dict)  # name -> "student" | "instructor", made by us

    # -- derived paths
    @property
    def venv(self) -> Path:
        return Path(self.prefix) / "venv"

    @property
    def proxy(self) -> Path:
        return Path(self.prefix) / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"

    @property
    def course(self) -> Path:
        return Path(self.state) / "course"

    @property
    def grader_home(self) -> Path:
        return Path(self.state) / "grader"

    @property
    def hub_dir(self) -> Path:
        return Path(self.state) / "hub"

    @property
    def lessons(self) -> Path:
        return Path(self.state) / "lessons"

    @property
    def settings_file(self) -> Path:
        return self.hub_dir / "settings.json"

    @property
    def cluster(self) -> pgcluster.Cluster:
        return pgcluster.Cluster(Path(self.state) / "postgres", self.pg_port, pgcluster.server_user())

    @property
    def db_url(self) -> str:
        """The gradebook URL without its password: libpq reads that from the grader's ~/.pgpass."""
        return self.cluster.url(self.db_name, self.db_user)

    def save(self) -> None:
        self.hub_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.hub_dir, 0o700)
        self.settings_file.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, state: str | Path) -> Layout:
        path = Path(state) / "hub" / "settings.json"
        if not path.is_file():
            raise HubError(f"{path} not found: run `hubctl.py setup` first")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in json.loads(path.read_text()).items() if k in known})


def log(message: str) -> None:
    print(f"hubctl: {message}", flush=True)


def run(args: list[str], **kw) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure raise with its output (no tracebacks for the operator)."""
    done = subprocess.run(args, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        raise HubError(f"{' '.join(map(str, args))} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def require_root() -> None:
    if os.geteuid() != 0:
        raise HubError("run as root: the hub starts each user's server as that user, and this creates accounts")


# -- install: the software --------------------------------------------------------------------------------


def usable_by_everyone(python: str) -> bool:
    """True if ``nobody`` can run this interpreter (a pyenv build under /root, mode 0700, cannot)."""
    probe = [python, "-c", "import sys, venv; sys.exit(sys.version_info < (3, 11))"]
    try:
        entry = pwd.getpwnam("nobody")
        return subprocess.run(probe, user=entry.pw_uid, group=entry.pw_gid, capture_output=True).returncode == 0
    except (KeyError, OSError):
        return False


def pick_python(layout: Layout) -> str:
    candidates = (
        [layout.python] if layout.python else ["/usr/bin/python3.11", "/usr/bin/python3", "/usr/local/bin/python3"]
    )
    for python in candidates:
        if Path(python).is_file() and usable_by_everyone(python):
            return python
    raise HubError(
        f"no Python 3.11+ that every user can run among {candidates}: install Debian's (apt-get install "
        "python3 python3-venv) or pass --python"
    )


def install(layout: Layout, *, force_course: bool = True) -> None:
    """The class venv and the proxy. Reinstalls the course from ``layout.repo`` each time (dependencies
    stay as they are unless the pins changed)."""
    prefix = Path(layout.prefix)
    prefix.mkdir(parents=True, exist_ok=True)
    os.chmod(prefix, 0o755)
    python = pick_python(layout)
    pip = [str(layout.venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    if not (layout.venv / "bin" / "python").is_file():
        log(f"creating the class venv {layout.venv} from {python}")
        run([python, "-m", "venv", str(layout.venv)])
        run([*pip, "install", "--upgrade", "pip>=24"])
    repo = Path(layout.repo)
    pins = hashlib.sha256(
        (repo / "pyproject.toml").read_bytes() + (repo / "requirements" / "constraints.txt").read_bytes()
    )
    stamp = layout.venv / ".installed-pins"
    if not stamp.is_file() or stamp.read_text() != pins.hexdigest():
        log(f"installing the course from {repo} with JupyterHub and psycopg (pinned)")
        run([*pip, "install", "-c", str(repo / "requirements" / "constraints.txt"), f"{repo}[hub,postgres]"])
        stamp.write_text(pins.hexdigest())
    if force_course:
        log(f"installing the course from {repo}")
        # a local path at the same version may be kept as "already satisfied": always take this checkout
        run([*pip, "install", "--no-deps", "--force-reinstall", str(repo)])
    settings = layout.venv / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "jupyterlab-overrides.json", settings / "overrides.json")  # as `make lab` does
    install_proxy(layout)
    make_world_readable(prefix)


def install_proxy(layout: Layout) -> None:
    """configurable-http-proxy from npm, at the version in deploy/hub/proxy/package-lock.json."""
    target = Path(layout.prefix) / "proxy"
    lock = HERE / "proxy" / "package-lock.json"
    stamp = target / ".installed-lock"
    if layout.proxy.exists() and stamp.is_file() and stamp.read_text() == lock.read_text():
        return
    if not shutil.which("npm") or not shutil.which("node"):
        raise HubError("configurable-http-proxy needs Node.js: apt-get install nodejs npm")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(HERE / "proxy" / name, target / name)
    log("installing configurable-http-proxy with npm ci")
    run(["npm", "ci", "--omit=dev", "--no-audit", "--no-fund"], cwd=target)
    stamp.write_text(lock.read_text())


def make_world_readable(path: Path) -> None:
    run(["chmod", "-R", "a+rX,go-w", str(path)])


# -- setup: accounts, folders, database, configuration ----------------------------------------------------


def ensure_group(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        run(["groupadd", "--system", name])
        return grp.getgrnam(name).gr_gid


def ensure_grader(layout: Layout) -> pwd.struct_passwd:
    """The course's own account: owns the course directory and runs formgrader. It has no password."""
    try:
        return pwd.getpwnam(layout.grader)
    except KeyError:
        pass
    home = layout.grader_home
    home.parent.mkdir(parents=True, exist_ok=True)
    run(
        [
            "useradd",
            "--system",
            "--gid",
            layout.instructors_group,
            "--home-dir",
            str(home),
            "--create-home",
            "--shell",
            "/bin/bash",
            layout.grader,
        ]
    )
    return pwd.getpwnam(layout.grader)


def chown_tree(path: Path, uid: int, gid: int) -> None:
    for folder, dirs, files in os.walk(path):
        os.chown(folder, uid, gid)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def write_as(path: Path, text: str, uid: int, gid: int, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    os.chown(path, uid, gid)


def setup(layout: Layout) -> None:
    require_root()
    state = Path(layout.state)
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o755)
    gid = ensure_group(layout.instructors_group)
    ensure_group(layout.students_group)
    grader = ensure_grader(layout)
    os.chmod(layout.grader_home, 0o750)
    setup_course(layout, grader.pw_uid, gid)
    setup_exchange(layout)
    setup_database(layout, grader)
    setup_jupyter(layout, grader)
    setup_lessons(layout)
    layout.hub_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "jupyterhub_config.py", layout.hub_dir / "jupyterhub_config.py")
    layout.save()
    log(f"set up: course {layout.course}, exchange {layout.exchange}, gradebook {layout.db_url}")


def setup_course(layout: Layout, uid: int, gid: int) -> None:
    """The nbgrader course directory: the grader's, readable by instructors, closed to students.

    The course's nbgrader_config.py is the repository's with the class's exchange and gradebook added, so
    every tool run there (formgrader, nbgrader collect, brinkmanship grade) uses them without flags.
    """
    course, repo = layout.course, Path(layout.repo)
    course.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy(repo / name, course / name)
    for name in COURSE_DIRS:
        if (course / name).exists():
            shutil.rmtree(course / name)
        shutil.copytree(repo / name, course / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write(
            "\n# Added by deploy/hub/hubctl.py for the class: the shared exchange and the PostgreSQL gradebook\n"
            "# (its password is in the grader's ~/.pgpass, never here).\n"
            "import os  # noqa: E402\n"
            f"c.Exchange.root = {layout.exchange!r}\n"
            "c.ExchangeFactory.collect = 'brinkmanship.exchange.VerifiedCollect'\n"
            f"c.CourseDirectory.db_url = os.environ.get('BRINKMANSHIP_DB_URL') or {layout.db_url!r}\n"
        )
    chown_tree(course, uid, gid)
    for folder, _dirs, _files in os.walk(course):
        os.chmod(folder, 0o2750)
    os.chmod(course, 0o2770)  # instructors may add folders (e.g. exports) through their own servers


def setup_exchange(layout: Layout) -> None:
    """nbgrader's exchange: a world-writable root (nbgrader requires o+rwx) with the sticky bit, so nobody
    removes another's course folder. Inside, release_assignment makes outbound 0755, inbound 2733 (students
    can drop but not list), feedback 0711; brinkmanship.exchange.PrivateSubmit keeps each submission
    readable by the instructors' group only."""
    root = Path(layout.exchange)
    root.mkdir(parents=True, exist_ok=True)
    os.chown(root, 0, 0)
    os.chmod(root, 0o1777)
    for parent in root.parents:
        if parent == Path("/"):
            break
        os.chmod(parent, os.stat(parent).st_mode | 0o005)  # reachable by everyone


def setup_database(layout: Layout, grader: pwd.struct_passwd) -> None:
    cluster = layout.cluster
    cluster.init()
    cluster.start()
    password = cluster.ensure_database(layout.db_name, layout.db_user)
    pgpass = Path(grader.pw_dir) / ".pgpass"
    line = f"127.0.0.1:{layout.pg_port}:{layout.db_name}:{layout.db_user}:{password}\n"
    write_as(pgpass, line, grader.pw_uid, grader.pw_gid, 0o600)


def setup_jupyter(layout: Layout, grader: pwd.struct_passwd) -> None:
    class_config(layout)
    grader_config(grader)


def class_config(layout: Layout) -> None:
    """Everyone using the class venv: the exchange and course id, private submissions, no formgrader.
    (Also run by deploy/kubernetes/Dockerfile for the image.)"""
    etc = layout.venv / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(
        "# Written by deploy/hub/hubctl.py: every user of the class venv sees the class's exchange.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {layout.exchange!r}\n"
        f"c.CourseDirectory.course_id = {layout.course_id!r}\n"
        "# submissions readable by the instructors' group only (nbgrader's default: by everyone who knows the name)\n"
        "c.ExchangeFactory.submit = 'brinkmanship.exchange.PrivateSubmit'\n"
    )
    jupyter = str(layout.venv / "bin" / "jupyter")
    run([jupyter, "server", "extension", "disable", "--sys-prefix", FORMGRADER])
    page = {"disabledExtensions": dict.fromkeys(STUDENT_HIDDEN_LAB_PLUGINS, True)}
    (etc / "labconfig").mkdir(parents=True, exist_ok=True)
    (etc / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2) + "\n")
    make_world_readable(etc)


def grader_config(grader: pwd.struct_passwd) -> None:
    """The grader account only: formgrader's server extension and JupyterLab plugins back on."""
    home = Path(grader.pw_dir) / ".jupyter"
    uid, gid = grader.pw_uid, grader.pw_gid
    server = {"ServerApp": {"jpserver_extensions": {FORMGRADER: True}}}
    write_as(home / "jupyter_server_config.json", json.dumps(server, indent=2) + "\n", uid, gid)
    page = {"disabledExtensions": dict.fromkeys(STUDENT_HIDDEN_LAB_PLUGINS, False)}
    write_as(home / "labconfig" / "page_config.json", json.dumps(page, indent=2) + "\n", uid, gid)
    chown_tree(home, uid, gid)


def setup_lessons(layout: Layout) -> None:
    """A read-only copy of the lessons; each student gets their own copy on first start (pre_spawn_hook)."""
    if layout.lessons.exists():
        shutil.rmtree(layout.lessons)
    shutil.copytree(Path(layout.repo) / "lessons", layout.lessons, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    make_world_readable(layout.lessons)


# -- accounts -----------------------------------------------------------------------------------------------


def add_account(layout: Layout, name: str, role: str, password: str | None = None) -> str:
    """A Unix account for a hub user (``student`` or ``instructor``), home 0700; returns its new password.

    Refuses to touch an existing account that this tool did not make (it would reset a real password).
    """
    require_root()
    group = {"student": layout.students_group, "instructor": layout.instructors_group}[role]
    try:
        pwd.getpwnam(name)
        if name not in layout.accounts:
            raise HubError(f"a user {name!r} already exists and was not made by hubctl: pick another name")
    except KeyError:
        home = Path(layout.home_root) / name
        run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", "--groups", group, name])
        os.chmod(home, 0o700)
    password = password or secrets.token_urlsafe(9)
    run(["chpasswd"], input=f"{name}:{password}\n")
    layout.accounts[name] = role
    layout.save()
    return password


def kill_processes_of(name: str) -> None:
    """SIGKILL, by pid, every process of an account this tool made (its servers and kernels)."""
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(lines["Uid"].split()[0]) == uid:
                os.kill(int(status.parent.name), signal.SIGKILL)
        except (OSError, KeyError, ValueError):
            continue


def remove_account(layout: Layout, name: str) -> None:
    if name not in layout.accounts:
        raise HubError(f"{name!r} was not made by hubctl: remove it yourself")
    kill_processes_of(name)
    subprocess.run(["userdel", "--remove", name], capture_output=True)
    layout.accounts.pop(name)
    layout.save()


# -- running ------------------------------------------------------------------------------------------------


def hub_command(layout: Layout, *extra: str) -> tuple[list[str], dict[str, str]]:
    """The JupyterHub command line and environment (the hub runs as root, in its state folder)."""
    bindir = str(layout.venv / "bin")
    env = {
        "PATH": os.pathsep.join([bindir, str(layout.proxy.parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "BRINKMANSHIP_HUB_SETTINGS": str(layout.settings_file),
        "LANG": "C.UTF-8",
        "HOME": "/root",
    }
    argv = [str(layout.venv / "bin" / "jupyterhub"), "-f", str(layout.hub_dir / "jupyterhub_config.py"), *extra]
    return argv, env


def up(layout: Layout) -> int:
    require_root()
    cluster = layout.cluster
    cluster.start()
    argv, env = hub_command(layout)
    log(f"JupyterHub on http://{layout.ip}:{layout.port}/ (Ctrl-C stops the hub, every server and PostgreSQL)")
    hub = subprocess.Popen(argv, env=env, cwd=layout.hub_dir)
    try:
        return hub.wait()
    except KeyboardInterrupt:
        hub.send_signal(signal.SIGINT)
        return hub.wait()
    finally:
        cluster.stop()


def teardown(layout: Layout, *, software: bool = False) -> None:
    require_root()
    for name in list(layout.accounts):
        remove_account(layout, name)
    layout.cluster.stop()
    kill_processes_of(layout.grader)
    subprocess.run(["userdel", "--remove", layout.grader], capture_output=True)
    for group in (layout.students_group, layout.instructors_group):
        subprocess.run(["groupdel", group], capture_output=True)
    shutil.rmtree(Path(layout.exchange) / layout.course_id, ignore_errors=True)
    shutil.rmtree(layout.state, ignore_errors=True)
    if software:
        shutil.rmtree(layout.prefix, ignore_errors=True)
    log("removed the class's accounts, state and exchange folder")


def print_accounts(layout: Layout, passwords: dict[str, str]) -> None:
    width = max(len(n) for n in passwords)
    print(f"\nAccounts (log in at http://{layout.ip}:{layout.port}/):")
    for name, password in passwords.items():
        print(f"  {layout.accounts[name]:10s} {name:{width}s}  password {password}")
    print(f"Formgrader: http://{layout.ip}:{layout.port}/services/{layout.course_id}/ (instructors only)\n")


def dry_run(layout: Layout) -> int:
    require_root()
    install(layout)
    setup(layout)
    passwords = {"instructor": add_account(layout, "instructor", "instructor")}
    for n in (1, 2, 3):
        passwords[f"student{n}"] = add_account(layout, f"student{n}", "student")
    print_accounts(layout, passwords)
    return up(layout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="hubctl.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--state", default=Layout.state, help="state folder (default %(default)s)")
    parser.add_argument("--prefix", default=Layout.prefix, help="software folder (default %(default)s)")
    parser.add_argument("--python", default="", help="interpreter for the class venv")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("install", "setup", "up", "dry-run"):
        sub.add_parser(name)
    sub.add_parser("class-config", help="only the class venv's Jupyter config (for a container image)")
    for name in ("add-student", "add-instructor", "remove"):
        sub.add_parser(name).add_argument("name")
    sub.add_parser("teardown").add_argument("--software", action="store_true", help="also remove the venv and proxy")
    args = parser.parse_args(argv)
    try:
        if Path(args.state, "hub", "settings.json").is_file():
            layout = Layout.load(args.state)
        elif args.command in ("teardown", "up", "remove"):
            raise HubError(f"nothing is set up in {args.state} (no hub/settings.json)")
        else:
            layout = Layout(state=args.state, prefix=args.prefix, python=args.python)
        if args.command == "install":
            install(layout)
        elif args.command == "class-config":
            class_config(layout)
        elif args.command == "setup":
            setup(layout)
        elif args.command in ("add-student", "add-instructor"):
            password = add_account(layout, args.name, args.command.split("-")[1])
            print_accounts(layout, {args.name: password})
            print("Restart the hub after adding an instructor: it reads the instructors' group when it starts.")
        elif args.command == "remove":
            remove_account(layout, args.name)
        elif args.command == "up":
            return up(layout)
        elif args.command == "dry-run":
            return dry_run(layout)
        elif args.command == "teardown":
            teardown(layout, software=args.software)
    except (HubError, pgcluster.PostgresError) as exc:
        print(f"hubctl: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
