"""Plain-text tables and the machine-readable JSON report of a grading run, with student text made safe.

Student ids, file names and error messages come from students: before anything is printed or written,
control characters are escaped (:func:`brinkmanship.grading.intake.printable`), so no escape sequence
reaches an instructor's terminal or a report viewer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from brinkmanship.grading.intake import printable


def escape(value: Any) -> Any:
    """``value`` with every string (keys too) passed through :func:`printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {escape(k): escape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [escape(v) for v in value]
    return value


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A fixed-width table (readable in a terminal and in CI logs); cells are escaped, newlines flattened."""
    cells = [[_fmt(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells[1:]]
    return "\n".join(line.rstrip() for line in lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else printable(str(value)).replace("\n", " ").replace("\t", " ")


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def points(grades: list[dict[str, Any]]) -> tuple[float, float, int, int]:
    """(autograded points, autograded maximum, written answers awaiting a hand grade, written graded)."""
    auto = [g for g in grades if not g.get("written")]
    written = [g for g in grades if g.get("written")]
    pending = sum(1 for g in written if g.get("needs_manual_grade") and g.get("manual_score") is None)
    earned = sum(g.get("auto_score") or 0 for g in auto)
    return earned, sum(g["max_score"] for g in auto), pending, len(written) - pending


def late_text(seconds: float, source: str) -> str:
    if source.startswith("unknown"):
        return "unknown"
    if seconds <= 0:
        return "on time"
    hours = seconds / 3600
    return f"late {hours:.1f} h" if hours >= 1 else f"late {seconds / 60:.0f} min"


def summary(students: dict[str, dict[str, Any]]) -> str:
    rows = []
    for student, s in sorted(students.items()):
        earned, possible, pending, _done = points(s.get("grades", []))
        problems = s.get("problems", [])
        rows.append(
            [
                student,
                f"{earned:g}/{possible:g}" if s.get("graded") else "not graded",
                pending or "",
                late_text(s.get("seconds_late", 0.0), s.get("arrival_source", "unknown")),
                len(problems) or "",
                (problems[0] if problems else "")[:80],
            ]
        )
    return table(["student", "autograded", "written to grade", "arrival", "problems", "first problem"], rows)
