"""A Goldstein-based escalation index per dyad and period (pure functions: no widgets, no display).

The article's story is one of escalation: "maximum pressure" from Washington, then Iran's switch from
"strategic patience" to calibrated escalation, then the killing and its aftermath. This module turns the coded
events into a time series a learner can question: for two sides (camps by actor alignment, or explicit actor
lists) it sums, averages or counts the Goldstein scores of the events one side directed at the other, per
month or week, optionally smoothed over a rolling window. Lessons and the ``strategies`` assignment call
:func:`escalation_index`; the widget in ``brinkmanship.widgets.escalation`` is a thin front over it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from brinkmanship.style import CAMP_COLOURS, OKABE_ITO, mark_fixed_layout, set_accessible

ALIGNMENTS: tuple[str, ...] = ("us_camp", "iran_camp", "outside_power", "mediator", "other")
DIRECTIONS: tuple[str, ...] = ("both", "a_to_b", "b_to_a")
HOWS: tuple[str, ...] = ("sum", "mean", "count")
FREQS: dict[str, str] = {"MS": "MS", "month": "MS", "W": "W-MON", "W-MON": "W-MON", "week": "W-MON"}
HOW_LABELS: dict[str, str] = {
    "sum": "sum of Goldstein scores",
    "mean": "mean Goldstein score per event",
    "count": "number of events",
}

Side = str | Iterable[str]


def as_text(series: pd.Series) -> pd.Series:
    return series.astype("string")


def resolve_side(actors: pd.DataFrame, side: Side, include_children: bool = True) -> frozenset[str]:
    """Actor ids making up one side of a dyad.

    ``side`` is an alignment ("us_camp", "iran_camp", ...) or actor ids. With explicit ids and
    ``include_children``, actors whose ``parent_id`` chain leads to a listed actor join it, so ``["irn"]``
    also covers Iran's ministries, forces and officials coded as its children.
    """
    ids = as_text(actors["actor_id"])
    if isinstance(side, str):
        if side in ALIGNMENTS:
            found = frozenset(ids[(as_text(actors["alignment"]) == side).fillna(False).to_numpy(dtype=bool)])
            if not found:
                raise ValueError(f"no actor in actors.csv has alignment {side!r}")
            return found
        side = [side]
    wanted = list(side)
    if not wanted:
        raise ValueError("a side needs at least one actor id or an alignment name")
    known = set(ids.dropna())
    unknown = [a for a in wanted if a not in known]
    if unknown:
        raise ValueError(
            f"unknown actor id(s) {unknown}: not in actors.csv and not an alignment "
            f"(alignments: {', '.join(ALIGNMENTS)})"
        )
    members = set(wanted)
    if include_children and "parent_id" in actors:
        parent = dict(zip(ids, as_text(actors["parent_id"]), strict=True))
        for actor in known:
            seen: set[str] = set()
            cur: Any = parent.get(actor)
            while isinstance(cur, str) and cur not in seen:
                if cur in members:
                    members.add(actor)
                    break
                seen.add(cur)
                cur = parent.get(cur)
    return frozenset(members)


def side_label(actors: pd.DataFrame, side: Side) -> str:
    """A short human name for a side: the alignment in words, or the listed actors' names."""
    if isinstance(side, str) and side in ALIGNMENTS:
        return side.replace("_", " ").replace("us ", "US ").replace("iran ", "Iran ")
    names = dict(zip(as_text(actors["actor_id"]), as_text(actors["name"]), strict=True))
    items = [side] if isinstance(side, str) else list(side)
    return " + ".join(names.get(a, a) for a in items)


def with_camps(events: pd.DataFrame, actors: pd.DataFrame) -> pd.DataFrame:
    """Events with the camp (alignment) of their source and target actor: who acted against which side."""
    camp = actors.set_index("actor_id")["alignment"].astype("string")
    return events.assign(
        source_camp=events["source_actor_id"].map(camp),
        target_camp=events["target_actor_id"].map(camp),
    )


def dyad_events(
    events: pd.DataFrame,
    actors: pd.DataFrame,
    side_a: Side,
    side_b: Side,
    direction: str = "both",
    include_children: bool = True,
) -> pd.DataFrame:
    """Events one side directed at the other, with a ``direction`` column ("a_to_b" or "b_to_a").

    Events with no target, or with source and target on the same side, are not part of the dyad.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    for col in ("date", "source_actor_id", "target_actor_id", "goldstein"):
        if col not in events:
            raise ValueError(f"events table lacks column {col!r}; expected the schema of datasets/events.csv")
    a = resolve_side(actors, side_a, include_children)
    b = resolve_side(actors, side_b, include_children)
    overlap = a & b
    if overlap:
        raise ValueError(f"the two sides overlap on {sorted(overlap)}: a dyad needs disjoint sides")
    src = as_text(events["source_actor_id"])
    tgt = as_text(events["target_actor_id"])
    ab = (src.isin(a) & tgt.isin(b)).fillna(False).to_numpy(dtype=bool)
    ba = (src.isin(b) & tgt.isin(a)).fillna(False).to_numpy(dtype=bool)
    keep = {"both": ab | ba, "a_to_b": ab, "b_to_a": ba}[direction]
    out = events.loc[keep].copy()
    out["direction"] = np.where(ab[keep], "a_to_b", "b_to_a")
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values("date", kind="stable")


def _freq(freq: str) -> str:
    try:
        return FREQS[freq]
    except KeyError:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, got {freq!r}") from None


def period_start(dates: pd.Series, freq: str = "MS") -> pd.Series:
    """The first day of the month, or the Monday of the week, each date falls in."""
    f = _freq(freq)
    d = pd.to_datetime(dates)
    if f == "MS":
        return d.dt.to_period("M").dt.start_time
    return d.dt.to_period("W-SUN").dt.start_time


def escalation_index(
    events: pd.DataFrame,
    actors: pd.DataFrame,
    side_a: Side = "us_camp",
    side_b: Side = "iran_camp",
    freq: str = "MS",
    how: str = "sum",
    window: int = 1,
    *,
    direction: str = "both",
    start: Any = None,
    end: Any = None,
    include_children: bool = True,
) -> pd.DataFrame:
    """Goldstein totals, means and counts per period for the events between two sides.

    One row per month (``freq="MS"``) or week starting Monday (``freq="W"``) from ``start`` (default: the
    first dyad event) to ``end`` (default: the last), quiet periods included. Columns:

    - ``events``, ``goldstein_sum``, ``goldstein_mean`` (NaN when no event): the raw period figures for
      ``direction``;
    - ``a_to_b``, ``b_to_a``: the chosen measure (``how``) for each direction alone;
    - ``index``: the chosen measure for ``direction``, smoothed over ``window`` periods.

    Smoothing: for "sum" and "count" the rolling mean of the per-period values (units stay "per period");
    for "mean" the event-weighted mean over the window (rolling sum / rolling count), so one quiet month
    does not pull the average towards zero. Negative values mean conflict, positive cooperation.
    """
    if how not in HOWS:
        raise ValueError(f"how must be one of {HOWS}, got {how!r}")
    if not isinstance(window, int | np.integer) or window < 1:
        raise ValueError(f"window must be a whole number of periods >= 1, got {window!r}")
    f = _freq(freq)
    dy = dyad_events(events, actors, side_a, side_b, "both", include_children)
    lo = pd.Timestamp(start) if start is not None else (dy["date"].min() if len(dy) else None)
    hi = pd.Timestamp(end) if end is not None else (dy["date"].max() if len(dy) else None)
    columns = ["events", "goldstein_sum", "goldstein_mean", "a_to_b", "b_to_a", "index"]
    if lo is None or hi is None:
        return pd.DataFrame(columns=columns, index=pd.DatetimeIndex([], name="period"), dtype=float)
    if lo > hi:
        raise ValueError(f"start {lo.date()} is after end {hi.date()}")
    dy = dy[(dy["date"] >= lo) & (dy["date"] <= hi)]
    first = period_start(pd.Series([lo]), f).iloc[0]
    last = period_start(pd.Series([hi]), f).iloc[0]
    periods = pd.date_range(first, last, freq=f, name="period")
    dy = dy.assign(period=period_start(dy["date"], f).to_numpy(), g=pd.to_numeric(dy["goldstein"]).astype(float))

    def aggregate(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        grouped = frame.groupby("period")["g"]
        total = grouped.sum().reindex(periods, fill_value=0.0).astype(float)
        count = grouped.size().reindex(periods, fill_value=0).astype(float)
        return total, count

    def measure(total: pd.Series, count: pd.Series) -> pd.Series:
        if window == 1:
            if how == "sum":
                return total
            if how == "count":
                return count
            return total / count.where(count > 0)
        roll_t = total.rolling(window, min_periods=1)
        roll_c = count.rolling(window, min_periods=1)
        if how == "sum":
            return roll_t.mean()
        if how == "count":
            return roll_c.mean()
        c = roll_c.sum()
        return roll_t.sum() / c.where(c > 0)

    total, count = aggregate(dy)
    t_ab, c_ab = aggregate(dy[dy["direction"] == "a_to_b"])
    t_ba, c_ba = aggregate(dy[dy["direction"] == "b_to_a"])
    chosen = {"both": (total, count), "a_to_b": (t_ab, c_ab), "b_to_a": (t_ba, c_ba)}
    if direction not in chosen:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    t_dir, c_dir = chosen[direction]
    out = pd.DataFrame(
        {
            "events": c_dir.astype(int),
            "goldstein_sum": t_dir,
            "goldstein_mean": t_dir / c_dir.where(c_dir > 0),
            "a_to_b": measure(t_ab, c_ab),
            "b_to_a": measure(t_ba, c_ba),
            "index": measure(*chosen[direction]),
        },
        index=periods,
    )
    out.index.name = "period"
    return out


def key_events(events: pd.DataFrame, n: int = 5, freq: str | None = None) -> pd.DataFrame:
    """The ``n`` events to annotate, by largest Goldstein magnitude.

    Ties (many events score -10) go to events the article itself uses (``in_article``), then to those it
    documents with more footnotes, then to deadlier ones (``fatalities``; unknown counts last), then to the
    earlier. With ``freq`` at most one event per period is kept, so the annotations spread over the chart
    instead of piling up in one week. Pass the dyad's events (:func:`dyad_events`) so the annotations belong
    to the series drawn. Returned in date order.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if events.empty or n == 0:
        return events.iloc[:0]
    g = pd.to_numeric(events["goldstein"]).astype(float)
    none = pd.Series(pd.NA, index=events.index, dtype="object")
    in_article = events.get("in_article", none).astype("boolean").fillna(False).astype(bool)
    notes = events.get("footnotes", none).map(lambda v: 0 if pd.isna(v) or not str(v) else len(str(v).split(";")))
    deaths = pd.to_numeric(events.get("fatalities", none)).astype(float).fillna(-1.0)
    ranked = events.assign(
        _mag=-g.abs().to_numpy(),
        _art=~in_article.to_numpy(),
        _notes=-notes.to_numpy(dtype=float),
        _dead=-deaths.to_numpy(),
        date=pd.to_datetime(events["date"]),
    )
    ranked = ranked.sort_values(["_mag", "_art", "_notes", "_dead", "date"], kind="stable")
    if freq is not None:
        ranked = ranked.assign(_p=period_start(ranked["date"], freq).to_numpy())
        ranked = ranked.drop_duplicates("_p").drop(columns="_p")
    return ranked.head(n).drop(columns=["_mag", "_art", "_notes", "_dead"]).sort_values("date", kind="stable")


def change_point(series: pd.Series, min_size: int = 1) -> dict[str, Any]:
    """Where a series' level shifts most: the split minimising the squared error of a two-level fit.

    Returns ``{"at": first period of the second segment, "before": mean before, "after": mean after}``.
    A teaching tool for "when did the pattern change?", not a statistical test: NaNs are dropped and
    at least two values are needed. ``min_size`` is the fewest values either segment may hold: with 1 a
    single odd last value can make a "shift" of its own.
    """
    s = series.dropna().astype(float)
    need = max(2, 2 * min_size)
    if len(s) < need:
        raise ValueError(f"change_point needs at least {'two' if need == 2 else need} non-missing values, got {len(s)}")
    x = s.to_numpy()
    n = len(x)
    k = np.arange(max(1, min_size), n - max(1, min_size) + 1)  # split before k: left = x[:k], right = x[k:]
    c1, c2 = np.cumsum(x), np.cumsum(x * x)
    left = c2[k - 1] - c1[k - 1] ** 2 / k
    right = (c2[-1] - c2[k - 1]) - (c1[-1] - c1[k - 1]) ** 2 / (n - k)
    err = left + right
    best_k = int(k[np.flatnonzero(err <= err.min() + 1e-9)[0]])  # earliest of (near-)equal splits
    return {"at": s.index[best_k], "before": float(x[:best_k].mean()), "after": float(x[best_k:].mean())}


def plot_data(index: pd.DataFrame, how: str = "sum", key: pd.DataFrame | None = None) -> dict[str, Any]:
    """What an escalation chart draws, for any renderer.

    ``edges``/``raw``: a step outline of each period's raw value (one more edge than periods, so the last
    period has its width); ``x``, ``index``, ``a_to_b``, ``b_to_a``: the lines; ``key_x``, ``key_y``: the key
    events at their period, numbered 1.. in date order; ``ylim``: a range that holds all of it and zero.
    """
    if how not in HOWS:
        raise ValueError(f"how must be one of {HOWS}, got {how!r}")
    raw = {"sum": index["goldstein_sum"], "count": index["events"].astype(float), "mean": index["goldstein_mean"]}[how]
    x = index.index
    out: dict[str, Any] = {"x": x, "raw": raw.fillna(0.0).to_numpy(dtype=float), "ylim": (0.0, 1.0)}
    if len(x):
        step = x[1] - x[0] if len(x) > 1 else pd.Timedelta(days=28)
        out["edges"] = x.append(pd.DatetimeIndex([x[-1] + step]))
    else:
        out["edges"] = x
    for col in ("index", "a_to_b", "b_to_a"):
        out[col] = index[col].to_numpy(dtype=float)
    finite = np.concatenate([out["index"], out["raw"], np.zeros(1)])
    finite = finite[np.isfinite(finite)]
    lo, hi = float(finite.min()), float(finite.max())
    span = max(hi - lo, 1.0)
    out["ylim"] = (0.0 if how == "count" else lo - 0.08 * span, hi + 0.12 * span)
    if key is not None and len(key) and len(x):
        periods = period_start(key["date"], _infer_freq(x))
        out["key_x"] = periods.to_numpy()
        out["key_y"] = index["index"].reindex(periods.to_numpy()).fillna(0.0).to_numpy(dtype=float)
    else:
        out["key_x"], out["key_y"] = np.array([], dtype="datetime64[ns]"), np.array([])
    return out


# --- drawing ------------------------------------------------------------------------------------------
def new_figure(width: float = 10.0, height: float = 5.0, key_list: bool = True) -> Figure:
    """One figure with one axes; :func:`draw_escalation` clears and reuses it.

    ``key_list`` leaves room below the axes for the list of key events; a widget that lists them in HTML
    next to the figure passes False (text in a PNG is costly to render on every update and unreadable to
    screen readers).
    """
    fig = mark_fixed_layout(Figure(figsize=(width, height), dpi=90))
    fig.add_axes((0.08, 0.25, 0.9, 0.57) if key_list else (0.08, 0.1, 0.9, 0.7))
    return fig


def draw_escalation(
    index: pd.DataFrame,
    *,
    how: str = "sum",
    label_a: str = "side A",
    label_b: str = "side B",
    direction: str = "both",
    key: pd.DataFrame | None = None,
    colour_a: str | None = None,
    colour_b: str | None = None,
    window: int = 1,
    fig: Figure | None = None,
    title: str | None = None,
    list_key_events: bool = True,
) -> Figure:
    """A shaded step area for each period's raw value, a line for the (smoothed) index, per-direction lines
    when both directions are shown, and the key events numbered at their period and (``list_key_events``)
    listed below the axes."""
    fig = fig or new_figure()
    ax = fig.axes[0]
    ax.clear()
    raw = {"sum": index["goldstein_sum"], "count": index["events"].astype(float), "mean": index["goldstein_mean"]}[how]
    who = {"both": "both directions", "a_to_b": f"{label_a} → {label_b}", "b_to_a": f"{label_b} → {label_a}"}
    x = index.index
    if len(x):
        # one step-shaped area (a single artist) instead of one bar patch per period: much cheaper to redraw
        step = x[1] - x[0] if len(x) > 1 else pd.Timedelta(days=28)
        edges = x.append(pd.DatetimeIndex([x[-1] + step]))
        values = np.append(raw.fillna(0.0).to_numpy(dtype=float), 0.0)
        ax.fill_between(
            edges,
            values,
            step="post",
            color=OKABE_ITO["grey"],
            alpha=0.5,
            linewidth=0,
            label=f"each period ({who[direction]})",
            gid="periods",
        )
    if direction == "both" and len(x):
        ax.plot(
            x,
            index["a_to_b"].to_numpy(),
            color=colour_a or OKABE_ITO["blue"],
            linewidth=1.2,
            linestyle="--",
            label=f"{label_a} → {label_b}",
        )
        ax.plot(
            x,
            index["b_to_a"].to_numpy(),
            color=colour_b or OKABE_ITO["vermillion"],
            linewidth=1.2,
            linestyle=":",
            label=f"{label_b} → {label_a}",
        )
    smooth = f", {window}-period window" if window > 1 else ""
    ax.plot(
        x,
        index["index"].to_numpy(),
        color=OKABE_ITO["black"],
        linewidth=2.0,
        label=f"index ({who[direction]}{smooth})",
        gid="index",
    )
    ax.axhline(0, color=OKABE_ITO["grey"], linewidth=0.8)
    values = [index["index"], raw]
    finite = np.concatenate([v.to_numpy(dtype=float) for v in values] + [np.zeros(1)])
    finite = finite[np.isfinite(finite)]
    lo, hi = float(finite.min()), float(finite.max())
    span = max(hi - lo, 1.0)
    ax.set_ylim(lo - 0.08 * span, hi + 0.12 * span)
    for old in [t for t in fig.texts if t.get_gid() == "key-list"]:
        old.remove()
    if key is not None and len(key) and len(x):
        periods = period_start(key["date"], _infer_freq(x))
        ys = index["index"].reindex(periods.to_numpy()).fillna(0.0).to_numpy()
        ax.scatter(
            periods.to_numpy(),
            ys,
            marker="D",
            s=30,
            color=OKABE_ITO["reddish_purple"],
            zorder=4,
            label="key events (numbered below)",
        )
        for i, (p, y) in enumerate(zip(periods, ys, strict=True)):
            ax.annotate(
                str(i + 1),
                xy=(p, y),
                xytext=(4, -4 - 8 * (i % 2)),
                textcoords="offset points",
                fontsize=7,
                fontweight="bold",
                va="top",
            )
        items = [
            f"{i + 1}. {d.day} {d:%b %Y}: {shorten(t, 48)}"
            for i, (d, t) in enumerate(zip(pd.to_datetime(key["date"]), key["title"].astype(str), strict=True))
        ]
        half = (len(items) + 1) // 2
        for col, chunk in enumerate((items[:half], items[half:])):
            if chunk and list_key_events:
                fig.text(0.08 + 0.46 * col, 0.02, "\n".join(chunk), fontsize=7, va="bottom", gid="key-list")
    ax.set_ylabel(HOW_LABELS[how], fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, fontsize=7, frameon=False)
    if not len(x):
        ax.text(0.5, 0.5, "no events between these sides", transform=ax.transAxes, ha="center")
    title = title or f"Escalation index, {label_a} vs {label_b}: {HOW_LABELS[how]}"
    set_accessible(fig, title, escalation_alt_text(index, how, label_a, label_b, direction, key))
    return fig


def _infer_freq(x: pd.DatetimeIndex) -> str:
    if len(x) > 1:
        return "W" if (x[1] - x[0]).days == 7 else "MS"
    return "W" if x.freqstr and x.freqstr.startswith("W") else "MS"


def shorten(text: str, n: int = 34) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def escalation_alt_text(
    index: pd.DataFrame, how: str, label_a: str, label_b: str, direction: str, key: pd.DataFrame | None = None
) -> str:
    """What the escalation chart shows, computed from the series it draws."""
    if index.empty:
        return f"Empty chart: no events between {label_a} and {label_b} in the chosen span."
    s = index["index"]
    step = "month" if _infer_freq(index.index) == "MS" else "week"
    text = (
        f"Area and line chart per {step} from {index.index[0]:%B %Y} to {index.index[-1]:%B %Y} of the "
        f"{HOW_LABELS[how]} for events between {label_a} and {label_b} ({direction.replace('_', ' ')}); "
        f"{int(index['events'].sum())} events in all."
    )
    if s.notna().any():
        lo = s.idxmin()
        when = f"{lo:%B %Y}" if step == "month" else f"starting {lo.day} {lo:%B %Y}"
        text += f" The index is lowest (most conflictual) in the {step} {when} at {s[lo]:.1f}."
    if key is not None and len(key):
        items = "; ".join(
            f"{t} ({d.day} {d:%b %Y})" for t, d in zip(key["title"].astype(str), key["date"], strict=True)
        )
        text += f" Annotated key events: {items}."
    return text


def camp_colour(side: Side) -> str | None:
    """The course colour of a camp, so the same side keeps its colour across figures."""
    return CAMP_COLOURS.get(side) if isinstance(side, str) else None
