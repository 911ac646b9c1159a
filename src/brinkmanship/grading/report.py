"""Plain-text tables and the machine-readable JSON report of a grading run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A fixed-width table (no dependency; readable in a terminal and in CI logs)."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells[1:]]
    return "\n".join(line.rstrip() for line in lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def summary(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in sorted(results, key=lambda r: r["student"]):
        auto = [g for g in r.get("grades", []) if g.get("passed") is not None]
        earned = sum(g["auto_score"] or 0 for g in auto)
        possible = sum(g["max_score"] for g in auto)
        manual = sum(1 for g in r.get("grades", []) if g.get("needs_manual_grade"))
        rows.append(
            [
                r["student"],
                f"{earned:g}/{possible:g}",
                manual,
                len(r.get("problems", [])),
                "; ".join(r.get("problems", []))[:90],
            ]
        )
    return table(["student", "autograded", "to grade by hand", "problems", "first problems"], rows)
