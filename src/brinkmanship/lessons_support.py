"""Small helpers the lesson notebooks share, so the notebooks stay thin and say the same thing the same way.

Each helper is here because two or more lessons need it or because it is more than a few lines of pandas.
Both lesson engineers append to this module; nothing here draws widgets or reads anything but the tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from brinkmanship import data
from brinkmanship.style import CAMP_COLOURS, OKABE_ITO, set_accessible

# --- lessons 00-04 (lessons-A) -----------------------------------------------------------------------------


def _select_events(events: pd.DataFrame, event_ids: Sequence[str]) -> pd.DataFrame:
    """The rows for ``event_ids`` in the given order; unknown ids raise naming them (a typo in a lesson)."""
    missing = [i for i in event_ids if i not in set(events["event_id"])]
    if missing:
        raise KeyError(f"unknown event id(s) {missing}; check events.csv")
    return events.set_index("event_id").loc[list(event_ids)].reset_index()


def with_camps(events: pd.DataFrame, actors: pd.DataFrame) -> pd.DataFrame:
    """Events with the camp (alignment) of their source and target actor: who acted against which side."""
    camp = actors.set_index("actor_id")["alignment"].astype("string")
    return events.assign(
        source_camp=events["source_actor_id"].map(camp),
        target_camp=events["target_actor_id"].map(camp),
    )


def dispute_table(events: pd.DataFrame, event_ids: Sequence[str]) -> pd.DataFrame:
    """What is disputed about each event and where the course checked it, for reading side by side."""
    rows = _select_events(events, event_ids)
    return rows[["event_id", "date", "title", "footnotes", "confidence", "disputed", "verification_url"]]


def footnote_table(sources: pd.DataFrame, footnotes: Iterable[int]) -> pd.DataFrame:
    """The cited works behind some footnotes with the course's checks: type, own work, grade, verification."""
    wanted = [int(f) for f in footnotes]
    unknown = sorted(set(wanted) - set(sources["footnote"].astype(int)))
    if unknown:
        raise KeyError(f"no footnote(s) {unknown} in sources.csv (the article has 1-24)")
    rows = sources[sources["footnote"].isin(wanted)].copy()
    rows["admiralty"] = rows["reliability"].astype("string") + rows["credibility"].astype("string")
    columns = [
        "footnote",
        "author",
        "title",
        "container_title",
        "issued",
        "source_type",
        "self_citation",
        "admiralty",
        "verification_status",
    ]
    return rows[columns].sort_values("footnote").reset_index(drop=True)


def event_strip(
    events: pd.DataFrame,
    event_ids: Sequence[str],
    title: str,
    *,
    actors: pd.DataFrame | None = None,
    width: float = 9.0,
) -> Figure:
    """A few events on one date axis, labelled and coloured by the camp of the actor who acted.

    Made for "what came first?" questions (did the meeting precede the attack it supposedly answered?), where a
    full timeline hides the handful of dates that matter. Title and alt text are set; the alt text lists the
    events in date order so a screen-reader user gets the same answer.
    """
    rows = _select_events(events, event_ids).sort_values(["date", "event_id"]).reset_index(drop=True)
    camps = with_camps(rows, actors)["source_camp"] if actors is not None else pd.Series("other", index=rows.index)
    fig, ax = plt.subplots(figsize=(width, 1.2 + 0.45 * len(rows)))
    for i, row in rows.iterrows():
        colour = CAMP_COLOURS.get(str(camps.iloc[i]), OKABE_ITO["grey"])
        ax.plot(row["date"], -i, "o", color=colour, markersize=9)
        ax.annotate(
            f"{row['event_id']} {row['title']}",
            (row["date"], -i),
            xytext=(8, -4),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_yticks([])
    ax.set_ylim(-len(rows) + 0.3, 0.7)
    span = rows["date"].max() - rows["date"].min()
    ax.set_xlim(rows["date"].min() - span * 0.05, rows["date"].max() + span * 0.9 + pd.Timedelta(days=5))
    ax.set_xlabel("date")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    order = "; ".join(f"{r.event_id} on {r.date.day} {r.date:%b %Y}: {r.title}" for r in rows.itertuples())
    set_accessible(fig, title, f"Dot chart of {len(rows)} events in date order, one per row: {order}.")
    fig.tight_layout()
    return fig


def footnote_counts(events: pd.DataFrame) -> pd.Series:
    """How many events each footnote is attached to (footnotes as ints, most-used first, ties by number)."""
    exploded = data.split_list(events["footnotes"]).explode().dropna().astype(int)
    counts = exploded.value_counts()
    return counts.sort_index().sort_values(ascending=False, kind="stable").rename("events")


# --- lessons 05-09 (lessons-B): append below ---------------------------------------------------------------
