"""Escalation view: the Goldstein index between two sides, per month or week, with its key events.

A thin front over :mod:`brinkmanship.escalation`: choose the dyad, the direction, the measure (sum, mean,
count), the period length, a smoothing window and the span of time; the figure, its alt text and the
summary line (including where the series' level shifts most) follow each change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from brinkmanship import data
from brinkmanship import escalation as es
from brinkmanship.widgets.base import View

BENCHMARK_STEPS: list[dict[str, Any]] = [
    {"how": "mean"},
    {"freq": "week"},
    {"window": 3},
    {"direction": "a_to_b"},
    {"how": "count"},
    {"span": "article"},
    {"freq": "month"},
    {"window": 1},
    {"direction": "both"},
    {"how": "sum"},
    {"span": ""},
]
CAMP_PAIRS: tuple[tuple[str, str], ...] = (
    ("us_camp", "iran_camp"),
    ("us_camp", "outside_power"),
    ("iran_camp", "outside_power"),
    ("us_camp", "mediator"),
    ("iran_camp", "mediator"),
)


@dataclass(frozen=True)
class Dyad:
    """One choice of the dyad dropdown."""

    label: str
    side_a: str | tuple[str, ...]
    side_b: str | tuple[str, ...]
    label_a: str
    label_b: str


@dataclass
class EscalationResult:
    index: pd.DataFrame
    dyad_events: pd.DataFrame
    key: pd.DataFrame
    figure: Figure
    change: dict[str, Any] | None
    dyad: Dyad


def dyad_choices(events: pd.DataFrame, actors: pd.DataFrame, max_states: int = 4) -> dict[str, Dyad]:
    """The dyads worth offering: camp pairs, then pairs of the most active states, each with >= 1 event."""
    choices: dict[str, Dyad] = {}
    alignments = set(es.as_text(actors["alignment"]).dropna())
    for a, b in CAMP_PAIRS:
        if a in alignments and b in alignments and len(es.dyad_events(events, actors, a, b)):
            la, lb = es.side_label(actors, a), es.side_label(actors, b)
            choices[f"{a}|{b}"] = Dyad(f"{la} vs {lb}", a, b, la, lb)
    states = list(
        es.as_text(actors.loc[(es.as_text(actors["kind"]) == "state").fillna(False).to_numpy(dtype=bool), "actor_id"])
    )
    if states:
        activity = {}
        for s in states:
            members = es.resolve_side(actors, [s])
            src = es.as_text(events["source_actor_id"]).isin(members)
            tgt = es.as_text(events["target_actor_id"]).isin(members)
            activity[s] = int((src | tgt).fillna(False).sum())
        top = sorted((s for s in states if activity[s]), key=lambda s: (-activity[s], s))[:max_states]
        for i, a in enumerate(top):
            for b in top[i + 1 :]:
                try:
                    n = len(es.dyad_events(events, actors, [a], [b]))
                except ValueError:  # one state is coded as a child of the other: not a dyad
                    continue
                if n:
                    la, lb = es.side_label(actors, [a]), es.side_label(actors, [b])
                    choices[f"{a}|{b}"] = Dyad(f"{la} vs {lb} (with their organs and forces)", (a,), (b,), la, lb)
    if not choices:
        raise ValueError("no two sides in actors.csv have events between them: nothing to index")
    return choices


class EscalationView(View):
    """The escalation index of one dyad over time, with controls for how it is measured."""

    title = "Escalation index"

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        events, actors = tables["events"], tables["actors"]
        self.events = events.assign(date=pd.to_datetime(events["date"]))
        self.actors = actors
        self.dyads = dyad_choices(self.events, actors)
        self.spans: dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]] = {"": (None, None)}
        periods = es.as_text(self.events["period"])
        for p in ("context", "article", "later"):
            dates = self.events.loc[(periods == p).fillna(False).to_numpy(dtype=bool), "date"]
            if len(dates):
                self.spans[p] = (dates.min(), dates.max())
        self.fig = es.new_figure(height=4.2, key_list=False)  # the key events are listed in HTML below
        span_labels = {
            "": "Whole record",
            "context": "Context period",
            "article": "Article period",
            "later": "Later period",
        }
        wide = {"description_width": "110px"}
        controls: dict[str, w.Widget] = {
            "dyad": w.Dropdown(
                options=[(d.label, k) for k, d in self.dyads.items()],
                description="Sides (dyad)",
                layout=w.Layout(width="520px"),
                style=wide,
            ),
            "direction": w.Dropdown(
                options=[
                    ("Both directions", "both"),
                    ("First side acts on second", "a_to_b"),
                    ("Second side acts on first", "b_to_a"),
                ],
                value="both",
                description="Direction",
                style=wide,
            ),
            "how": w.ToggleButtons(
                options=[("Sum", "sum"), ("Mean", "mean"), ("Count", "count")],
                value="sum",
                description="Measure",
                tooltips=[es.HOW_LABELS[h] for h in es.HOWS],
                style={"button_width": "70px", **wide},
            ),
            "freq": w.ToggleButtons(
                options=[("Month", "month"), ("Week", "week")],
                value="month",
                description="Period length",
                style={"button_width": "70px", **wide},
            ),
            "window": w.IntSlider(
                value=1,
                min=1,
                max=12,
                description="Window",
                tooltip="periods averaged (smoothing)",
                style=wide,
                continuous_update=False,
            ),
            "span": w.Dropdown(
                options=[(span_labels[k], k) for k in self.spans], value="", description="Span", style=wide
            ),
            "n_key": w.IntSlider(value=5, min=0, max=10, description="Key events", style=wide, continuous_update=False),
        }
        super().__init__(controls)

    def compute(self) -> EscalationResult:
        v = self.values()
        dyad = self.dyads[v["dyad"]]
        a = dyad.side_a if isinstance(dyad.side_a, str) else list(dyad.side_a)
        b = dyad.side_b if isinstance(dyad.side_b, str) else list(dyad.side_b)
        start, end = self.spans[v["span"]]
        index = es.escalation_index(
            self.events,
            self.actors,
            a,
            b,
            freq=v["freq"],
            how=v["how"],
            window=int(v["window"]),
            direction=v["direction"],
            start=start,
            end=end,
        )
        dy = es.dyad_events(self.events, self.actors, a, b, v["direction"])
        if start is not None:
            dy = dy[(dy["date"] >= start) & (dy["date"] <= end)]
        key = es.key_events(dy, int(v["n_key"]), freq=v["freq"])
        change = es.change_point(index["index"]) if index["index"].notna().sum() >= 2 else None
        direction_words = {"both": "", "a_to_b": f" ({dyad.label_a} acting)", "b_to_a": f" ({dyad.label_b} acting)"}
        title = f"Escalation, {dyad.label_a} vs {dyad.label_b}{direction_words[v['direction']]}"
        fig = es.draw_escalation(
            index,
            how=v["how"],
            label_a=dyad.label_a,
            label_b=dyad.label_b,
            direction=v["direction"],
            key=key,
            window=int(v["window"]),
            colour_a=es.camp_colour(dyad.side_a),
            colour_b=es.camp_colour(dyad.side_b),
            fig=self.fig,
            list_key_events=False,
            title=title,
        )
        return EscalationResult(index, dy, key, fig, change, dyad)

    def render(self) -> None:
        r: EscalationResult = self.result
        text = f'<span class="brink-count" role="status">Periods: {len(r.index)}; events: {len(r.dyad_events)}</span>'
        if r.change is not None:
            at = r.change["at"]
            when = f"{at:%b %Y}" if self.controls["freq"].value == "month" else f"the week of {at.day} {at:%b %Y}"
            text += (
                f" · largest level shift (two-level fit) starts in {when} "
                f"(mean {r.change['before']:.2f} before, {r.change['after']:.2f} after)"
            )
        self.status.value = text
        self.show_figure(r.figure)
        self.show(self.table_out, HTML(self.key_list_html()))

    def key_list_html(self) -> str:
        """The numbered key events under the figure (numbers match the figure's markers)."""
        key = self.result.key
        if not len(key):
            return "<p>No key events shown.</p>"
        rows = "".join(
            f"<li>{d.day} {d:%b %Y}: {w_esc(t)} ({e}, Goldstein {g:+.1f})</li>"
            for d, t, e, g in zip(
                pd.to_datetime(key["date"]),
                key["title"].astype(str),
                key["event_id"].astype(str),
                key["goldstein"],
                strict=True,
            )
        )
        return f"<p>Key events (largest Goldstein magnitude, numbered as in the figure):</p><ol>{rows}</ol>"

    def layout(self) -> w.Widget:
        c = self.controls
        return w.VBox(
            [
                w.HTML(f"<h3>{self.title}</h3>"),
                w.HBox([c["dyad"], c["direction"]]),
                w.HBox([c["how"], c["freq"]]),
                w.HBox([c["window"], c["n_key"], c["span"]]),
                self.status,
                self.figure_out,
                self.table_out,
            ]
        )


def w_esc(text: str) -> str:
    import html

    return html.escape(text)


def make_view(tables: Mapping[str, pd.DataFrame] | None = None, **values: Any) -> EscalationView:
    """The escalation view over ``tables`` (default: the course data), its controls set to ``values``."""
    return EscalationView(tables if tables is not None else data.load_all()).start(**values)
