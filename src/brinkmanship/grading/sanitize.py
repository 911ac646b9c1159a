"""Rebuild a submitted notebook on the released template before nbgrader sees it.

nbgrader aborts a whole batch on a duplicated nbgrader cell and fails a whole submission on edited grade
metadata or a foreign grade id. Here every nbgrader cell is taken from the release (the student's text is kept
only for answer cells), duplicates and foreign ids are dropped, deleted cells come back, and the student's own
extra cells stay next to the answer they followed. The result is what nbgrader expects, so the worst an edit
can cost is the question it touched.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode


class NotANotebookError(ValueError):
    """The submitted file cannot be read as a Jupyter notebook."""


def nbgrader_id(cell: NotebookNode) -> str | None:
    """The cell's nbgrader ``grade_id``, whatever else its metadata says (cells are matched by id alone)."""
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    if not isinstance(meta, dict):
        return None
    grade_id = meta.get("grade_id")
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _meta(cell: NotebookNode) -> dict:
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def is_answer(cell: NotebookNode) -> bool:
    return bool(_meta(cell).get("solution"))


def is_test(cell: NotebookNode) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def read_submission(raw: bytes) -> NotebookNode:
    """Parse any nbformat version into v4, with a clear error for anything that is not a notebook."""
    if not raw.strip():
        raise NotANotebookError("the file is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotANotebookError(f"the file is not valid notebook JSON ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(data, dict) or ("cells" not in data and "worksheets" not in data):
        raise NotANotebookError("the JSON has no notebook cells")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # nbformat raises many types for odd versions
        raise NotANotebookError(f"unsupported notebook format ({exc})") from None
    if not isinstance(nb.get("cells"), list):
        raise NotANotebookError("the notebook has no cell list")
    return nb


@dataclass
class Sanitized:
    notebook: NotebookNode
    notes: list[str] = field(default_factory=list)


def sanitize(submitted: NotebookNode, template: NotebookNode) -> Sanitized:
    """Return the submission rebuilt on ``template`` (the released notebook) and what had to be repaired."""
    notes: list[str] = []
    template_cells = {cid: cell for cell in template.cells if (cid := nbgrader_id(cell))}
    order = list(template_cells)

    # Which student cell answers each answer id: the last copy still marked as an answer (like nbgrader).
    chosen: dict[str, int] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(submitted.cells):
        cid = nbgrader_id(cell)
        if cid is None:
            continue
        seen[cid] = seen.get(cid, 0) + 1
        if cid in template_cells and (not is_answer(template_cells[cid]) or is_answer(cell) or cid not in chosen):
            chosen[cid] = index
    for cid, count in seen.items():
        if cid not in template_cells:
            notes.append(f"cell claiming grade id {cid!r} is not part of the assignment: kept as an ordinary cell")
        elif count > 1:
            notes.append(f"cell {cid!r} appears {count} times: the extra copies were ignored")

    before: dict[str, list[NotebookNode]] = {cid: [] for cid in order}
    pending: list[NotebookNode] = []
    for index, cell in enumerate(submitted.cells):
        cid = nbgrader_id(cell)
        if cid in template_cells:
            if chosen.get(cid) == index:
                before[cid].extend(pending)
                pending = []
            elif is_answer(template_cells[cid]):
                pending.append(_plain(cell))  # a spare copy of an answer still holds the student's code
            continue
        pending.append(_plain(cell))

    rebuilt: list[NotebookNode] = []
    for cid in order:
        rebuilt.extend(before[cid])
        official = copy.deepcopy(template_cells[cid])
        if cid not in chosen:
            notes.append(f"cell {cid!r} was missing: restored from the assignment")
        elif is_answer(official):
            student = submitted.cells[chosen[cid]]
            official.source = _source(student)
            if isinstance(student.get("attachments"), dict) and official.cell_type == "markdown":
                official.attachments = copy.deepcopy(student.attachments)
        else:
            student = submitted.cells[chosen[cid]]
            if _source(student) != template_cells[cid].source or student.get("cell_type") != official.cell_type:
                notes.append(f"read-only cell {cid!r} was edited: restored from the assignment")
        rebuilt.append(official)
    rebuilt.extend(pending)

    for index, cell in enumerate(rebuilt):
        cell["id"] = f"cell-{index:04d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb = nbformat.v4.new_notebook(metadata=copy.deepcopy(template.metadata))
    nb.cells = rebuilt
    nb.nbformat, nb.nbformat_minor = 4, 5
    return Sanitized(nb, notes)


def _source(cell: NotebookNode) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(line) for line in source)
    return source if isinstance(source, str) else ""


def _plain(cell: NotebookNode) -> NotebookNode:
    """The student's own cell as a valid, untagged cell of the same kind (only its text and attachments)."""
    v4 = nbformat.v4
    kind = cell.get("cell_type")
    if kind == "code":
        return v4.new_code_cell(_source(cell))
    if kind == "raw":
        return v4.new_raw_cell(_source(cell))
    clean = v4.new_markdown_cell(_source(cell))
    if isinstance(cell.get("attachments"), dict):
        clean.attachments = copy.deepcopy(cell["attachments"])
    return clean
