"""``brinkmanship export``: grades table, item analysis and a histogram of totals from the gradebook.

Item analysis per question: mean score, share of students with full marks, and discrimination (Pearson
correlation of the item with the rest of the assignment, i.e. the total minus that item): a question
good students get right and weak students miss has a high value; near zero or negative deserves a look.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from brinkmanship.grading.course import GradingError, default_db_url


def scores(db_url: str, assignment: str) -> pd.DataFrame:
    """Students x questions table of final scores (manual score if set, else the autograde score)."""
    from nbgrader.api import Gradebook, MissingEntry

    rows: dict[str, dict[str, float]] = {}
    columns: list[str] = []
    maxima: dict[str, float] = {}
    with Gradebook(db_url, "brinkmanship") as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise GradingError(f"no assignment {assignment!r} in the gradebook {db_url}") from None
        for nb in found.notebooks:
            for cell in nb.grade_cells:
                key = cell.name if len(found.notebooks) == 1 else f"{nb.name}:{cell.name}"
                columns.append(key)
                maxima[key] = float(cell.max_score)
        for sub in found.submissions:
            row = {}
            for nb in sub.notebooks:
                for grade in nb.grades:
                    key = grade.name if len(found.notebooks) == 1 else f"{nb.name}:{grade.name}"
                    row[key] = float(grade.score or 0.0)
            rows[sub.student.id] = row
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns).sort_index()
    frame.index.name = "student"
    frame.attrs["max"] = maxima
    return frame


def item_analysis(frame: pd.DataFrame) -> pd.DataFrame:
    maxima = frame.attrs.get("max", {})
    total = frame.sum(axis=1)
    out = []
    for question in frame.columns:
        item = frame[question].astype(float)
        rest = total - item
        if len(item) > 2 and item.std() > 0 and rest.std() > 0:
            discrimination = round(float(item.corr(rest)), 3)
        else:
            discrimination = None
        out.append(
            {
                "question": question,
                "max_points": maxima.get(question),
                "mean": round(float(item.mean()), 3),
                "share_full_marks": round(float((item >= maxima.get(question, item.max())).mean()), 3),
                "discrimination": discrimination,
                "n": int(item.count()),
            }
        )
    return pd.DataFrame(out)


def histogram(frame: pd.DataFrame, assignment: str, path: Path) -> str:
    """Histogram of totals as a PNG with title, alt text in PNG metadata and a sidecar .txt; return alt text."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from brinkmanship.style import OKABE_ITO, set_accessible

    total = frame.sum(axis=1)
    possible = sum(frame.attrs.get("max", {}).values())
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(total, bins=min(10, max(1, len(set(total)))), color=OKABE_ITO["blue"], edgecolor=OKABE_ITO["black"])
    ax.set_xlabel(f"total score (of {possible:g})")
    ax.set_ylabel("students")
    title = f"Total scores, {assignment}"
    alt = (
        f"Histogram of total scores for {assignment}: {len(total)} students, mean {total.mean():.2f}, "
        f"median {total.median():.2f}, lowest {total.min():g}, highest {total.max():g} of {possible:g}."
    )
    set_accessible(fig, title, alt)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Title": title, "Description": alt})
    plt.close(fig)
    path.with_suffix(".alt.txt").write_text(alt + "\n", encoding="utf-8")
    return alt


def export(root: Path, assignment: str | None = None, out: Path | None = None, db_url: str | None = None) -> list[Path]:
    from nbgrader.api import Gradebook

    db_url = db_url or default_db_url(root)
    out = out or root / "exports"
    out.mkdir(parents=True, exist_ok=True)
    if assignment:
        names = [assignment]
    else:
        with Gradebook(db_url, "brinkmanship") as gb:
            names = [a.name for a in gb.assignments]
    written: list[Path] = []
    for name in names:
        frame = scores(db_url, name)
        if frame.empty:
            print(f"{name}: no graded submissions yet")
            continue
        table = frame.copy()
        table["total"] = frame.sum(axis=1)
        grades = out / f"{name}-grades.csv"
        table.to_csv(grades)
        items = out / f"{name}-items.csv"
        item_analysis(frame).to_csv(items, index=False)
        png = out / f"{name}-totals.png"
        histogram(frame, name, png)
        written += [grades, items, png, png.with_suffix(".alt.txt")]
    return written
