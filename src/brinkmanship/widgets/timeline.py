"""Timeline explorer: filter the course's events and read any one of them with its sources.

A thin front over :mod:`brinkmanship.timeline`. Every filter is a labelled control; the figure, the table of
matching events and the detail pane follow each change. The play control steps the end of the date range
month by month (its timer runs in the browser; under :func:`headless` it is disabled).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w
import pandas as pd
from IPython.display import HTML, Markdown
from matplotlib.figure import Figure

from brinkmanship import data
from brinkmanship import timeline as tl
from brinkmanship.widgets.base import View, headless

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


@dataclass
class TimelineResult:
    """What one update computed: the matching events, their table, the figure and the chosen event."""

    events: pd.DataFrame
    table: pd.DataFrame
    figure: Figure
    chosen: str | None
    detail: dict[str, Any] | None
    start: pd.Timestamp
    end: pd.Timestamp
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.events)


class TimelineView(View):
    """Filter events by dates, actors, theatre, type, period and words; see them in lanes and in detail."""

    title = "Timeline explorer"

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        events, actors, sources = tables["events"], tables["actors"], tables.get("sources")
        self.events = tl.prepare_events(events, actors)
        if self.events.empty:
            raise ValueError("the timeline explorer needs at least one event")
        self.actors = actors
        self.sources = sources
        self.names = tl.actor_names(actors)
        self.canvas = tl.new_canvas()
        first = self.events["date"].min().to_period("M").start_time
        last = self.events["date_last"].max().to_period("M").start_time
        self.months = list(pd.date_range(first, last, freq="MS"))
        involved = set(tl.as_text(self.events["source_actor_id"]).dropna())
        involved |= set(tl.as_text(self.events["target_actor_id"]).dropna())
        actor_options = sorted(((self.names.get(a, a), a) for a in involved), key=lambda t: t[0].lower())
        theatres = list(dict.fromkeys(tl.as_text(self.events["theatre"]).dropna()))
        periods = [p for p in tl.PERIODS if p in set(tl.as_text(self.events["period"]).dropna())]
        controls: dict[str, w.Widget] = {
            "dates": w.SelectionRangeSlider(
                options=[(m.strftime("%b %Y"), m) for m in self.months],
                index=(0, len(self.months) - 1),
                description="Dates",
                continuous_update=False,
                layout=w.Layout(width="520px"),
                style={"description_width": "60px"},
            ),
            "actors": w.SelectMultiple(
                options=actor_options, value=(), rows=6, description="Actors", style={"description_width": "60px"}
            ),
            "theatre": w.Dropdown(
                options=[("All theatres", "")] + [(t.replace("_", " "), t) for t in theatres],
                value="",
                description="Theatre",
                style={"description_width": "60px"},
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
                tooltips=["all periods"] + [tl.PERIOD_LABELS[p] for p in periods],
                style={"button_width": "80px", "description_width": "60px"},
            ),
            "search": w.Text(
                value="",
                description="Search",
                placeholder="words in title, description, notes",
                continuous_update=False,
                style={"description_width": "60px"},
            ),
            "lanes": w.ToggleButtons(
                options=[("Theatre", "theatre"), ("Actor", "actor")],
                value="theatre",
                description="Lanes",
                style={"button_width": "80px", "description_width": "60px"},
            ),
            "play": w.Play(
                value=len(self.months) - 1,
                min=0,
                max=len(self.months) - 1,
                step=1,
                interval=700,
                description="Play (steps the end date)",
                disabled=headless(),
                show_repeat=False,
            ),
            "event": w.Dropdown(
                options=[], description="Event", layout=w.Layout(width="640px"), style={"description_width": "60px"}
            ),
        }
        super().__init__(controls)

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
        fig = tl.draw_timeline(
            found,
            lanes=v["lanes"],
            actors=actors if v["lanes"] == "actor" else None,
            actor_labels=self.names,
            canvas=self.canvas,
            title=self._title(len(found), v["lanes"], start, end),
        )
        detail = tl.event_detail(found, chosen, self.sources, self.actors) if chosen else None
        return TimelineResult(found, tl.event_table(found), fig, chosen, detail, start, end, dict(v))

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
            play.value = self.months.index(pd.Timestamp(self.controls["dates"].value[1]))
        finally:
            self._suspended = False
        self.status.value = (
            f'<span class="brink-count" role="status">Matching events: {r.n}</span> ({r.start:%b %Y} to {r.end:%b %Y})'
        )
        self.show_figure(r.figure)
        html = r.table.to_html(index=False, classes="brink-table", border=0, float_format=lambda g: f"{g:+.1f}")
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
        else:
            self.update()

    # --- behaviour specific to the timeline ---------------------------------------------------------------
    def show_event(self, event_id: str | None) -> dict[str, Any] | None:
        """Fill the detail pane with one of the matching events (the Event dropdown calls this)."""
        r: TimelineResult = self.result
        r.chosen = event_id
        r.detail = tl.event_detail(r.events, event_id, self.sources, self.actors) if event_id else None
        self._render_detail()
        return r.detail

    def step_play(self) -> TimelineResult:
        """Advance the play control by one month, as one tick of its browser timer would."""
        play = self.controls["play"]
        play.value = play.min if play.value >= play.max else play.value + 1
        return self.result

    def _play_to(self, i: int) -> None:
        dates = self.controls["dates"]
        lo_index = dates.index[0]
        dates.index = (lo_index, max(lo_index, min(i, len(self.months) - 1)))

    def _render_detail(self) -> None:
        r: TimelineResult = self.result
        body = Markdown(r.detail["markdown"]) if r.detail else HTML("<p>No event matches the filters.</p>")
        self.show(self.detail_out, body)

    def _event_label(self, row: Any) -> str:
        return f"{row.date:%Y-%m-%d} · {row.event_id} · {tl.shorten(str(row.title), 60)}"

    @staticmethod
    def _title(n: int, lanes: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
        return f"{n} event{'s' if n != 1 else ''} by {lanes}, {start:%b %Y} to {end:%b %Y}"

    def layout(self) -> w.Widget:
        c = self.controls
        filters = w.VBox(
            [
                c["dates"],
                w.HBox([c["theatre"], c["event_type"]]),
                c["period"],
                w.HBox([c["search"], c["lanes"]]),
                w.HBox([w.Label("Play:"), c["play"]]),
            ]
        )
        return w.VBox(
            [
                w.HTML(f"<h3>{self.title}</h3>"),
                w.HBox([filters, c["actors"]]),
                self.status,
                self.figure_out,
                self.table_out,
                c["event"],
                self.detail_out,
            ],
            layout=w.Layout(width="100%"),
        )


TimelineExplorer = TimelineView  # the old name


def make_view(tables: Mapping[str, pd.DataFrame] | None = None, **values: Any) -> TimelineView:
    """The explorer over ``tables`` (default: the course data), its controls set to ``values``."""
    return TimelineView(tables if tables is not None else data.load_all()).start(**values)
