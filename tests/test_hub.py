"""A class on JupyterHub, end to end, with real processes: the deployment of deploy/hub/ as `make hub` sets it
up (PAM logins, one Unix user and server per person, formgrader as a hub service run by the course's grader
account, the exchange, a PostgreSQL gradebook), on free ports with test-only names, removed afterwards.

Through the hub's REST API and each user's own server: the instructor releases `actors`; three students
fetch it, answer it (full, partial, blank) and submit; the instructor collects, grades with
`brinkmanship grade --db postgresql://...` and `brinkmanship feedback` in the formgrader service's kernel,
and releases the feedback; each student fetches theirs. Every score is checked in the PostgreSQL gradebook,
in formgrader and in the feedback; a student's kernel and token are then used to try everything another
student's work, the exchange, the course and formgrader. Wall time and memory per student server are
written to test-artifacts/hub-e2e.json (reported, never asserted).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import class_helpers as ch
import nbformat
import pytest

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
KINDS = ("full", "partial", "blank")


@pytest.fixture
def hub_class():
    ch.need_root()
    started = time.monotonic()
    figures: dict = {}
    prefix = ch.class_software()
    figures["class_venv_ready_seconds"] = round(time.monotonic() - started, 1)
    root = ch.open_dir("bk-hub-")
    name = ch.tag()
    layout = ch.layout_for_test(prefix, root, name)
    users = {"instructor": f"{name}-teach", "full": f"{name}-ann", "partial": f"{name}-ben", "blank": f"{name}-cat"}
    try:
        with ch.class_accounts(layout):
            ch.hubctl.setup(layout)
            passwords = {
                user: ch.hubctl.add_account(layout, user, "instructor" if role == "instructor" else "student")
                for role, user in users.items()
            }
            hub = ch.Hub(layout, root / "hub.log")
            try:
                hub.wait_ready()
                yield layout, hub, users, passwords, figures
            finally:
                survivors = hub.stop()
            assert not survivors, f"the hub left these running (now killed): {survivors}"
            # the hub stops every server and the service when it stops
            # processes that are still exiting on a busy machine are given time; a real leftover never goes
            deadline = time.monotonic() + 120
            while (left := {u: n for u in [*users.values(), layout.grader] if (n := ch.user_processes(u))}) and (
                time.monotonic() < deadline
            ):
                time.sleep(1)
            assert not left, f"processes left behind after the hub stopped: {left}"
    finally:
        shutil.rmtree(root, ignore_errors=True)
    figures["wall_seconds"] = round(time.monotonic() - started, 1)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hub-e2e.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\nhub e2e figures:", json.dumps(figures))


def _ok(reply) -> dict:
    assert reply.status_code == 200, f"{reply.status_code} {reply.request.url}: {reply.text[:2000]}"
    body = reply.json()
    if isinstance(body, dict) and "success" in body:
        assert body["success"], body
    return body


def _pgpass_url(layout) -> str:
    """The gradebook URL with the password the grader's ~/.pgpass holds (read here as root)."""
    password = (layout.grader_home / ".pgpass").read_text().strip().rsplit(":", 1)[1]
    return layout.cluster.url(layout.db_name, layout.db_user, password)


def _page_config(html: str) -> dict:
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no page config in the JupyterLab page"
    return json.loads(found.group(1))


LESSON_START = "import brinkmanship.data as data\ntables = data.load_all()\nimport matplotlib.pyplot as plt"

PROBE = """\
import json, os
results = {}
for path in json.loads(%r):
    try:
        os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1)
        results[path] = "ok"
    except OSError as exc:
        results[path] = type(exc).__name__
try:
    import psycopg
    psycopg.connect(%r, connect_timeout=30).close()
    results["gradebook"] = "ok"
except Exception as exc:
    results["gradebook"] = type(exc).__name__
print(json.dumps(results))
"""


def test_class_on_the_hub(hub_class, repo_root: Path) -> None:
    layout, hub, users, passwords, figures = hub_class
    teach = users["instructor"]
    students = {kind: users[kind] for kind in KINDS}
    course_id, exchange, course = layout.course_id, Path(layout.exchange), layout.course
    body = {"course_id": course_id, "assignment_id": "actors"}

    # -- log in with PAM (the real authenticator), get API tokens, start everyone's server
    assert hub.login(students["full"], "not-the-password") == 403
    for user in users.values():
        assert hub.login(user, passwords[user]) == 302
        hub.token(user, passwords[user])
    for user in users.values():
        hub.spawn(user)
    memory = figures["memory_mib"] = {"idle_server": {user: ch.server_memory(user) for user in students.values()}}

    # -- the instructor releases the assignment through formgrader (the hub service)
    _ok(hub.post(hub.service + "formgrader/api/assignment/actors/release", teach))
    assert (exchange / course_id / "outbound" / "actors" / "actors.ipynb").is_file()

    # -- each student fetches, answers and submits through their own server
    release = nbformat.read(repo_root / "assignments/actors/actors.ipynb", as_version=4)
    source = nbformat.read(repo_root / "solutions/actors/actors.ipynb", as_version=4)
    for kind, user in students.items():
        server = hub.server(user)
        listed = _ok(hub.post(server + "assignments/fetch", user, json=body))["value"]
        assert [(a["assignment_id"], a["status"]) for a in listed] == [("actors", "fetched")]
        fetched = nbformat.from_dict(_ok(hub.get(server + "api/contents/actors/actors.ipynb", user))["content"])
        assert [c.source for c in fetched.cells] == [c.source for c in release.cells]
        work = ch.answered(fetched, source, kind)
        saved = hub.put(server + "api/contents/actors/actors.ipynb", user, json={"type": "notebook", "content": work})
        assert saved.status_code == 200, saved.text
        listed = _ok(hub.post(server + "assignments/submit", user, json=body))["value"]
        assert "submitted" in {a["status"] for a in listed}
    memory["server_with_kernel"] = {}
    for user in students.values():  # a kernel each, as a lesson leaves it: the course package and its data
        kernel = hub.start_kernel(hub.server(user), user)
        _, error = hub.execute(hub.server(user), user, LESSON_START, kernel=kernel)
        assert error is None, error
        memory["server_with_kernel"][user] = ch.server_memory(user)
        hub.stop_kernel(hub.server(user), user, kernel)

    # -- the instructor collects, grades against PostgreSQL and writes feedback, in formgrader's kernel
    _ok(hub.post(hub.service + "formgrader/api/assignment/actors/collect", teach))
    commands = [
        ["brinkmanship", "grade", "actors", "submitted", "--db", layout.db_url, "--no-progress", "--workers", "2"],
        ["brinkmanship", "feedback", "actors", "--db", layout.db_url],
    ]
    code = (
        "import json, subprocess\nruns = []\n"
        f"for args in {commands!r}:\n"
        "    r = subprocess.run(args, capture_output=True, text=True)\n"
        "    runs.append([r.returncode, r.stdout[-5000:], r.stderr[-5000:]])\n"
        "print(json.dumps(runs))\n"
    )
    out, error = hub.execute(hub.service, teach, code)
    assert error is None, error
    for (rc, stdout, stderr), args in zip(json.loads(out.strip().splitlines()[-1]), commands, strict=True):
        assert rc == 0, f"{' '.join(args)} (exit {rc}):\n{stdout}\n{stderr}"
    assert not (course / "gradebook.db").exists()  # the gradebook is the PostgreSQL one

    expected = {students[kind]: ch.EXPECTED_AUTO[kind] for kind in KINDS}
    assert ch.gradebook_scores(_pgpass_url(layout), "actors") == expected
    graded = _ok(hub.get(hub.service + "formgrader/api/submitted_notebooks/actors/actors", teach))
    assert {row["student"]: row["code_score"] for row in graded} == expected  # formgrader reads the same book

    # -- feedback goes out through the exchange; each student fetches their own
    _ok(hub.post(hub.service + "formgrader/api/assignment/actors/release_feedback", teach))
    feedback_files = {}
    for kind, user in students.items():
        server = hub.server(user)
        _ok(hub.post(server + "assignments/fetch_feedback", user, json=body))
        folders = _ok(hub.get(server + "api/contents/actors/feedback", user))["content"]
        assert len(folders) == 1
        path = f"actors/feedback/{folders[0]['name']}/actors.html"
        html = _ok(hub.get(server + "api/contents/" + path, user))["content"]
        assert html == (course / "feedback" / user / "actors" / "actors.html").read_text()  # the one for them
        test_scores = re.findall(r"Test cell</a> \(Score: ([\d.]+) / ([\d.]+)\)", html)
        assert len(test_scores) == 5 and sum(float(s) for s, _ in test_scores) == ch.EXPECTED_AUTO[kind]
        assert not any(other in html for other in students.values() if other != user)
        feedback_files[user] = Path(layout.home_root) / user / path

    # -- what a student can reach: try everything from ben's kernel and with ben's token
    ann, ben = students["full"], students["partial"]
    inbound = exchange / course_id / "inbound"
    ann_entry = next(inbound.glob(f"{ann}+actors+*"))  # named here as root: ben cannot list it
    closed = [
        inbound,
        ann_entry,
        ann_entry / "actors.ipynb",
        ann_entry / "submission_secret.txt",
        exchange / course_id / "feedback",
        Path(layout.home_root) / ann,
        Path(layout.home_root) / ann / "actors" / "actors.ipynb",
        feedback_files[ann],
        course,
        course / "solutions" / "actors" / "actors.ipynb",
        course / "submitted",
        layout.grader_home / ".pgpass",
        layout.hub_dir / "jupyterhub.sqlite",
        layout.hub_dir / "jupyterhub_cookie_secret",
        layout.cluster.data,
    ]
    gradebook_without_password = layout.db_url
    out, error = hub.execute(
        hub.server(ben), ben, PROBE % (json.dumps([str(p) for p in closed]), gradebook_without_password)
    )
    assert error is None, error
    reached = json.loads(out.strip().splitlines()[-1])
    assert {p: r for p, r in reached.items() if r != "PermissionError" and p != "gradebook"} == {}
    assert reached["gradebook"] == "OperationalError"  # the port answers, but not without the password
    own_work = str(Path(layout.home_root) / ben / "actors" / "actors.ipynb")
    own, _ = hub.execute(hub.server(ben), ben, PROBE % (json.dumps([own_work]), ""))
    assert json.loads(own.strip().splitlines()[-1])[own_work] == "ok"  # the same probe reads ben's own work

    assert hub.get(hub.server(ann) + "api/contents/actors/actors.ipynb", ben).status_code == 403
    assert hub.get(hub.service + "formgrader/api/assignments", ben).status_code == 403
    assert hub.post(hub.service + "formgrader/api/assignment/actors/release_feedback", ben).status_code == 403
    assert hub.post(hub.service + "api/kernels", ben, json={"name": "python3"}).status_code == 403
    assert hub.get(hub.server(ben) + "formgrader/api/assignments", ben).status_code == 404  # not in his server
    assert hub.get(hub.service + "formgrader/api/assignments", teach).status_code == 200
    hidden = set(_page_config(hub.get(hub.server(ben) + "lab", ben).text).get("disabledExtensions", []))
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"} <= hidden
    grader_hidden = set(_page_config(hub.get(hub.service + "lab", teach).text).get("disabledExtensions", []))
    assert "@jupyter/nbgrader:formgrader" not in grader_hidden
    assert (Path(layout.home_root) / ben / "lessons").is_dir()  # the lessons were copied on first start
