"""Repository promises: the README starts with the two commands, licences are in place, nothing reads ../shared."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def _tracked_and_new(repo_root: Path) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [repo_root / p for p in out if (repo_root / p).is_file()]


def test_readme_opens_with_the_two_commands(repo_root: Path) -> None:
    text = (repo_root / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert first_block and text.index("```bash") < 400, "the set-up commands must be the first thing in README"
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert "make lab" in commands and "make test" in commands
    from brinkmanship import ARTICLE_URL

    assert ARTICLE_URL in text


def test_licences(repo_root: Path) -> None:
    assert "BSD 3-Clause" in (repo_root / "LICENSE").read_text()
    content = (repo_root / "LICENSE-CONTENT.md").read_text()
    assert "CC BY 4.0" in content and "not redistributed" in content


def test_ci_runs_make_test_and_installs_chromium(repo_root: Path) -> None:
    ci = (repo_root / ".ci" / "run").read_text()
    assert "make test" in ci and "apt-get install" in ci and "chromium" in ci
    assert "CI=true" in ci


def test_nothing_reads_the_shared_reference_folder(repo_root: Path) -> None:
    pattern = re.compile(r"\.\./shared|/work/" + "shared")
    offenders = []
    for path in _tracked_and_new(repo_root):
        if path.suffix in {".png", ".db", ".zip"} or path == Path(__file__):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if pattern.search(text):
            offenders.append(str(path.relative_to(repo_root)))
    assert offenders == [], f"these files point at ../shared, which a fresh clone does not have: {offenders}"


def test_no_gradebook_or_student_work_committed(repo_root: Path) -> None:
    names = {p.relative_to(repo_root).parts[0] for p in _tracked_and_new(repo_root)}
    assert not names & {"submitted", "autograded", "feedback", "exchange", "gradebook.db", ".venv"}
