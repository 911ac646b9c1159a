"""Filtering and drawing the course's events over time (pure functions: no widgets, no display).

The timeline is where learners first meet the article's story as data: which events happened, who did them
to whom, where, how conflictual they were (Goldstein score) and which sources back them. The widget in
``brinkmanship.widgets.timeline`` is a thin front over :func:`filter_events`, :func:`draw_timeline` and
:func:`event_detail`; lessons call the same functions directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from brinkmanship import cameo
from brinkmanship.style import CAMP_COLOURS, GOLDSTEIN_CMAP, OKABE_ITO, mark_fixed_layout, set_accessible

PERIODS: tuple[str, ...] = ("context", "article", "later")
PERIOD_LABELS: dict[str, str] = {
    "context": "context (before or beside the article's story)",
    "article": "article (JCPOA to publication)",
    "later": "later (tests of the forecasts)",
}
QUAD_CLASSES: dict[int, str] = cameo.QUAD_LABELS
# CAMEO root categories in words (lower case, to sit inside sentences).
CAMEO_ROOTS: dict[str, str] = {code: label.lower() for code, label in cameo.ROOT_LABELS.items()}
ACLED_EVENT_TYPES: tuple[str, ...] = (
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Protests",
    "Riots",
    "Strategic developments",
)
TEXT_COLUMNS: tuple[str, ...] = ("title", "description", "notes", "disputed")
LANE_KINDS: tuple[str, ...] = ("theatre", "actor")
GOLDSTEIN_NORM = Normalize(vmin=-10, vmax=10)
_REQUIRED = (
    "event_id",
    "date",
    "period",
    "title",
    "source_actor_id",
    "target_actor_id",
    "theatre",
    "quad_class",
    "goldstein",
)


def as_text(series: pd.Series) -> pd.Series:
    """Enum columns arrive as categoricals from ``data``; compare them as plain strings."""
    return series.astype("string")


def _check_columns(events: pd.DataFrame, needed: Iterable[str] = _REQUIRED) -> None:
    missing = [c for c in needed if c not in events.columns]
    if missing:
        raise ValueError(f"events table lacks column(s) {missing}; expected the schema of datasets/events.csv")


def event_type_options(events: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """(label, key) pairs for one event-type chooser covering CAMEO quad classes and ACLED event types.

    Keys are ``"quad:<n>"`` or ``"acled:<event type>"``; with ``events`` given, only types that occur
    are offered, so a learner never picks a filter that must come back empty.
    """
    quads = sorted(QUAD_CLASSES)
    acled: list[str] = list(ACLED_EVENT_TYPES)
    if events is not None:
        present_q = set(pd.to_numeric(events["quad_class"], errors="coerce").dropna().astype(int))
        quads = [q for q in quads if q in present_q]
        if "acled_event_type" in events:
            present_a = set(as_text(events["acled_event_type"]).dropna())
            acled = [a for a in acled if a in present_a]
    return [(f"CAMEO: {QUAD_CLASSES[q]}", f"quad:{q}") for q in quads] + [(f"ACLED: {a}", f"acled:{a}") for a in acled]


def parse_event_type(key: str | None) -> tuple[int | None, str | None]:
    """Split an event-type key into (quad_class, acled_event_type); None or "" means no filter."""
    if not key:
        return None, None
    kind, _, value = key.partition(":")
    if kind == "quad" and value.isdigit() and int(value) in QUAD_CLASSES:
        return int(value), None
    if kind == "acled" and value in ACLED_EVENT_TYPES:
        return None, value
    raise ValueError(f"unknown event type {key!r}; use 'quad:1'..'quad:4' or 'acled:<ACLED event type>'")


def prepare_events(events: pd.DataFrame, actors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add the helper columns the filters and drawings need, once, so interactive updates stay cheap.

    Adds ``source_name``/``target_name`` (actor names, falling back to ids), ``date_last`` (``date_end``
    or ``date``) and ``_haystack`` (lower-cased searchable text). Sorted by date, then id.
    """
    _check_columns(events)
    out = events.copy()
    out["date"] = pd.to_datetime(out["date"])
    end = pd.to_datetime(out["date_end"]) if "date_end" in out else pd.Series(pd.NaT, index=out.index)
    out["date_last"] = end.fillna(out["date"])
    names = actor_names(actors) if actors is not None else {}
    for side in ("source", "target"):
        ids = as_text(out[f"{side}_actor_id"])
        out[f"{side}_name"] = ids.map(lambda a: names.get(a, a) if isinstance(a, str) else pd.NA).astype("string")
    parts = [as_text(out[c]).fillna("") for c in TEXT_COLUMNS if c in out]
    hay = parts[0]
    for p in parts[1:]:
        hay = hay + " \n " + p
    out["_haystack"] = hay.str.lower()
    return out.sort_values(["date", "event_id"], kind="stable").reset_index(drop=True)


def actor_names(actors: pd.DataFrame) -> dict[str, str]:
    """actor_id -> display name."""
    return dict(zip(as_text(actors["actor_id"]), as_text(actors["name"]), strict=True))


def filter_events(
    events: pd.DataFrame,
    *,
    start: Any = None,
    end: Any = None,
    actors: Iterable[str] | None = None,
    theatres: Iterable[str] | str | None = None,
    quad_class: int | None = None,
    acled_type: str | None = None,
    periods: Iterable[str] | str | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """Events matching every given condition (None or empty means "no condition").

    - ``start``/``end``: inclusive dates; a multi-day event matches when its span overlaps the range.
    - ``actors``: actor ids; an event matches when its source OR target is one of them.
    - ``text``: case-insensitive; every whitespace-separated term must occur in the title, description,
      notes or disputed note.
    Actor ids none of which occur in ``events``, unknown theatres or periods, and an inverted date range
    raise ``ValueError`` naming the value, so a typo is not mistaken for "no events".
    """
    ev = events if "_haystack" in events else prepare_events(events)
    mask = np.ones(len(ev), dtype=bool)
    lo = pd.Timestamp(start) if start is not None else None
    hi = pd.Timestamp(end) if end is not None else None
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"date range is inverted: start {lo.date()} is after end {hi.date()}")
    if lo is not None:
        mask &= (ev["date_last"] >= lo).to_numpy()
    if hi is not None:
        mask &= (ev["date"] <= hi).to_numpy()
    if actors:
        wanted = {actors} if isinstance(actors, str) else set(actors)
        known = set(as_text(ev["source_actor_id"]).dropna()) | set(as_text(ev["target_actor_id"]).dropna())
        unknown = wanted - known
        if unknown and len(unknown) == len(wanted):
            raise ValueError(f"no event involves actor id(s) {sorted(unknown)}; check the ids in actors.csv")
        src = as_text(ev["source_actor_id"]).isin(wanted).fillna(False)
        tgt = as_text(ev["target_actor_id"]).isin(wanted).fillna(False)
        mask &= (src | tgt).to_numpy(dtype=bool)
    if theatres:
        wanted_t = {theatres} if isinstance(theatres, str) else set(theatres)
        _check_enum(ev, "theatre", wanted_t)
        mask &= as_text(ev["theatre"]).isin(wanted_t).fillna(False).to_numpy(dtype=bool)
    if quad_class is not None:
        if int(quad_class) not in QUAD_CLASSES:
            raise ValueError(f"quad_class must be 1-4, got {quad_class!r}")
        mask &= (pd.to_numeric(ev["quad_class"]) == int(quad_class)).fillna(False).to_numpy(dtype=bool)
    if acled_type:
        if acled_type not in ACLED_EVENT_TYPES:
            raise ValueError(f"unknown ACLED event type {acled_type!r}; expected one of {ACLED_EVENT_TYPES}")
        mask &= (as_text(ev["acled_event_type"]) == acled_type).fillna(False).to_numpy(dtype=bool)
    if periods:
        wanted_p = {periods} if isinstance(periods, str) else set(periods)
        bad = wanted_p - set(PERIODS)
        if bad:
            raise ValueError(f"unknown period(s) {sorted(bad)}; expected some of {PERIODS}")
        mask &= as_text(ev["period"]).isin(wanted_p).fillna(False).to_numpy(dtype=bool)
    if text and text.strip():
        for term in text.lower().split():
            mask &= ev["_haystack"].str.contains(term, regex=False).fillna(False).to_numpy(dtype=bool)
    return ev.loc[mask]


def _check_enum(ev: pd.DataFrame, column: str, wanted: set[str]) -> None:
    col = ev[column]
    allowed = set(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else set(as_text(col).dropna())
    bad = wanted - allowed
    if bad:
        raise ValueError(f"unknown {column}(s) {sorted(bad)}; expected some of {sorted(allowed)}")


def event_table(events: pd.DataFrame) -> pd.DataFrame:
    """The compact table a learner scans: one row per event, dates formatted with their precision."""
    ev = events if "source_name" in events else prepare_events(events)
    return pd.DataFrame(
        {
            "event": as_text(ev["event_id"]).to_numpy(),
            "date": [format_date(d, p) for d, p in zip(ev["date"], _precisions(ev), strict=True)],
            "what": as_text(ev["title"]).to_numpy(),
            "who": [_who(s, t) for s, t in zip(ev["source_name"], ev["target_name"], strict=True)],
            "theatre": as_text(ev["theatre"]).to_numpy(),
            "goldstein": pd.to_numeric(ev["goldstein"]).to_numpy(),
        }
    )


def _precisions(ev: pd.DataFrame) -> list[str]:
    if "date_precision" not in ev:
        return ["day"] * len(ev)
    return [str(p) if isinstance(p, str) else "day" for p in ev["date_precision"].astype(object)]


def _who(source: Any, target: Any) -> str:
    if isinstance(target, str) and target:
        return f"{source} → {target}"
    return str(source)


def format_date(date: Any, precision: str = "day") -> str:
    """A date written only as exactly as it is known ("May 2019", not "1 May 2019", for month precision)."""
    ts = pd.Timestamp(date)
    if precision == "year":
        return f"{ts.year}"
    if precision == "month":
        return ts.strftime("%B %Y")
    return f"{ts.day} {ts.strftime('%B %Y')}"


# --- drawing ------------------------------------------------------------------------------------------
@dataclass
class TimelineCanvas:
    """A reusable figure (timeline axes + fixed Goldstein colour bar) so widgets redraw without re-creating it."""

    figure: Figure
    ax: Any
    cax: Any


def new_canvas(width: float = 10.0, height: float = 5.0) -> TimelineCanvas:
    """Create the figure once; :func:`draw_timeline` clears and redraws its axes on every call."""
    fig = mark_fixed_layout(Figure(figsize=(width, height), dpi=90))
    ax = fig.add_axes((0.22, 0.13, 0.68, 0.74))
    cax = fig.add_axes((0.92, 0.13, 0.015, 0.74))
    cbar = fig.colorbar(ScalarMappable(norm=GOLDSTEIN_NORM, cmap=GOLDSTEIN_CMAP), cax=cax)
    cbar.set_label("Goldstein score (−10 conflict … +10 cooperation)", fontsize=8)
    cax.tick_params(labelsize=8)
    return TimelineCanvas(fig, ax, cax)


def lanes_for(
    events: pd.DataFrame, lanes: str = "theatre", actors: Iterable[str] | None = None, max_lanes: int = 12
) -> list[str]:
    """Lane keys, top to bottom: theatres by first appearance, or actors (the chosen ones, else the most active)."""
    if lanes not in LANE_KINDS:
        raise ValueError(f"lanes must be one of {LANE_KINDS}, got {lanes!r}")
    if lanes == "theatre":
        return list(dict.fromkeys(as_text(events["theatre"]).dropna()))
    if actors:
        return list(dict.fromkeys(actors))
    both = pd.concat([as_text(events["source_actor_id"]), as_text(events["target_actor_id"])]).dropna()
    counts = both.value_counts(sort=False)
    order = sorted(counts.index, key=lambda a: (-counts[a], a))
    return order[:max_lanes]


def timeline_points(
    events: pd.DataFrame,
    *,
    lanes: str = "theatre",
    actors: Iterable[str] | None = None,
    actor_labels: Mapping[str, str] | None = None,
    max_lanes: int = 12,
) -> tuple[list[str], list[str], pd.DataFrame]:
    """What a timeline draws, for any renderer: lane keys, lane labels, and one row per mark.

    Mark columns: ``date``, ``lane`` (row number, 0 at the top), ``goldstein``, ``size``, ``role``
    ("event" in theatre lanes; "source" or "target" in actor lanes, where an event is marked in the lane of
    the actor who acted and, hollow, in the lane of the actor acted upon), ``event_id`` and ``tooltip``.
    """
    ev = events if "source_name" in events else prepare_events(events)
    keys = lanes_for(ev, lanes, actors, max_lanes)
    pos = {k: i for i, k in enumerate(keys)}
    names = dict(actor_labels or {})
    if lanes == "actor" and not names:
        names = dict(zip(as_text(ev["source_actor_id"]), as_text(ev["source_name"]), strict=False))
    labels = [shorten(names.get(k, k)) if lanes == "actor" else k.replace("_", " ") for k in keys]
    g = pd.to_numeric(ev["goldstein"]).astype(float)
    tips = [
        f"{e} · {d.day} {d:%b %Y} · {t} (Goldstein {v:+.1f})"
        for e, d, t, v in zip(as_text(ev["event_id"]), ev["date"], as_text(ev["title"]), g, strict=True)
    ]
    base = pd.DataFrame(
        {"date": ev["date"].to_numpy(), "goldstein": g.to_numpy(), "event_id": as_text(ev["event_id"]).to_numpy()}
    )
    base["size"] = _sizes(base["goldstein"].to_numpy())
    base["tooltip"] = tips
    parts = []
    columns = (
        [("theatre", "event")] if lanes == "theatre" else [("source_actor_id", "source"), ("target_actor_id", "target")]
    )
    for column, role in columns:
        lane = as_text(ev[column]).map(pos).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        part = base.assign(lane=lane, role=role)
        parts.append(part[~np.isnan(lane)])
    marks = pd.concat(parts, ignore_index=True) if parts else base.iloc[:0].assign(lane=[], role=[])
    return keys, labels, marks


def draw_timeline(
    events: pd.DataFrame,
    *,
    lanes: str = "theatre",
    actors: Iterable[str] | None = None,
    actor_labels: Mapping[str, str] | None = None,
    canvas: TimelineCanvas | None = None,
    title: str | None = None,
    max_lanes: int = 12,
    marker_end: Any = None,
) -> Figure:
    """Events on a time axis, one lane per theatre or per actor; colour and size show the Goldstein score.

    In actor lanes an event is drawn twice: filled in the lane of the actor who acted (source) and hollow
    in the lane of the actor acted upon (target), so "who did what to whom" reads off the picture.
    ``marker_end`` draws a vertical line (the play head of the widget).
    """
    ev = events if "source_name" in events else prepare_events(events)
    canvas = canvas or new_canvas()
    fig, ax = canvas.figure, canvas.ax
    ax.clear()
    keys = lanes_for(ev, lanes, actors, max_lanes)
    pos = {k: i for i, k in enumerate(keys)}
    labels = dict(actor_labels or {})
    if lanes == "actor" and not labels:
        labels = dict(zip(as_text(ev["source_actor_id"]), as_text(ev["source_name"]), strict=False))
        labels.update(
            zip(as_text(ev["target_actor_id"]).fillna(""), as_text(ev["target_name"]).fillna(""), strict=False)
        )
    g = pd.to_numeric(ev["goldstein"]).to_numpy(dtype=float)
    dates = ev["date"].to_numpy()
    if lanes == "theatre":
        th = as_text(ev["theatre"]).to_numpy(dtype=object)
        ys = np.array([pos.get(t, -1) for t in th], dtype=float)
        keep = ys >= 0
        ax.scatter(
            dates[keep],
            ys[keep],
            c=g[keep],
            s=_sizes(g[keep]),
            cmap=GOLDSTEIN_CMAP,
            norm=GOLDSTEIN_NORM,
            edgecolors="black",
            linewidths=0.5,
            zorder=3,
            label="event",
        )
    else:
        src = as_text(ev["source_actor_id"]).to_numpy(dtype=object)
        tgt = as_text(ev["target_actor_id"]).fillna("").to_numpy(dtype=object)
        ys = np.array([pos.get(a, -1) for a in src], dtype=float)
        yt = np.array([pos.get(a, -1) for a in tgt], dtype=float)
        ks, kt = ys >= 0, yt >= 0
        ax.scatter(
            dates[ks],
            ys[ks],
            c=g[ks],
            s=_sizes(g[ks]),
            cmap=GOLDSTEIN_CMAP,
            norm=GOLDSTEIN_NORM,
            edgecolors="black",
            linewidths=0.5,
            zorder=3,
            label="acted (source)",
        )
        ax.scatter(
            dates[kt],
            yt[kt],
            s=_sizes(g[kt]),
            facecolors="none",
            edgecolors=OKABE_ITO["black"],
            linewidths=1.0,
            zorder=2,
            label="acted upon (target)",
        )
        ax.legend(loc="upper left", fontsize=7, frameon=False, ncols=2, bbox_to_anchor=(0, 1.09))
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels(
        [shorten(labels.get(k, k) if lanes == "actor" else k.replace("_", " ")) for k in keys], fontsize=8
    )
    ax.set_ylim(len(keys) - 0.5, -0.5) if keys else ax.set_ylim(-0.5, 0.5)
    locator = AutoDateLocator(minticks=3, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(axis="x", color=OKABE_ITO["grey"], alpha=0.3)
    ax.tick_params(axis="x", labelsize=8)
    if len(ev):
        lo, hi = ev["date"].min(), ev["date"].max()
        pad = max(pd.Timedelta(days=15), (hi - lo) * 0.03)
        ax.set_xlim(lo - pad, hi + pad)
    if marker_end is not None:
        ax.axvline(pd.Timestamp(marker_end), color=OKABE_ITO["reddish_purple"], linestyle="--", linewidth=1)
    ax.set_xlabel("date")
    if not len(ev):
        ax.text(0.5, 0.5, "no events match the filters", transform=ax.transAxes, ha="center", va="center")
    title = title or f"Events by {lanes}: {len(ev)} shown"
    set_accessible(fig, title, timeline_alt_text(ev, lanes, keys, labels))
    return fig


def _sizes(g: np.ndarray) -> np.ndarray:
    return 20.0 + 10.0 * np.abs(g)


def shorten(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def timeline_alt_text(
    events: pd.DataFrame, lanes: str, keys: list[str], labels: Mapping[str, str] | None = None
) -> str:
    """A sentence-level description of the timeline computed from the data it shows."""
    if not len(events):
        return "Empty timeline: no events match the current filters."
    labels = labels or {}
    lo, hi = events["date"].min(), events["date"].max()
    g = pd.to_numeric(events["goldstein"])
    worst = events.loc[g.idxmin()]
    best = events.loc[g.idxmax()]
    names = ", ".join(labels.get(k, k) if lanes == "actor" else k.replace("_", " ") for k in keys[:6])
    more = f" and {len(keys) - 6} more" if len(keys) > 6 else ""
    return (
        f"Timeline of {_plural(len(events), 'event')} from {_day(lo)} to {_day(hi)} in "
        f"{_plural(len(keys), f'{lanes} lane')} "
        f"({names}{more}). Marker colour and size show the Goldstein score; mean {g.mean():.1f}. "
        f"Most conflictual: {worst['title']} ({_day(worst['date'])}, {float(worst['goldstein']):+.1f}). "
        f"Most cooperative: {best['title']} ({_day(best['date'])}, {float(best['goldstein']):+.1f})."
    )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _day(ts: Any) -> str:
    ts = pd.Timestamp(ts)
    return f"{ts.day} {ts:%B %Y}"


# --- detail ---------------------------------------------------------------------------------------------
def event_detail(
    events: pd.DataFrame, event_id: str, sources: pd.DataFrame | None = None, actors: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Everything a learner needs to check one event: what, when, who, where, its footnotes with their
    sources, the URL where the course verified it, and what is disputed. ``markdown`` holds it as text."""
    ids = as_text(events["event_id"])
    hits = events.loc[(ids == event_id).fillna(False).to_numpy(dtype=bool)]
    if hits.empty:
        raise KeyError(f"no event with event_id {event_id!r} in events.csv")
    row = hits.iloc[0]
    names = actor_names(actors) if actors is not None else {}
    src_id = _val(row.get("source_actor_id"))
    tgt_id = _val(row.get("target_actor_id"))
    precision = _val(row.get("date_precision")) or "day"
    when = format_date(row["date"], precision)
    end = row.get("date_end")
    if end is not None and not pd.isna(end):
        when += f" to {format_date(end, 'day')}"
    code = _val(row.get("cameo_code")) or ""
    root = _val(row.get("cameo_root")) or code[:2]
    detail: dict[str, Any] = {
        "event_id": event_id,
        "title": _val(row.get("title")),
        "date": when,
        "period": _val(row.get("period")),
        "what": _val(row.get("description")),
        "who": {
            "source": names.get(src_id, src_id) if src_id else None,
            "target": names.get(tgt_id, tgt_id) if tgt_id else None,
            "source_id": src_id,
            "target_id": tgt_id,
        },
        "where": _where(_val(row.get("location")), _val(row.get("country_iso3"))),
        "theatre": _val(row.get("theatre")),
        "cameo": {
            "code": code,
            "root": root,
            "label": CAMEO_ROOTS.get(root, "unknown root"),
            "quad_class": _int(row.get("quad_class")),
            "goldstein": float(row["goldstein"]) if not pd.isna(row["goldstein"]) else None,
        },
        "footnotes": footnote_sources(_val(row.get("footnotes")), sources),
        "verification_url": _val(row.get("verification_url")),
        "confidence": _val(row.get("confidence")),
        "in_article": None if pd.isna(row.get("in_article", pd.NA)) else bool(row.get("in_article")),
        "disputed": _val(row.get("disputed")),
        "notes": _val(row.get("notes")),
    }
    detail["markdown"] = detail_markdown(detail)
    return detail


def _where(location: str | None, iso3: str | None) -> str:
    if iso3 == "XXX":  # the dataset's code for "no single country" (at sea, online, several states)
        iso3 = None
    if location and iso3:
        return f"{location} ({iso3})"
    return location or iso3 or ""


def footnote_sources(footnotes: str | None, sources: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The article footnotes of a ';' list, each with the cited work's title, outlet, date and URL."""
    if not footnotes:
        return []
    out = []
    by_no: dict[int, Any] = {}
    if sources is not None:
        by_no = {int(n): r for n, (_, r) in zip(sources["footnote"], sources.iterrows(), strict=True)}
    for part in str(footnotes).split(";"):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"footnote list {footnotes!r} holds {part!r}, which is not a footnote number")
        n = int(part)
        src = by_no.get(n)
        if src is None:
            out.append({"footnote": n, "title": None, "container": None, "issued": None, "url": None})
            continue
        issued = src.get("issued")
        out.append(
            {
                "footnote": n,
                "title": _val(src.get("title")),
                "container": _val(src.get("container_title")),
                "issued": None if issued is None or pd.isna(issued) else pd.Timestamp(issued).date().isoformat(),
                "url": _val(src.get("url")),
            }
        )
    return out


def detail_markdown(d: Mapping[str, Any]) -> str:
    """Markdown for the detail pane (shown by the widget, printable in lessons)."""
    who = d["who"]["source"] or "?"
    if d["who"]["target"]:
        who += f" → {d['who']['target']}"
    c = d["cameo"]
    g = "n/a" if c["goldstein"] is None else f"{c['goldstein']:+.1f}"
    lines = [
        f"### {d['event_id']}: {_md(d['title'])}",
        f"**When:** {d['date']} ({d['period']} period)  ",
        f"**Who:** {_md(who)}  ",
        f"**Where:** {_md(d['where'] or 'not given')} (theatre: {d['theatre']})  ",
        f"**Code:** CAMEO {c['code']} ({c['label']}), Goldstein {g}",
        "",
        _md(d["what"] or ""),
        "",
    ]
    if d["footnotes"]:
        lines.append("**Footnotes in the article:**")
        for f in d["footnotes"]:
            if f["title"] is None:
                lines.append(f"- [{f['footnote']}] (not in sources.csv)")
                continue
            link = f" <{f['url']}>" if f["url"] else " (no public URL)"
            lines.append(f"- [{f['footnote']}] {_md(f['title'])}, *{_md(f['container'] or '')}*, {f['issued']}.{link}")
    else:
        why = (
            "the article gives no footnote for it"
            if d.get("in_article")
            else "the article does not use this event; the course adds it"
        )
        lines.append(f"**Footnotes in the article:** none ({why}).")
    lines.append("")
    lines.append(f"**Verified at:** <{d['verification_url']}> (confidence: {d['confidence']})")
    if d["disputed"]:
        lines += ["", f"**Disputed:** {_md(d['disputed'])}"]
    if d["notes"]:
        lines += ["", f"**Notes:** {_md(d['notes'])}"]
    return "\n".join(lines)


def _md(text: Any) -> str:
    s = "" if text is None else str(text)
    for ch in ("\\", "*", "_", "`", "[", "]", "<", ">"):
        s = s.replace(ch, "\\" + ch)
    return s


def _val(x: Any) -> Any:
    if x is None:
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        return x
    return str(x) if not isinstance(x, int | float) else x


def _int(x: Any) -> int | None:
    return None if x is None or pd.isna(x) else int(x)


# --- a few events side by side --------------------------------------------------------------------------
def _select_events(events: pd.DataFrame, event_ids: Sequence[str]) -> pd.DataFrame:
    """The rows for ``event_ids`` in the given order; unknown ids raise naming them (a typo in a lesson)."""
    missing = [i for i in event_ids if i not in set(events["event_id"])]
    if missing:
        raise KeyError(f"unknown event id(s) {missing}; check events.csv")
    return events.set_index("event_id").loc[list(event_ids)].reset_index()


def dispute_table(events: pd.DataFrame, event_ids: Sequence[str]) -> pd.DataFrame:
    """What is disputed about each event and where the course checked it, for reading side by side."""
    rows = _select_events(events, event_ids)
    return rows[["event_id", "date", "title", "footnotes", "confidence", "disputed", "verification_url"]]


def _camps(rows: pd.DataFrame, actors: pd.DataFrame) -> pd.Series:
    camp = actors.set_index(as_text(actors["actor_id"]))["alignment"].astype("string")
    return as_text(rows["source_actor_id"]).map(camp)


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
    camps = _camps(rows, actors) if actors is not None else pd.Series("other", index=rows.index)
    fig = Figure(figsize=(width, 1.2 + 0.45 * len(rows)))
    ax = fig.add_subplot(1, 1, 1)
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
