"""Timeline explorer: filter the course's events and read any one of them with its sources.

A thin front over :mod:`brinkmanship.timeline`. Every filter is a labelled control; the figure, the table of
matching events and the detail pane follow each change. Hover a dot for the event, click it to read it in
the detail pane. The Period buttons also zoom the dates to that period; Play steps the end of the date range
month by month from the start of the range (its timer runs in the browser; under :func:`headless` it is off).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown

from brinkmanship import data
from brinkmanship import timeline as tl
from brinkmanship.style import OKABE_ITO, set_accessible, table_html
from brinkmanship.widgets.base import View, ViewResult, empty_note, headless, new_canvas

# a cycle of control changes for benchmarks/widgets.py; it ends where it started
BENCHMARK_STEPS: list[dict[str, Any]] = [
    {"theatre": "iraq"},
    {"search": "tanker"},
    {"theatre": ""},
    {"period": "article"},
    {"lanes": "actor"},
    {"event_type": "quad:4"},
    {"search": ""},
    {"lanes": "theatre"},
    {"event_type": ""},
    {"period": ""},
]


@dataclass(frozen=True)
class TimelineResult(ViewResult):
    """What one update computed: the matching events, their table and the chosen event."""

    events: pd.DataFrame
    table: pd.DataFrame
    chosen: str | None
    detail: dict[str, Any] | None
    start: pd.Timestamp
    end: pd.Timestamp
    lanes: list[str] = field(default_factory=list)
    marks: pd.DataFrame | None = None
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.events)


class TimelineView(View):
    """Filter events by dates, actors, theatre, type, period and words; see them in lanes and in detail."""

    title = "Timeline explorer"

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        events, actors = tables["events"], tables["actors"]
        self.events = tl.prepare_events(events, actors)
        if self.events.empty:
            raise ValueError("the timeline explorer needs at least one event")
        self.actors = actors
        self.sources = tables.get("sources")
        self.names = tl.actor_names(actors)
        first = self.events["date"].min().to_period("M").start_time
        last = self.events["date_last"].max().to_period("M").start_time
        self.months = list(pd.date_range(first, last, freq="MS"))
        self._setup_figure()
        involved = set(tl.as_text(self.events["source_actor_id"]).dropna())
        involved |= set(tl.as_text(self.events["target_actor_id"]).dropna())
        actor_options = sorted(((self.names.get(a, a), a) for a in involved), key=lambda t: t[0].lower())
        theatres = list(dict.fromkeys(tl.as_text(self.events["theatre"]).dropna()))
        periods = [p for p in tl.PERIODS if p in set(tl.as_text(self.events["period"]).dropna())]
        self.period_months = {"": (0, len(self.months) - 1)}
        for p in periods:
            rows = self.events[tl.as_text(self.events["period"]) == p]
            self.period_months[p] = (self._month_index(rows["date"].min()), self._month_index(rows["date_last"].max()))
        label = {"description_width": "70px"}
        controls: dict[str, w.Widget] = {
            "dates": w.SelectionRangeSlider(
                options=[(m.strftime("%b %Y"), m) for m in self.months],
                index=(0, len(self.months) - 1),
                description="Dates",
                continuous_update=False,
                layout=w.Layout(width="760px"),
                style=label,
            ),
            "actors": w.SelectMultiple(
                options=actor_options,
                value=(),
                rows=7,
                description="Actors",
                layout=w.Layout(width="330px"),
                style=label,
            ),
            "theatre": w.Dropdown(
                options=[("All theatres", "")] + [(t.replace("_", " "), t) for t in theatres],
                value="",
                description="Theatre",
                style=label,
            ),
            "event_type": w.Dropdown(
                options=[("All types", ""), *tl.event_type_options(self.events)],
                value="",
                description="Event type",
                style={"description_width": "80px"},
            ),
            "period": w.ToggleButtons(
                options=[("All", ""), *[(p.capitalize(), p) for p in periods]],
                value="",
                description="Period",
                tooltips=["all periods"] + [tl.PERIOD_LABELS[p] + "; zooms the dates to it" for p in periods],
                style={"button_width": "80px", **label},
            ),
            "search": w.Text(
                value="",
                description="Search",
                placeholder="words in title, description, notes",
                continuous_update=False,
                style=label,
            ),
            "lanes": w.ToggleButtons(
                options=[("Theatre", "theatre"), ("Actor", "actor")],
                value="theatre",
                description="Lanes",
                style={"button_width": "80px", **label},
            ),
            "play": w.Play(
                value=len(self.months) - 1,
                min=0,
                max=len(self.months) - 1,
                step=1,
                interval=600,
                description="Play (steps the end date)",
                disabled=headless(),
                show_repeat=False,
            ),
            "event": w.Dropdown(options=[], description="Event", layout=w.Layout(width="760px"), style=label),
        }
        self.clear_actors = w.Button(description="All actors", tooltip="clear the actor selection", icon="times")
        self.clear_actors.on_click(lambda _: setattr(self.controls["actors"], "value", ()))
        self._end_before_play: int | None = None
        super().__init__(controls)
        controls["play"].observe(self._on_playing, names="playing")
        self.points.on_element_click(self._on_click)

    # --- figure made once ------------------------------------------------------------------------------
    def _setup_figure(self) -> None:
        self.sx = bq.DateScale()
        self.sy = bq.LinearScale(reverse=True)
        self.sc = bq.ColorScale(colors=["#B35806", "#F7F7F7", "#542788"], min=-10, max=10, mid=0)
        self.ss = bq.LinearScale(min=0, max=10)
        scales = {"x": self.sx, "y": self.sy, "color": self.sc}
        tip = bq.Tooltip(fields=["name"], labels=["event"])
        self.points = bq.Scatter(
            x=[], y=[], color=[], names=[], display_names=False, scales=scales, stroke="black",
            default_size=80, tooltip=tip, labels=["acted (source)"], display_legend=False,
            interactions={"click": "select"}, unselected_style={"opacity": 1.0},
        )  # fmt: skip
        self.targets = bq.Scatter(
            x=[], y=[], names=[], display_names=False, scales={"x": self.sx, "y": self.sy}, fill=False,
            stroke=OKABE_ITO["black"], colors=[OKABE_ITO["black"]], default_size=80, tooltip=tip,
            labels=["acted upon (target, hollow)"], display_legend=False,
        )  # fmt: skip
        self.ax_y = bq.Axis(scale=self.sy, orientation="vertical", tick_values=[], tick_labels={}, grid_lines="none")
        self.ax_x = bq.Axis(scale=self.sx, label="date", grid_lines="solid", grid_color="#e5e5e5", num_ticks=8)
        axes = [
            self.ax_x,
            self.ax_y,
            bq.ColorAxis(scale=self.sc, orientation="vertical", side="right", label="Goldstein"),
        ]
        self.canvas = new_canvas(
            scales,
            axes,
            [self.targets, self.points],
            height=440,
            margin={"top": 50, "bottom": 45, "left": 200, "right": 90},
        )
        self.canvas.legend_location = "top-left"

    def _month_index(self, when: Any) -> int:
        month = pd.Timestamp(when).to_period("M").start_time
        return max(0, min(len(self.months) - 1, self.months.index(month) if month in self.months else 0))

    # --- View protocol ----------------------------------------------------------------------------------
    def compute(self) -> TimelineResult:
        v = self.values()
        lo, hi = v["dates"]
        start = pd.Timestamp(lo)
        end = pd.Timestamp(hi) + pd.offsets.MonthEnd(0)
        quad, acled = tl.parse_event_type(v["event_type"])
        actors = list(v["actors"])
        found = tl.filter_events(
            self.events,
            start=start,
            end=end,
            actors=actors or None,
            theatres=v["theatre"] or None,
            quad_class=quad,
            acled_type=acled,
            periods=v["period"] or None,
            text=v["search"],
        )
        ids = list(tl.as_text(found["event_id"]))
        chosen = v["event"] if v["event"] in ids else (ids[0] if ids else None)
        keys, labels, marks = tl.timeline_points(
            found, lanes=v["lanes"], actors=actors if v["lanes"] == "actor" else None, actor_labels=self.names
        )
        title = self._title(len(found), v["lanes"], start, end)
        self._draw(keys, labels, marks, start, end, v["lanes"])
        set_accessible(self.canvas, title, tl.timeline_alt_text(found, v["lanes"], keys, self.names))
        detail = tl.event_detail(found, chosen, self.sources, self.actors) if chosen else None
        return TimelineResult(
            self.canvas,
            title,
            self.canvas.alt_text,
            found,
            tl.event_table(found),
            chosen,
            detail,
            start,
            end,
            labels,
            marks,
            dict(v),
        )

    def _draw(self, keys: list[str], labels: list[str], marks: pd.DataFrame, start, end, lanes: str) -> None:
        src = marks[marks["role"] != "target"]
        tgt = marks[marks["role"] == "target"]
        pad = pd.Timedelta(days=12)
        with self.points.hold_sync(), self.targets.hold_sync(), self.sy.hold_sync(), self.sx.hold_sync():
            self.sx.min, self.sx.max = np.datetime64(start - pad, "ms"), np.datetime64(end + pad, "ms")
            self.ax_x.tick_format = "%Y" if (end - start).days > 3 * 365 else "%b %Y"
            self.sy.min, self.sy.max = -0.6, max(len(keys), 1) - 0.4
            self.ax_y.tick_values = list(range(len(keys)))
            self.ax_y.tick_labels = {i: label for i, label in enumerate(labels)}
            self.points.x = src["date"].to_numpy(dtype="datetime64[ms]")
            self.points.y = src["lane"].to_numpy(dtype=float)
            self.points.color = src["goldstein"].to_numpy(dtype=float)
            self.points.size = src["size"].to_numpy(dtype=float)
            self.points.names = list(src["tooltip"])
            self.points.selected = None
            self.targets.x = tgt["date"].to_numpy(dtype="datetime64[ms]")
            self.targets.y = tgt["lane"].to_numpy(dtype=float)
            self.targets.size = tgt["size"].to_numpy(dtype=float)
            self.targets.names = list(tgt["tooltip"])
            self.points.display_legend = self.targets.display_legend = lanes == "actor"
        self._point_ids = list(src["event_id"])

    def render(self) -> None:
        r: TimelineResult = self.result
        self._suspended = True
        try:
            ev = self.controls["event"]
            ev.options = [
                (self._event_label(row), eid)
                for eid, row in zip(tl.as_text(r.events["event_id"]), r.events.itertuples(), strict=True)
            ]
            ev.value = r.chosen
            play = self.controls["play"]
            lo, hi = self.controls["dates"].index
            play.min = min(lo, play.max)
            play.value = hi
        finally:
            self._suspended = False
        span = f"({r.start:%b %Y} to {r.end:%b %Y})"
        if r.n:
            self.status.value = f'<span class="brink-count" role="status">Matching events: {r.n}</span> {span}'
        else:
            self.status.value = (
                f'<span class="brink-count" role="status">Matching events: 0</span> {span}'
                + empty_note("no event matches these filters. Widen the dates, press All actors or All, or clear "
                             "the search.")
            )  # fmt: skip
        self.show_caption()
        html = table_html(
            r.table.assign(goldstein=r.table["goldstein"].map(lambda g: f"{g:+.1f}")),
            max_rows=len(r.table) + 1,
            classes="brink-table",
        )
        self.show(self.table_out, HTML(f'<div style="max-height:320px;overflow:auto">{html}</div>'))
        self._render_detail()

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if self._suspended:
            return
        owner = change["owner"]
        if owner is self.controls["play"]:
            self._play_to(int(change["new"]))
        elif owner is self.controls["event"]:
            self.show_event(change["new"])
        elif owner is self.controls["period"]:
            self._suspended = True
            try:  # the period also zooms the dates to its months
                self.controls["dates"].index = self.period_months.get(change["new"], self.period_months[""])
            finally:
                self._suspended = False
            self.update()
        else:
            self.update()

    # --- behaviour specific to the timeline ---------------------------------------------------------------
    def show_event(self, event_id: str | None) -> dict[str, Any] | None:
        """Fill the detail pane with one of the matching events (the Event dropdown and a click call this)."""
        r: TimelineResult = self.result
        detail = tl.event_detail(r.events, event_id, self.sources, self.actors) if event_id else None
        self.result = replace(r, chosen=event_id, detail=detail)
        self._render_detail()
        return detail

    def _on_click(self, _mark: Any, event: Mapping[str, Any]) -> None:
        index = event.get("data", {}).get("index")
        if index is not None and 0 <= index < len(self._point_ids):
            self.controls["event"].value = self._point_ids[index]

    def step_play(self) -> TimelineResult:
        """Advance the play control by one month, as one tick of its browser timer would."""
        play = self.controls["play"]
        play.value = play.min if play.value >= play.max else play.value + 1
        return self.result

    def _play_to(self, i: int) -> None:
        dates = self.controls["dates"]
        lo_index = dates.index[0]
        dates.index = (lo_index, max(lo_index, min(i, len(self.months) - 1)))

    def _on_playing(self, change: Mapping[str, Any]) -> None:
        """Play starts from the range start; Stop puts the end back where it was, not on the start month."""
        dates = self.controls["dates"]
        if change["new"]:
            self._end_before_play = dates.index[1]
        elif self._end_before_play is not None and dates.index[1] == dates.index[0]:
            dates.index = (dates.index[0], self._end_before_play)

    def _render_detail(self) -> None:
        r: TimelineResult = self.result
        body = (
            Markdown(r.detail["markdown"])
            if r.detail
            else HTML("<p>No event matches the filters, so there is no event to read.</p>")
        )
        self.show(self.detail_out, body)

    def _event_label(self, row: Any) -> str:
        return f"{row.date:%Y-%m-%d} · {row.event_id} · {tl.shorten(str(row.title), 70)}"

    @staticmethod
    def _title(n: int, lanes: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
        return f"{n} event{'s' if n != 1 else ''} by {lanes}, {start:%b %Y} to {end:%b %Y}"

    def layout(self) -> w.Widget:
        c = self.controls
        filters = w.VBox(
            [
                w.HBox([c["theatre"], c["event_type"]]),
                c["period"],
                w.HBox([c["search"], c["lanes"]]),
                w.HBox([w.Label("Play:"), c["play"]]),
            ]
        )
        return self.frame(
            [c["dates"], w.HBox([filters, w.VBox([c["actors"], self.clear_actors])])],
            [self.table_out, c["event"], self.detail_out],
        )


TimelineExplorer = TimelineView  # the old name


def make_view(tables: Mapping[str, pd.DataFrame] | None = None, **values: Any) -> TimelineView:
    """The explorer over ``tables`` (default: the course data), its controls set to ``values``."""
    return TimelineView(tables if tables is not None else data.load_all()).start(**values)


__all__ = ["BENCHMARK_STEPS", "TimelineExplorer", "TimelineResult", "TimelineView", "make_view"]
