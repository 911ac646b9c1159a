"""The course without the repository: ``brinkmanship start`` copies it out, ``brinkmanship lab`` opens it.

A learner who installed the package from the index gets the lessons and the student assignments (never
the solutions) in a folder of their own. Running ``start`` again never overwrites their work: files they
changed are kept, and the course's newer version of such a file is put beside it.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from brinkmanship import paths

DEFAULT_DIR = "brinkmanship-course"


@dataclass
class Copied:
    folder: Path
    new: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the learner's edited files, left as they were


def _course_files(source: Path) -> list[Path]:
    files = []
    for part in ("lessons", "assignments"):
        for path in sorted((source / part).rglob("*")):
            rel = path.relative_to(source)
            if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                files.append(rel)
    return files


def start(folder: Path) -> Copied:
    """Copy the lessons and assignments into ``folder``, keeping every file the learner already changed."""
    source = paths.course_files()
    done = Copied(folder.resolve())
    for rel in _course_files(source):
        target = folder / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / rel, target)
            done.new.append(rel.as_posix())
        elif filecmp.cmp(source / rel, target, shallow=False):
            done.unchanged.append(rel.as_posix())
        else:
            fresh = target.with_name(f"{target.stem}.course-version{target.suffix}")
            shutil.copy2(source / rel, fresh)
            done.kept.append(rel.as_posix())
    return done


def report(done: Copied) -> str:
    lines = [f"The course is in {done.folder}: {len(done.new)} file(s) copied, {len(done.unchanged)} already there."]
    for rel in done.kept:
        lines.append(
            f"  kept your edited {rel} (the course's version is beside it as "
            f"{Path(rel).stem}.course-version{Path(rel).suffix})"
        )
    lines += [
        "",
        f"Open it:   brinkmanship lab {done.folder}",
        "Start with lessons/README.md. In an assignment, run its last cell (Check your work), or in a terminal:",
        f"           brinkmanship check {done.folder / 'assignments' / 'actors' / 'actors.ipynb'}",
    ]
    return "\n".join(lines)


def lab_command(folder: Path, port: int | None = None) -> list[str]:
    """The JupyterLab command for ``folder``: the lessons' index first, the terminal with this environment."""
    config = Path(__file__).resolve().parent / "labconfig" / "jupyter_server_config.py"
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", f"--config={config}"]
    if (folder / "lessons" / "README.md").is_file():
        cmd.append("--LabApp.default_url=/lab/tree/lessons/README.md")
    if port:
        cmd += [f"--port={port}", "--ServerApp.port_retries=0"]
    if os.getuid() == 0:
        cmd.append("--allow-root")
    return cmd
