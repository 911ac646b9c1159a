"""Find submissions in the shapes instructors actually get, and decide their time on the grader's side.

Accepted (SUBMISSIONS is a folder or a .zip):

* nbgrader layout: ``<student>/<assignment>/<notebook>.ipynb`` (what ``nbgrader collect`` writes), also
  ``<student>/<notebook>.ipynb``;
* LMS download: files named ``<student>_<anything>_<notebook>.ipynb`` in one folder or zip (Canvas:
  ``alice_12345_67890_actors.ipynb``, ``alice_LATE_12345_67890_actors-1.ipynb``; Moodle-like exports that
  put the name first work the same). Rule: the notebook is the longest known notebook name the file name ends
  with (after dropping ``-1``/``-Copy1``/`` (1)`` suffixes); the student id is the first ``_``-separated
  token. If an assignment has one notebook, a single differently named notebook is graded as that one.

Lateness is never read from ``timestamp.txt`` (students can write it): the time is the zip entry's time
(the LMS sets it when it builds the archive; read as UTC) or the file's modification time when it was
found. When several files map to the same student and notebook, the newest one is graded.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from brinkmanship.grading.course import GradingError

MAX_ENTRY_BYTES = 200 * 1024 * 1024
_COPY_SUFFIX = re.compile(r"(-copy\d*|-\d+| \(\d+\))$", re.IGNORECASE)
_SAFE = re.compile(r"[^A-Za-z0-9_.@-]+")


@dataclass
class Submission:
    student: str
    files: dict[str, Path] = field(default_factory=dict)
    times: dict[str, datetime] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def timestamp(self) -> str | None:
        return max(self.times.values()).isoformat() if self.times else None

    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0")
            try:
                h.update(self.files[name].read_bytes())
            except OSError:
                h.update(b"<unreadable>")
        return h.hexdigest()


@dataclass
class Intake:
    submissions: dict[str, Submission]
    problems: list[dict[str, str]]


def _strip(stem: str) -> str:
    while True:
        shorter = _COPY_SUFFIX.sub("", stem)
        if shorter == stem:
            return stem
        stem = shorter


def student_id(raw: str) -> str:
    return _SAFE.sub("-", raw).strip("-.") or "unknown"


def parse_lms_name(filename: str, notebooks: list[str]) -> tuple[str, str] | None:
    """(student, notebook) from an LMS file name, or None when no notebook name fits."""
    stem = _strip(Path(filename).stem)
    for name in sorted(notebooks, key=len, reverse=True):
        if stem == name or not stem.endswith("_" + name):
            continue
        prefix = stem[: -len(name) - 1]
        tokens = [t for t in prefix.split("_") if t]
        if tokens:
            return student_id(tokens[0]), name
    return None


def _match_notebook(path: Path, notebooks: list[str]) -> str | None:
    stem = _strip(path.stem)
    return stem if stem in notebooks else None


def collect(source: Path, assignment: str, notebooks: list[str], scratch: Path) -> Intake:
    """All submissions under ``source`` (folder or zip), keyed by student."""
    if not source.exists():
        raise GradingError(f"submissions not found: {source}")
    problems: list[dict[str, str]] = []
    found: list[tuple[str, str, Path, datetime, str]] = []  # student, notebook, path, time, original name
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise GradingError(f"{source} is neither a folder nor a zip file")
        base = scratch / "unzipped"
        for entry in _unzip(source, base, problems):
            parsed = parse_lms_name(entry[0].name, notebooks)
            if parsed is None:
                problems.append({"student": "", "reason": f"cannot tell student and notebook from {entry[1]!r}"})
                continue
            found.append((parsed[0], parsed[1], entry[0], entry[2], entry[1]))
    else:
        found += _scan_folder(source, assignment, notebooks, problems)

    submissions: dict[str, Submission] = {}
    for student, notebook, path, when, original in sorted(found, key=lambda f: f[3]):
        sub = submissions.setdefault(student, Submission(student))
        if notebook in sub.files:
            sub.notes.append(f"{notebook}: several files; graded the newest ({original})")
        sub.files[notebook] = path
        sub.times[notebook] = when
    return Intake(submissions, problems)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _scan_folder(
    source: Path, assignment: str, notebooks: list[str], problems: list[dict[str, str]]
) -> list[tuple[str, str, Path, datetime, str]]:
    found = []
    loose = sorted(p for p in source.glob("*.ipynb") if p.is_file())
    for path in loose:
        parsed = parse_lms_name(path.name, notebooks)
        if parsed is None:
            problems.append({"student": "", "reason": f"cannot tell student and notebook from {path.name!r}"})
            continue
        found.append((parsed[0], parsed[1], path, _mtime(path), path.name))
    for folder in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")):
        student = student_id(folder.name)
        inner = folder / assignment if (folder / assignment).is_dir() else folder
        files = sorted(p for p in inner.glob("*.ipynb") if p.is_file())
        if not files:
            if folder.name != "__MACOSX":
                problems.append({"student": student, "reason": f"no notebook in {folder.name}/ (scored 0)"})
                found.append((student, notebooks[0], inner / f"{notebooks[0]}.ipynb", _mtime(folder), ""))
            continue
        matched = {p: _match_notebook(p, notebooks) for p in files}
        if len(notebooks) == 1 and not any(matched.values()) and len(files) == 1:
            matched[files[0]] = notebooks[0]
            problems.append(
                {
                    "student": student,
                    "reason": f"notebook submitted as {files[0].name!r}; graded as {notebooks[0]}.ipynb",
                }
            )
        for path, notebook in matched.items():
            if notebook is None:
                problems.append({"student": student, "reason": f"unknown notebook {path.name!r} ignored"})
                continue
            if path.stem != notebook and not any(
                p["student"] == student and path.name in p["reason"] for p in problems
            ):
                problems.append(
                    {"student": student, "reason": f"notebook submitted as {path.name!r}; graded as {notebook}.ipynb"}
                )
            found.append((student, notebook, path, _mtime(path), f"{folder.name}/{path.name}"))
    return found


def _unzip(archive: Path, base: Path, problems: list[dict[str, str]]) -> list[tuple[Path, str, datetime]]:
    out = []
    base.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as zf:
        for index, info in enumerate(zf.infolist()):
            name = info.filename
            if info.is_dir() or "__MACOSX" in name or not name.lower().endswith(".ipynb"):
                continue
            if info.file_size > MAX_ENTRY_BYTES:
                problems.append({"student": "", "reason": f"{name!r} is larger than {MAX_ENTRY_BYTES} bytes: skipped"})
                continue
            target = base / f"{index:05d}" / Path(name).name  # never trust paths inside the archive
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src:
                target.write_bytes(src.read(MAX_ENTRY_BYTES + 1))
            out.append((target, name, datetime(*info.date_time, tzinfo=UTC)))
    return out
