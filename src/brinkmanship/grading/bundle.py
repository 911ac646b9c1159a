"""What ``brinkmanship check`` needs of an assignment when there is no course directory (a wheel install).

A self-learner who ran ``pip install brinkmanship`` has the student notebooks but no ``solutions/``. To give
them the real verdicts, the package carries each assignment's gradebook entries (cells, points, the test
cells' full code with hidden tests; never solutions, which nbgrader removes before it saves cells) as a
*scrambled* JSON bundle: not readable by eye or grep, but not encrypted either. It exists so learners get
correct answers about their work; a determined reader can unscramble it, exactly as they could read the
public repository's ``solutions/``. No grade of a class ever depends on it: classes grade from a course
directory.

``brinkmanship release`` writes the bundles (``src/brinkmanship/grading/bundles/<assignment>.bundle``) next to
``assignments/``, and ``release --check`` compares them byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from pathlib import Path
from typing import Any

from brinkmanship.grading.course import COURSE_ID

BUNDLES = Path(__file__).resolve().parent / "bundles"
_KEY = b"brinkmanship self-check bundle: not secret, just not readable by accident"


def _keystream(n: int) -> bytes:
    out, counter = bytearray(), 0
    while len(out) < n:
        out += hashlib.sha256(_KEY + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:n])


def _scramble(data: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, _keystream(len(data)), strict=True))


def dump(db_url: str, assignment: str) -> bytes:
    """The assignment's gradebook entries as a deterministic scrambled text file."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, COURSE_ID) as gb:
        found = gb.find_assignment(assignment)
        notebooks = []
        for nb in sorted(found.notebooks, key=lambda n: n.name):
            notebooks.append(
                {
                    "name": nb.name,
                    "source_cells": sorted(
                        (c.name, c.cell_type, bool(c.locked), c.source, c.checksum) for c in nb.source_cells
                    ),
                    "grade_cells": sorted((c.name, float(c.max_score), c.cell_type) for c in nb.grade_cells),
                    "solution_cells": sorted(c.name for c in nb.solution_cells),
                    "task_cells": sorted((c.name, float(c.max_score), c.cell_type) for c in nb.task_cells),
                }
            )
    raw = json.dumps({"assignment": assignment, "notebooks": notebooks}, sort_keys=True).encode("utf-8")
    text = base64.b64encode(_scramble(zlib.compress(raw, 9))).decode("ascii")
    lines = [text[i : i + 76] for i in range(0, len(text), 76)]
    header = "# brinkmanship self-check bundle (scrambled, see brinkmanship/grading/bundle.py)"
    return "\n".join([header, *lines, ""]).encode()


def load(blob: bytes) -> dict[str, Any]:
    text = "".join(line for line in blob.decode("ascii").splitlines() if not line.startswith("#"))
    return json.loads(zlib.decompress(_scramble(base64.b64decode(text))))


def restore(blob: bytes, db_url: str) -> str:
    """Rebuild the bundle's assignment in a gradebook with nbgrader's API; return the assignment name."""
    from nbgrader.api import Gradebook

    from brinkmanship.grading.course import patch_nbgrader_alembic_head

    patch_nbgrader_alembic_head()
    data = load(blob)
    name = data["assignment"]
    with Gradebook(db_url, COURSE_ID) as gb:
        gb.update_or_create_assignment(name)
        for nb in data["notebooks"]:
            gb.update_or_create_notebook(nb["name"], name)
            for cell, max_score, cell_type in nb["grade_cells"]:
                gb.update_or_create_grade_cell(cell, nb["name"], name, max_score=max_score, cell_type=cell_type)
            for cell in nb["solution_cells"]:
                gb.update_or_create_solution_cell(cell, nb["name"], name)
            for cell, max_score, cell_type in nb["task_cells"]:
                gb.update_or_create_task_cell(cell, nb["name"], name, max_score=max_score, cell_type=cell_type)
            for cell, cell_type, locked, source, checksum in nb["source_cells"]:
                gb.update_or_create_source_cell(
                    cell, nb["name"], name, cell_type=cell_type, locked=locked, source=source, checksum=checksum
                )
    return name


def available() -> list[str]:
    return sorted(p.stem for p in BUNDLES.glob("*.bundle"))
