"""``brinkmanship export``: grades table, item analysis and a histogram of totals from the gradebook.

Written answers not yet graded by hand are *pending*, not 0: the CSV says ``pending``, the item analysis
leaves them out (``n`` counts graded answers only), and a total is only final when nothing is pending.
Late submissions carry their lateness and nbgrader's late penalty (``AssignLatePenalties``), subtracted from
the total as ``nbgrader export`` does.

Item analysis per question: mean score, share of students with full marks, and discrimination (Pearson
correlation of the item with the rest of the assignment, i.e. the total minus that item): a question
good students get right and weak students miss has a high value; near zero or negative deserves a look.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd

from brinkmanship.grading import gradebook
from brinkmanship.grading.course import default_db_url


def scores(db_url: str, assignment: str) -> pd.DataFrame:
    """Students x grade cells: the final score, or NaN while a written answer awaits its hand grade."""
    rows, maxima, extra = gradebook.final_scores(db_url, assignment)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(maxima), dtype=float).sort_index()
    frame.index.name = "student"
    frame.attrs["max"] = maxima
    frame.attrs["extra"] = extra
    return frame


def grades_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The CSV's table: every cell's score or ``pending``, lateness, penalty and the total."""
    extra = frame.attrs.get("extra", {})
    table = frame.astype(object).where(frame.notna(), "pending")
    table.insert(0, "name", [extra.get(s, {}).get("name", "") for s in frame.index])
    table["pending"] = frame.isna().sum(axis=1).astype(int)
    table["submitted_at"] = [extra.get(s, {}).get("timestamp") or "" for s in frame.index]
    table["seconds_late"] = [round(extra.get(s, {}).get("late_seconds", 0.0), 1) for s in frame.index]
    table["late_penalty"] = [extra.get(s, {}).get("penalty", 0.0) for s in frame.index]
    raw = frame.fillna(0.0).sum(axis=1)
    table["total"] = [
        "pending" if pend else round(max(0.0, value - pen), 3)
        for value, pend, pen in zip(raw, table["pending"], table["late_penalty"], strict=True)
    ]
    table["total_so_far"] = (raw - table["late_penalty"]).clip(lower=0).round(3)
    return table


def item_analysis(frame: pd.DataFrame) -> pd.DataFrame:
    maxima = frame.attrs.get("max", {})
    total = frame.fillna(0.0).sum(axis=1)
    out = []
    for question in frame.columns:
        item = frame[question].astype(float)
        graded = item.notna()
        rest = (total - item.fillna(0.0))[graded]
        item = item[graded]
        if len(item) > 2 and item.std() > 0 and rest.std() > 0:
            discrimination = round(float(item.corr(rest)), 3)
        else:
            discrimination = None
        out.append(
            {
                "question": question,
                "max_points": maxima.get(question),
                "mean": round(float(item.mean()), 3) if len(item) else None,
                "share_full_marks": round(float((item >= maxima.get(question, item.max())).mean()), 3)
                if len(item)
                else None,
                "discrimination": discrimination,
                "n": len(item),
                "pending": int((~graded).sum()),
            }
        )
    return pd.DataFrame(out)


def totals_figure(frame: pd.DataFrame, assignment: str) -> tuple[object, str, str]:
    """The histogram of final totals: one bar per total reached, one title; returns (figure, title, alt)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from brinkmanship.style import OKABE_ITO, set_accessible

    final = frame[frame.notna().all(axis=1)]
    total = final.sum(axis=1)
    possible = sum(frame.attrs.get("max", {}).values())
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    counts = total.round(2).value_counts().sort_index()
    steps = sorted({round(float(v), 2) for v in counts.index} | {0.0, round(possible, 2)})
    # a bar is one total, never a range: at most a point wide, and each total reached is labelled
    width = 0.8 * min([1.0, *(b - a for a, b in itertools.pairwise(steps))])
    ax.bar(counts.index, counts.values, width=width, color=OKABE_ITO["blue"], edgecolor=OKABE_ITO["black"])
    ax.set_xticks(steps)
    ax.set_xlim(-0.5, possible + 0.5)
    ax.set_xlabel(f"total score (of {possible:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    pending = len(frame) - len(final)
    title = f"Total scores, {assignment}"
    bars = "; ".join(f"{n} with {v:g}" for v, n in counts.items())
    alt = (
        f"Bar chart of total scores for {assignment}, one bar per total: {bars}. {len(total)} students with "
        f"final totals out of {possible:g}"
        + (f"; {pending} more await hand grading and are not shown." if pending else ".")
    )
    set_accessible(fig, title, alt)
    fig.tight_layout()
    return fig, title, alt


def histogram(frame: pd.DataFrame, assignment: str, path: Path) -> str:
    """Save :func:`totals_figure` as a PNG with its title and alt text inside, and the alt text beside it."""
    import matplotlib.pyplot as plt

    fig, title, alt = totals_figure(frame, assignment)
    fig.savefig(path, dpi=120, metadata={"Title": title, "Description": alt})
    plt.close(fig)
    path.with_suffix(".alt.txt").write_text(alt + "\n", encoding="utf-8")
    return alt


def export(root: Path, assignment: str | None = None, out: Path | None = None, db_url: str | None = None) -> list[Path]:
    db_url = db_url or default_db_url(root)
    out = out or root / "exports"
    out.mkdir(parents=True, exist_ok=True)
    if assignment:
        names = [assignment]
    else:
        with gradebook.opened(db_url) as gb:
            names = [a.name for a in gb.assignments]
    written: list[Path] = []
    for name in names:
        frame = scores(db_url, name)
        if frame.empty:
            print(f"{name}: no graded submissions yet")
            continue
        grades = out / f"{name}-grades.csv"
        grades_table(frame).to_csv(grades)
        items = out / f"{name}-items.csv"
        item_analysis(frame).to_csv(items, index=False)
        png = out / f"{name}-totals.png"
        histogram(frame, name, png)
        written += [grades, items, png, png.with_suffix(".alt.txt")]
    return written
