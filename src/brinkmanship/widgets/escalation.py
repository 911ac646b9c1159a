"""Escalation view: the Goldstein index between two sides, per month or week, with its key events.

A thin front over :mod:`brinkmanship.escalation`: choose the dyad, the direction, the measure (sum, mean,
count), the period length, a smoothing window and the span of time; the figure, its alt text and the
summary line (including where the series' level shifts most) follow each change.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import HTML

from brinkmanship import data
from brinkmanship import escalation as es
from brinkmanship.style import OKABE_ITO, set_accessible
from brinkmanship.widgets.base import View, ViewResult, empty_note, esc, new_canvas

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


@dataclass(frozen=True)
class EscalationResult(ViewResult):
    """One update: the index series, the dyad's events in the span, the key events and any level shift."""

    index: pd.DataFrame
    dyad_events: pd.DataFrame
    key: pd.DataFrame
    change: dict[str, Any] | None
    dyad: Dyad
    plot: dict[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        return self.index


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
        # the crisis months the article is about come first, so they are not squeezed into a corner of the axis
        self.spans: dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]] = {
            "crisis": (pd.Timestamp("2019-05-01"), pd.Timestamp("2020-02-29")),
            "": (None, None),
        }
        periods = es.as_text(self.events["period"])
        for p in ("context", "article", "later"):
            dates = self.events.loc[(periods == p).fillna(False).to_numpy(dtype=bool), "date"]
            if len(dates):
                self.spans[p] = (dates.min(), dates.max())
        self._setup_figure()
        span_labels = {
            "crisis": "Crisis months (May 2019 to Feb 2020)",
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
                options=[(span_labels[k], k) for k in self.spans],
                value="crisis",
                description="Span",
                style=wide,
                layout=w.Layout(width="380px"),
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
        values = index["index"].dropna()
        # a level shift needs enough periods on each side: one odd last value is not a shift
        size = max(3, len(values) // 10)
        active = int((index["events"] > 0).sum())
        change = es.change_point(index["index"], min_size=size) if len(values) >= 2 * size and active >= 4 else None
        direction_words = {"both": "", "a_to_b": f" ({dyad.label_a} acting)", "b_to_a": f" ({dyad.label_b} acting)"}
        title = f"Escalation, {dyad.label_a} vs {dyad.label_b}{direction_words[v['direction']]}"
        plot = es.plot_data(index, v["how"], key)
        self._draw(plot, v, dyad, start, end, key)
        alt = es.escalation_alt_text(index, v["how"], dyad.label_a, dyad.label_b, v["direction"], key)
        set_accessible(self.canvas, title, alt)
        return EscalationResult(self.canvas, title, alt, index, dy, key, change, dyad, plot)

    # --- drawing ----------------------------------------------------------------------------------------
    def _setup_figure(self) -> None:
        self.sx, self.sy = bq.DateScale(), bq.LinearScale()
        scales = {"x": self.sx, "y": self.sy}
        self.area = bq.Lines(
            x=[], y=[], scales=scales, colors=[OKABE_ITO["grey"]], fill="bottom", fill_opacities=[0.45],
            interpolation="step-after", stroke_width=0, labels=["each period"], display_legend=True,
        )  # fmt: skip
        self.line_a = bq.Lines(x=[], y=[], scales=scales, line_style="dashed", stroke_width=1.5, display_legend=True)
        self.line_b = bq.Lines(x=[], y=[], scales=scales, line_style="dotted", stroke_width=2, display_legend=True)
        self.line = bq.Lines(
            x=[], y=[], scales=scales, colors=[OKABE_ITO["black"]], stroke_width=2.5, display_legend=True,
        )  # fmt: skip
        self.zero = bq.Lines(x=[], y=[0, 0], scales=scales, colors=["#888888"], stroke_width=1)
        self.keys = bq.Scatter(
            x=[], y=[], scales=scales, marker="diamond", colors=[OKABE_ITO["reddish_purple"]], default_size=60,
            stroke="black", names=[], display_names=False, tooltip=bq.Tooltip(fields=["name"], labels=["key event"]),
            labels=["key events (numbered as in the list below)"], display_legend=True,
        )  # fmt: skip
        self.key_labels = bq.Label(
            x=[], y=[], text=[], scales=scales, default_size=13, font_weight="bold", x_offset=6, y_offset=-8,
            colors=[OKABE_ITO["black"]],
        )  # fmt: skip
        self.ax_x = bq.Axis(scale=self.sx, grid_lines="solid", grid_color="#e5e5e5", num_ticks=7, tick_format="%b %Y")
        self.ax_y = bq.Axis(scale=self.sy, orientation="vertical", grid_lines="solid", grid_color="#e5e5e5")
        marks = [self.area, self.zero, self.line_a, self.line_b, self.line, self.keys, self.key_labels]
        self.canvas = new_canvas(
            scales, [self.ax_x, self.ax_y], marks, height=400, margin={"top": 60, "bottom": 45, "left": 70, "right": 30}
        )
        self.canvas.legend_location = "bottom-left"  # conflict runs down from zero on the right

    def _draw(
        self, plot: dict[str, Any], v: dict[str, Any], dyad: Dyad, start: Any, end: Any, key: pd.DataFrame
    ) -> None:
        x = plot["x"]
        edges = plot["edges"]
        ms = "datetime64[ms]"
        lo = pd.Timestamp(start) if start is not None else (edges[0] if len(edges) else pd.Timestamp("2019-01-01"))
        hi = pd.Timestamp(end) if end is not None else (edges[-1] if len(edges) else lo + pd.Timedelta(days=31))
        ylo, yhi = plot["ylim"]
        both = v["direction"] == "both"
        how = v["how"]
        marks = (self.area, self.line_a, self.line_b, self.line, self.keys, self.key_labels, self.zero)
        with ExitStack() as stack:
            for widget in (self.sx, self.sy, self.ax_y, *marks):
                stack.enter_context(widget.hold_sync())
            self.sx.min, self.sx.max = np.datetime64(lo, "ms"), np.datetime64(max(hi, lo + pd.Timedelta(days=31)), "ms")
            self.sy.min, self.sy.max = float(ylo), float(yhi)
            self.ax_y.label = es.HOW_LABELS[how]
            if how == "count":
                step = max(1, int(np.ceil(yhi / 6)))
                self.ax_y.tick_values = list(range(0, int(np.floor(yhi)) + 1, step))
                self.ax_y.tick_format = "d"
            else:
                self.ax_y.tick_values = None
                self.ax_y.tick_format = ".1f"
            self.area.x = np.asarray(edges, dtype=ms)
            self.area.y = np.append(plot["raw"], 0.0) if len(edges) else np.array([])
            self.zero.x = np.array([np.datetime64(lo, "ms"), np.datetime64(hi, "ms")])
            for line, col, label, colour in (
                (self.line_a, "a_to_b", f"{dyad.label_a} → {dyad.label_b}", es.camp_colour(dyad.side_a)),
                (self.line_b, "b_to_a", f"{dyad.label_b} → {dyad.label_a}", es.camp_colour(dyad.side_b)),
            ):
                line.x = np.asarray(x, dtype=ms) if both else np.array([], dtype=ms)
                line.y = np.nan_to_num(plot[col], nan=0.0) if both else np.array([])
                line.labels = [label]
                line.colors = [colour or (OKABE_ITO["blue"] if col == "a_to_b" else OKABE_ITO["vermillion"])]
                line.display_legend = both
            window = int(v["window"])
            self.line.x = np.asarray(x, dtype=ms)
            self.line.y = plot["index"]
            self.line.labels = [f"index{f', {window}-period window' if window > 1 else ''}"]
            titles = [
                f"{i + 1}. {d.day} {d:%b %Y}: {t}"
                for i, (d, t) in enumerate(zip(pd.to_datetime(key["date"]), key["title"].astype(str), strict=True))
            ]
            self.keys.x = np.asarray(plot["key_x"], dtype=ms)
            self.keys.y = plot["key_y"]
            self.keys.names = titles
            self.key_labels.x = np.asarray(plot["key_x"], dtype=ms)
            self.key_labels.y = plot["key_y"]
            self.key_labels.text = [str(i + 1) for i in range(len(plot["key_y"]))]
            # key events in the same period or next to each other get their numbers staggered
            self.key_labels.y_offset = -8

    def render(self) -> None:
        r: EscalationResult = self.result
        text = f'<span class="brink-count" role="status">Periods: {len(r.index)}; events: {len(r.dyad_events)}</span>'
        if r.change is not None:
            at = r.change["at"]
            when = f"{at:%b %Y}" if self.controls["freq"].value == "month" else f"the week of {at.day} {at:%b %Y}"
            text += (
                f" · largest level shift (two-level fit, a tenth of the periods or more each side) starts in {when} "
                f"(mean {r.change['before']:.2f} before, {r.change['after']:.2f} after)"
            )
        if not len(r.dyad_events):
            text += empty_note(
                f"no events between {r.dyad.label_a} and {r.dyad.label_b} in this span and direction. "
                "Choose Whole record under Span, or Both directions."
            )
        self.status.value = text
        self.show_caption()
        self.show(self.table_out, HTML(self.key_list_html()))

    def key_list_html(self) -> str:
        """The numbered key events under the figure (numbers match the figure's markers)."""
        key = self.result.key
        if not len(key):
            return "<p>No key events shown.</p>"
        rows = "".join(
            f"<li>{d.day} {d:%b %Y}: {esc(t)} ({e}, Goldstein {g:+.1f})</li>"
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
        return self.frame(
            [
                w.HBox([c["dyad"], c["direction"]]),
                w.HBox([c["how"], c["freq"]]),
                w.HBox([c["window"], c["n_key"], c["span"]]),
            ],
            [self.table_out],
        )


def make_view(tables: Mapping[str, pd.DataFrame] | None = None, **values: Any) -> EscalationView:
    """The escalation view over ``tables`` (default: the course data), its controls set to ``values``."""
    return EscalationView(tables if tables is not None else data.load_all()).start(**values)
