"""nbgrader's exchange as the README describes it, with real Unix users (created here, removed after).

An instructor account releases `actors` with `nbgrader release_assignment`; two student accounts, each with
the README's ~/.jupyter/nbgrader_config.py, fetch it, answer it and submit it with the nbgrader commands; one
also files a submission under the other's name; the instructor collects with `nbgrader collect` (which
skips the forged entry) and grades with `brinkmanship grade`. Everyone runs the shared
class venv (deploy/hub/hubctl.py install), since students cannot run a Python that lives under /root.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import class_helpers as ch
import nbformat
import pytest

pytestmark = pytest.mark.slow

STUDENT_CONFIG = """\
c = get_config()
c.Exchange.root = "{exchange}"
c.CourseDirectory.course_id = "brinkmanship"
c.ExchangeFactory.submit = "brinkmanship.exchange.PrivateSubmit"
"""


@pytest.fixture
def exchange_class(tmp_path: Path):
    ch.need_root()
    prefix = ch.class_software()
    root = ch.open_dir("bk-exchange-")
    name = ch.tag()
    layout = ch.layout_for_test(prefix, root, name)
    try:
        with ch.class_accounts(layout):
            ch.hubctl.ensure_group(layout.instructors_group)
            ch.hubctl.ensure_group(layout.students_group)
            exchange = Path(layout.exchange)
            exchange.mkdir(mode=0o755)
            exchange.chmod(0o1777)  # as README and hubctl set it up
            users = {"teacher": f"{name}-teacher", "full": f"{name}-ann", "partial": f"{name}-ben"}
            ch.hubctl.add_account(layout, users["teacher"], "instructor")
            for role in ("full", "partial"):
                ch.hubctl.add_account(layout, users[role], "student")
            yield layout, users
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_release_fetch_submit_collect_grade(exchange_class, repo_root: Path) -> None:
    layout, users = exchange_class
    venv = Path(layout.prefix) / "venv"
    exchange = Path(layout.exchange)
    teacher = users["teacher"]
    home = Path(layout.home_root) / teacher

    # the instructor's course: a copy of this repository's course files in their home
    course = home / "course"
    course.mkdir()
    for name in ("nbgrader_config.py", "autotests.yml"):
        shutil.copy(repo_root / name, course / name)
    for folder in ("solutions/actors", "assignments/actors"):
        shutil.copytree(repo_root / folder, course / folder)
    with open(course / "nbgrader_config.py", "a") as config:  # the README's line for a shared machine
        config.write('\nc.ExchangeFactory.collect = "brinkmanship.exchange.VerifiedCollect"\n')
    ch.hubctl.chown_tree(home, *ch.pwd_ids(teacher))
    env = {"BRINKMANSHIP_EXCHANGE": str(exchange)}

    out = ch.checked(
        ch.run_as(teacher, ["nbgrader", "release_assignment", "actors"], cwd=course, env=env, venv=venv), "release"
    )
    assert "Released as: brinkmanship actors" in out

    release = nbformat.read(repo_root / "assignments/actors/actors.ipynb", as_version=4)
    source = nbformat.read(repo_root / "solutions/actors/actors.ipynb", as_version=4)
    for kind in ("full", "partial"):
        student = users[kind]
        student_home = Path(layout.home_root) / student
        (student_home / ".jupyter").mkdir()
        ch.write_as(student, student_home / ".jupyter" / "nbgrader_config.py", STUDENT_CONFIG.format(exchange=exchange))
        ch.hubctl.chown_tree(student_home / ".jupyter", *ch.pwd_ids(student))
        ch.checked(ch.run_as(student, ["nbgrader", "fetch_assignment", "actors"], venv=venv), f"{student} fetch")
        fetched = student_home / "actors" / "actors.ipynb"
        assert nbformat.read(fetched, as_version=4).cells == release.cells  # what was released
        ch.write_as(student, fetched, nbformat.writes(ch.answered(release, source, kind)))
        out = ch.checked(ch.run_as(student, ["nbgrader", "submit", "actors"], venv=venv), f"{student} submit")
        assert "Submitted as: brinkmanship actors" in out

    # students cannot see each other's work, in the exchange or at home
    inbound = exchange / "brinkmanship" / "inbound"
    ann, ben = users["full"], users["partial"]
    ann_entry = next(inbound.glob(f"{ann}+actors+*"))
    assert ch.can_read(ben, inbound) == "PermissionError"  # cannot list the submissions
    assert ch.can_read(ben, ann_entry / "actors.ipynb") == "PermissionError"  # nor open one by its name
    assert ch.can_read(ben, ann_entry / "submission_secret.txt") == "PermissionError"
    assert ch.can_read(ben, Path(layout.home_root) / ann / "actors" / "actors.ipynb") == "PermissionError"
    assert ch.can_read(ben, course / "solutions") == "PermissionError"
    assert ch.can_read(ann, ann_entry / "actors.ipynb") == "ok"
    assert ch.can_read(teacher, ann_entry / "submission_secret.txt") == "ok"  # the instructors' group

    # ben files his own work under ann's name, later than hers (nbgrader submit accepts any --student):
    # plain `nbgrader collect` would take it as ann's newest submission
    forge = ["nbgrader", "submit", "actors", f"--student={ann}"]
    ch.checked(ch.run_as(ben, forge, venv=venv), "forged submit")
    entries = sorted(inbound.glob(f"{ann}+actors+*"))
    assert len(entries) == 2 and ch.pwd_ids(ben)[0] in {e.stat().st_uid for e in entries}

    out = ch.checked(ch.run_as(teacher, ["nbgrader", "collect", "actors"], cwd=course, env=env, venv=venv), "collect")
    assert "Collecting submission" in out
    assert "not collected (filed under another student's name)" in out
    for student in (ann, ben):
        assert (course / "submitted" / student / "actors" / "actors.ipynb").is_file()
    out = ch.checked(
        ch.run_as(
            teacher,
            ["brinkmanship", "grade", "actors", "submitted", "--no-progress", "--workers", "2"],
            cwd=course,
            env=env,
            venv=venv,
        ),
        "brinkmanship grade",
    )
    assert "graded 2" in out
    scores = ch.gradebook_scores(f"sqlite:///{course / 'gradebook.db'}", "actors")
    assert scores == {ann: ch.EXPECTED_AUTO["full"], ben: ch.EXPECTED_AUTO["partial"]}
