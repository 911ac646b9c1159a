"""Find submissions in the shapes instructors get, without trusting anything about them.

Accepted (SUBMISSIONS is a folder or a .zip; a folder may also hold LMS .zip downloads):

* nbgrader layout: ``<student>/<assignment>/<notebook>.ipynb`` (what ``nbgrader collect`` writes), also
  ``<student>/<notebook>.ipynb``;
* LMS download: files named ``<student>_<anything>_<notebook>.ipynb`` loose in a folder or in a zip
  (Canvas: ``alice_12345_67890_actors.ipynb``, ``alice_LATE_12345_67890_actors-1.ipynb``). The notebook is the
  longest known notebook name the file name ends with (after dropping ``-1``, ``-Copy1``, `` (1)``); the
  student is the first ``_``-separated token. Two LMS users with the same name token stay two students
  (the LMS user id is added to the later one's id).

Rules that hold whatever the input: symlinks and special files are never followed, only reported; zip
entries with absolute or ``..`` paths, symlink entries, encrypted, corrupt and oversized (zip bomb) entries
are refused with a reason; every file found is graded or reported; student ids are kept exactly as given
(any Unicode) and mapped to collision-free folder names (:func:`disk_name`). Bytes are copied into the
run's scratch folder once, so nothing changes under the grader afterwards.

Arrival time is decided on the grader's side and recorded with how it was decided: the exchange's inbound
entry (its change time, which its owner cannot set back) for ``nbgrader collect`` folders, the zip entry's
time (set by the LMS) for zips; otherwise it is unknown and lateness is not judged. ``timestamp.txt`` and
file modification times are never used: whoever handled the file can set them.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from brinkmanship.grading.course import GradingError

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
MAX_ZIP_TOTAL = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, above 1 MB
MAX_REPORTED = 2000
_COPY_SUFFIX = re.compile(r"(-copy\d*|-\d+| \(\d+\))$", re.IGNORECASE)
_PLAIN = re.compile(r"^[A-Za-z0-9_@-][A-Za-z0-9_.@-]{0,63}$")


def disk_name(student: str) -> str:
    """A folder and gradebook name for ``student``: itself when plain ASCII, else an injective encoding.

    Plain names contain no ``%``; encoded ones start with ``%`` and percent-encode every byte outside
    ``[A-Za-z0-9_.-]``, so no two ids ever share a name (``a b``, ``a-b``, ``張偉`` and ``张伟`` stay apart).
    """
    if _PLAIN.match(student) and student not in (".", ".."):
        return student
    encoded = "%" + quote(student, safe="")
    if len(encoded) > 120:
        encoded = encoded[:96] + "~" + hashlib.sha256(student.encode("utf-8")).hexdigest()[:20]
    return encoded


def printable(text: str) -> str:
    """``text`` with control characters escaped (safe for a terminal and for reports)."""
    out = []
    for ch in str(text):
        if ch in "\n\t":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") or ch in "\u2028\u2029":
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class File:
    """One candidate notebook: its bytes (copied), where it came from and when it arrived."""

    student: str
    notebook: str
    data: Path
    origin: str
    arrival: datetime | None = None
    arrival_source: str = ""
    lms_user: str | None = None
    note: str = ""


@dataclass
class Submission:
    student: str
    disk_id: str
    files: dict[str, Path] = field(default_factory=dict)  # notebook -> copied bytes
    origins: dict[str, str] = field(default_factory=dict)
    arrival: datetime | None = None
    arrival_source: str = "unknown: the input carries no time the grader can trust"
    notes: list[str] = field(default_factory=list)
    lms_user: str | None = None

    def digest(self) -> str:
        h = hashlib.sha256(self.student.encode("utf-8") + b"\0")
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].read_bytes() + b"\0")
        h.update((self.arrival.isoformat() if self.arrival else "").encode())
        return h.hexdigest()


@dataclass
class Intake:
    submissions: dict[str, Submission]  # by student id as given
    problems: list[dict[str, str]]  # files that could not be used, with the reason
    ignored: list[dict[str, str]]  # files that are not submissions (checkpoints, timestamp.txt, ...)
    looked_for: str


class _Found:
    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.files: list[File] = []
        self.problems: list[dict[str, str]] = []
        self.ignored: list[dict[str, str]] = []
        self._n = 0

    def problem(self, path: str, reason: str, student: str = "") -> None:
        if len(self.problems) < MAX_REPORTED:
            self.problems.append({"student": student, "path": path, "reason": reason})

    def ignore(self, path: str, reason: str) -> None:
        if len(self.ignored) < MAX_REPORTED:
            self.ignored.append({"path": path, "reason": reason})

    def keep(self, data: bytes) -> Path:
        self._n += 1
        target = self.scratch / f"{self._n:06d}.ipynb"
        target.write_bytes(data)
        return target


def _strip(stem: str) -> str:
    while True:
        shorter = _COPY_SUFFIX.sub("", stem)
        if shorter == stem:
            return stem
        stem = shorter


def parse_lms_name(filename: str, notebooks: list[str]) -> tuple[str, str, str | None] | None:
    """(student, notebook, LMS user id or None) from an LMS file name, or None when no notebook name fits."""
    stem = _strip(Path(filename).stem)
    for name in sorted(notebooks, key=len, reverse=True):
        if stem == name or not stem.endswith("_" + name):
            continue
        tokens = [t for t in stem[: -len(name) - 1].split("_") if t]
        if not tokens:
            continue
        rest = [t for t in tokens[1:] if t.upper() != "LATE"]
        user = rest[0] if rest and rest[0].isdigit() else None
        return tokens[0], name, user
    return None


def collect(source: Path, assignment: str, notebooks: list[str], scratch: Path, inbound: Path | None = None) -> Intake:
    """All submissions under ``source`` (folder or zip), keyed by student id as given."""
    looked_for = (
        f"<student>/{assignment}/<notebook>.ipynb or <student>/<notebook>.ipynb folders, or LMS files "
        f"<student>_..._<notebook>.ipynb (loose or in .zip files), for the notebooks {', '.join(notebooks)}"
    )
    try:
        info = os.lstat(source)
    except OSError:
        raise GradingError(f"submissions not found: {source}") from None
    scratch.mkdir(parents=True, exist_ok=True)
    found = _Found(scratch)
    if stat.S_ISLNK(info.st_mode):
        raise GradingError(f"{source} is a symlink: pass the real folder or zip")
    if stat.S_ISREG(info.st_mode):
        if not zipfile.is_zipfile(source):
            raise GradingError(f"{source} is neither a folder nor a zip file")
        _read_zip(source, source.name, notebooks, found)
    elif stat.S_ISDIR(info.st_mode):
        _scan_folder(source, assignment, notebooks, found)
    else:
        raise GradingError(f"{source} is not a regular file or folder")
    if inbound is not None:
        _exchange_times(found.files, inbound, assignment)
    return Intake(_group(found), found.problems, found.ignored, looked_for)


def _read_regular(path: Path, found: _Found, shown: str, student: str = "") -> bytes | None:
    """The bytes of a regular file, refusing symlinks (even if swapped in meanwhile) and huge files."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        found.problem(shown, f"cannot be read ({exc.strerror}): not graded", student)
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            found.problem(shown, "not a regular file: not read", student)
            return None
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > MAX_NOTEBOOK_BYTES:
                found.problem(shown, f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MB: not graded", student)
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def _kind(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return "symlink"
    if entry.is_dir(follow_symlinks=False):
        return "dir"
    if entry.is_file(follow_symlinks=False):
        return "file"
    return "special"


def _refuse(found: _Found, shown: str, kind: str, student: str = "") -> None:
    if kind == "symlink":
        found.problem(shown, "a symbolic link: never followed, not graded", student)
    else:
        found.problem(shown, "a special file (device, pipe or socket): not read", student)


def _scan_folder(source: Path, assignment: str, notebooks: list[str], found: _Found) -> None:
    for entry in _entries(source):
        kind, shown = _kind(entry), entry.name
        if kind in ("symlink", "special"):
            _refuse(found, shown, kind)
        elif kind == "file":
            _loose_file(Path(entry.path), shown, notebooks, found)
        elif entry.name in ("__MACOSX", ".ipynb_checkpoints"):
            found.ignore(shown + "/", "not a submission (system or checkpoint folder)")
        else:
            _student_folder(Path(entry.path), entry.name, assignment, notebooks, found)


def _loose_file(path: Path, shown: str, notebooks: list[str], found: _Found) -> None:
    name = path.name
    if name.lower().endswith(".zip"):
        _read_zip(path, shown, notebooks, found)
        return
    if not name.lower().endswith(".ipynb"):
        found.ignore(shown, "not a notebook or a zip")
        return
    parsed = parse_lms_name(name, notebooks)
    if parsed is None:
        found.problem(
            shown, "cannot tell student and notebook from the file name (expected <student>_..._<notebook>.ipynb)"
        )
        return
    data = _read_regular(path, found, shown, parsed[0])
    if data is not None:
        found.files.append(File(parsed[0], parsed[1], found.keep(data), shown, lms_user=parsed[2]))


def _student_folder(folder: Path, student: str, assignment: str, notebooks: list[str], found: _Found) -> None:
    inner, prefix = folder, student + "/"
    entries = _entries(folder)
    sub = [e for e in entries if e.name == assignment and _kind(e) == "dir"]
    if sub:
        for entry in entries:
            if entry.name != assignment:
                kind = _kind(entry)
                if kind in ("symlink", "special"):
                    _refuse(found, prefix + entry.name, kind, student)
                else:
                    found.ignore(prefix + entry.name, f"outside the {assignment}/ folder")
        inner, prefix = folder / assignment, f"{student}/{assignment}/"
        entries = _entries(inner)
    candidates: list[tuple[Path, str]] = []
    for entry in entries:
        kind, shown = _kind(entry), prefix + entry.name
        if kind in ("symlink", "special"):
            _refuse(found, shown, kind, student)
        elif kind == "dir":
            found.ignore(shown + "/", "a folder inside a submission (checkpoints, extra files): not graded")
        elif entry.name == "timestamp.txt":
            found.ignore(shown, "written on the student's side: never used for lateness")
        elif not entry.name.lower().endswith(".ipynb"):
            found.ignore(shown, "not a notebook")
        else:
            candidates.append((Path(entry.path), shown))
    if not candidates:
        found.problem(prefix, "no notebook in this folder: scored 0", student)
        found.files.append(File(student, "", Path(), prefix))  # the student exists, with nothing graded
        return
    matched = {path: (_strip(path.stem) if _strip(path.stem) in notebooks else None) for path, _ in candidates}
    if len(notebooks) == 1 and len(candidates) == 1 and not any(matched.values()):
        matched[candidates[0][0]] = notebooks[0]
    for path, shown in candidates:
        notebook = matched[path]
        if notebook is None:
            found.problem(shown, f"not a notebook of this assignment ({', '.join(notebooks)}): not graded", student)
            continue
        data = _read_regular(path, found, shown, student)
        if data is None:
            continue
        note = "" if path.stem == notebook else f"submitted as {path.name!r}; graded as {notebook}.ipynb"
        found.files.append(File(student, notebook, found.keep(data), shown, note=note))


def _zip_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "an absolute path inside the zip: refused"
    if ".." in re.split(r"[\\/]", name):
        return "a '..' path inside the zip: refused"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link inside the zip: refused"
    if info.flag_bits & 0x1:
        return "an encrypted zip entry: refused"
    return None


def _read_zip(archive: Path, shown: str, notebooks: list[str], found: _Found) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        found.problem(shown, f"not a readable zip ({exc}): nothing graded from it")
        return
    total = 0
    with zf:
        for info in zf.infolist():
            where = f"{shown}:{info.filename}"
            if info.is_dir():
                continue
            reason = _zip_problem(info)
            base = re.split(r"[\\/]", info.filename)[-1]
            if reason is None and ("__MACOSX" in info.filename or base.startswith("._")):
                found.ignore(where, "macOS metadata, not a submission")
                continue
            if reason is None and not base.lower().endswith(".ipynb"):
                found.ignore(where, "not a notebook")
                continue
            if reason is None and info.file_size > MAX_NOTEBOOK_BYTES:
                reason = f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MB uncompressed: refused"
            if reason:
                found.problem(where, reason)
                continue
            parsed = parse_lms_name(base, notebooks)
            if parsed is None:
                found.problem(where, "cannot tell student and notebook from the file name")
                continue
            data = _unzip_entry(zf, info, found, where, total)
            if data is None:
                continue
            total += len(data)
            when = datetime(*info.date_time, tzinfo=UTC)
            found.files.append(
                File(parsed[0], parsed[1], found.keep(data), where, when, "zip entry time (set by the LMS)", parsed[2])
            )


def _unzip_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, found: _Found, where: str, total: int) -> bytes | None:
    """Read one entry with hard caps (the sizes in a zip header can lie), or report why not."""
    try:
        with zf.open(info) as src:
            data = src.read(MAX_NOTEBOOK_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        found.problem(where, f"a corrupt zip entry ({type(exc).__name__}: {exc}): not graded")
        return None
    if len(data) > MAX_NOTEBOOK_BYTES:
        found.problem(where, f"expands beyond {MAX_NOTEBOOK_BYTES // 2**20} MB (zip bomb?): refused")
        return None
    if len(data) > 1 << 20 and len(data) > MAX_RATIO * max(1, info.compress_size):
        found.problem(where, f"expands more than {MAX_RATIO} times (zip bomb?): refused")
        return None
    if total + len(data) > MAX_ZIP_TOTAL:
        found.problem(where, "the zip expands beyond 2 GB in all: the rest was refused")
        return None
    return data


def _exchange_times(files: list[File], inbound: Path, assignment: str) -> None:
    """Arrival from nbgrader's exchange: the change time of the inbound entry holding the same bytes."""
    if not inbound.is_dir():
        return
    index: dict[tuple[str, str], list[tuple[float, bytes]]] = {}
    try:
        entries = _entries(inbound)
    except OSError:
        return
    for entry in entries:
        parts = entry.name.split("+")
        if len(parts) < 3 or parts[1] != assignment or _kind(entry) != "dir":
            continue
        try:
            changed = os.lstat(entry.path).st_ctime
            for nb in _entries(Path(entry.path)):
                if _kind(nb) == "file" and nb.name.endswith(".ipynb"):
                    digest = hashlib.sha256(Path(nb.path).read_bytes()).digest()
                    index.setdefault((parts[0], Path(nb.name).stem), []).append((changed, digest))
        except OSError:
            continue
    for f in files:
        if not f.notebook or f.arrival is not None:
            continue
        digest = hashlib.sha256(f.data.read_bytes()).digest()
        times = [t for t, d in index.get((f.student, f.notebook), []) if d == digest]
        if times:
            f.arrival = datetime.fromtimestamp(min(times), tz=UTC)
            f.arrival_source = "nbgrader exchange: change time of the inbound submission"


def _group(found: _Found) -> dict[str, Submission]:
    """Files by student; LMS users sharing a name token become different students; newest file wins."""
    users: dict[str, set[str]] = {}
    for f in found.files:
        if f.lms_user:
            users.setdefault(f.student, set()).add(f.lms_user)
    for f in found.files:
        if f.lms_user and len(users.get(f.student, ())) > 1:
            f.student = f"{f.student}_{f.lms_user}"
    submissions: dict[str, Submission] = {}
    taken: dict[str, str] = {}
    order = sorted(found.files, key=lambda f: (f.arrival or datetime.min.replace(tzinfo=UTC), f.origin))
    for f in order:
        sub = submissions.get(f.student)
        if sub is None:
            disk = disk_name(f.student)
            if disk in taken and taken[disk] != f.student:  # pragma: no cover  (disk_name is injective)
                disk = disk_name(f.student + "\0")
            taken[disk] = f.student
            sub = submissions[f.student] = Submission(f.student, disk, lms_user=f.lms_user)
        if not f.notebook:
            continue
        if f.notebook in sub.files:
            sub.notes.append(f"{f.notebook}: several files; graded the latest ({f.origin})")
        sub.files[f.notebook] = f.data
        sub.origins[f.notebook] = f.origin
        if f.note:
            sub.notes.append(f.note)
        if f.arrival is not None and (sub.arrival is None or f.arrival > sub.arrival):
            sub.arrival, sub.arrival_source = f.arrival, f.arrival_source
    for user_name, ids in users.items():
        if len(ids) > 1:
            for sub in submissions.values():
                if sub.student.startswith(user_name + "_") and sub.lms_user in ids:
                    sub.notes.append(
                        f"{len(ids)} LMS users share the name {user_name!r}: kept apart as {sub.student!r}"
                    )
    return submissions
