"""JupyterHub for a class on one machine (written by deploy/hub/hubctl.py; settings in settings.json).

- Users are the machine's Unix accounts in the class's groups, logged in with PAM; each gets their own
  JupyterLab started as that user (the default local spawner), with a copy of the lessons on first start.
- The course's grader account runs formgrader as a hub-managed service at /services/<course_id>/;
  only members of the instructors' Unix group may open it.
- The proxy is configurable-http-proxy, installed by ``hubctl.py install`` (no network at run time).
"""

import grp
import json
import os
import pwd
import shutil
from pathlib import Path

c = get_config()  # noqa: F821

settings = json.loads(Path(os.environ["BRINKMANSHIP_HUB_SETTINGS"]).read_text())
venv = Path(settings["prefix"]) / "venv"
state = Path(settings["state"])
hub_dir = state / "hub"
course_id = settings["course_id"]
instructors, students = settings["instructors_group"], settings["students_group"]
singleuser = str(venv / "bin" / "jupyterhub-singleuser")
path = os.pathsep.join([str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"])

# -- network: everything on 127.0.0.1 unless settings say otherwise (put TLS in front for a real class)
c.JupyterHub.ip = settings["ip"]
c.JupyterHub.port = settings["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_api_port"]
c.ConfigurableHTTPProxy.command = [
    str(Path(settings["prefix"]) / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy")
]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.JupyterHub.db_url = f"sqlite:///{hub_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(hub_dir / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(hub_dir / "jupyterhub.pid")

# -- who may log in: PAM (the Unix password), members of the class's two groups only
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {instructors, students}
c.PAMAuthenticator.open_sessions = False

# -- each user's server: the default local spawner, as that Unix user, from the shared class venv
c.Spawner.cmd = [singleuser]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {"PATH": path}
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 180


def copy_lessons(spawner):
    """First start: the lessons into ~/lessons, owned by the student (later starts keep their work)."""
    entry = pwd.getpwnam(spawner.user.name)
    target = Path(entry.pw_dir) / "lessons"
    source = state / "lessons"
    if target.exists() or not source.is_dir():
        return
    shutil.copytree(source, target)
    for folder, dirs, files in os.walk(target):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)


c.Spawner.pre_spawn_hook = copy_lessons

# -- instructors: a hub group from the Unix group (read when the hub starts), allowed into formgrader
members = set(grp.getgrnam(instructors).gr_mem)
c.JupyterHub.load_groups = {instructors: {"users": sorted(members)}}
c.JupyterHub.load_roles = [
    {
        "name": f"{course_id}-instructors",
        "description": "Open the course's formgrader",
        "groups": [instructors],
        "scopes": [f"access:services!service={course_id}", "list:services", f"read:services!service={course_id}"],
    }
]

# -- formgrader as a hub-managed service: JupyterLab in the course directory, as the grader account
c.JupyterHub.services = [
    {
        "name": course_id,
        "display": True,
        "url": f"http://127.0.0.1:{settings['service_port']}",
        "command": [singleuser, f"--ServerApp.root_dir={state / 'course'}"],
        "user": settings["grader"],
        "cwd": str(state / "course"),
        "oauth_no_confirm": True,
        "environment": {"JUPYTERHUB_DEFAULT_URL": "/lab", "PATH": path},
    }
]

# Local additions (TLS, limits, ...) go in this file, kept across `hubctl.py setup`.
local = hub_dir / "jupyterhub_config_local.py"
if local.is_file():
    load_subconfig(str(local))  # noqa: F821
