"""Actor network explorer: choose relation types, a date and an actor to focus on; ties and centralities follow.

The layout is computed once for all actors (each camp on its own ring), so an actor stays put while the
filters change. Only actors with a shown tie are labelled; hover any actor for its name, kind and camp, click
it to focus on its ties (the detail table lists them with dates and footnotes). A tangle gets smaller with
fewer relation types, a date, or a focus actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import bqplot as bq
import ipywidgets as w
import networkx as nx
import numpy as np
import pandas as pd
from IPython.display import HTML

from brinkmanship import data
from brinkmanship.network import (
    CAMP_ORDER,
    RELATION_TYPES,
    SHAPE_GROUPS,
    build_graph,
    camp_layout,
    centrality_table,
    change_dates,
    filter_graph,
    plot_data,
    short_name,
    ties_of,
)
from brinkmanship.style import CAMP_COLOURS, OKABE_ITO, PALETTE, set_accessible, table_html
from brinkmanship.widgets.base import View, ViewResult, empty_note, esc, new_canvas, put, segments

__all__ = [
    "BENCHMARK_STEPS",
    "DEFAULT_DATE",
    "NetworkResult",
    "NetworkView",
    "centrality_html",
    "date_options",
    "make_view",
    "short_name",
]

DEFAULT_DATE = "2020-01-01"
# a cycle of control changes for benchmarks/widgets.py; it ends where it started
BENCHMARK_STEPS: list[dict[str, Any]] = [
    {"date": "2019-05-01"},
    {"relations": ("sponsors", "proxy_of")},
    {"date": "2020-02-01"},
    {"relations": ("ally", "adversary", "mediates")},
    {"use_date": False},
    {"relations": RELATION_TYPES, "use_date": True, "date": "2024-12-01"},
    {"focus": "qaani"},
    {"focus": "", "date": DEFAULT_DATE},
]
RELATION_STYLE: dict[str, tuple[str, str, float]] = {  # colour, bqplot line style, width
    "sponsors": (PALETTE[1], "solid", 2.5),
    "proxy_of": (PALETTE[1], "dashed", 2.5),
    "ally": (PALETTE[2], "solid", 2.0),
    "adversary": (OKABE_ITO["black"], "dotted", 1.8),
    "mediates": (PALETTE[3], "dash_dotted", 2.2),
    "commands": (PALETTE[0], "solid", 1.6),
    "succeeds": (PALETTE[4], "dashed", 2.0),
    "member_of": (OKABE_ITO["grey"], "dotted", 1.5),
}


def date_options(relations: pd.DataFrame) -> list[tuple[str, str]]:
    """Month starts from 2011 to 2025 plus every day a tie begins or ends, so each change can be reached."""
    months = set(pd.date_range("2011-01-01", "2025-12-01", freq="MS"))
    days = sorted(
        months | {d for d in change_dates(relations) if pd.Timestamp("2011-01-01") <= d <= pd.Timestamp("2025-12-31")}
    )
    return [(f"{d.day} {d:%b %Y}" if d.day != 1 else f"{d:%b %Y}", f"{d:%Y-%m-%d}") for d in days]


@dataclass(frozen=True)
class NetworkResult(ViewResult):
    """One update: the shown ties as a graph, the centrality table, and the filters that made them."""

    graph: nx.MultiDiGraph
    table: pd.DataFrame
    date: str | None
    relations: tuple[str, ...]
    focus: str

    def __getitem__(self, key: str) -> Any:  # result["table"] as well as result.table
        return getattr(self, key)


class NetworkView(View):
    """Relation types, date, focus actor; the camp-coloured graph, the centrality table and one actor's ties."""

    title = "Who backs whom: the actor network"

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.graph = build_graph(tables["actors"], tables["relations"])
        self.pos = camp_layout(self.graph, spacing=0.42)  # wide rings: room for readable labels
        self.nodes = list(self.graph.nodes())
        self._setup_figure()
        options = date_options(tables["relations"])
        values = [v for _, v in options]
        names = sorted(((self.graph.nodes[n].get("name", n), n) for n in self.nodes), key=lambda t: t[0].lower())
        controls = {
            "relations": w.SelectMultiple(
                options=[(r.replace("_", " "), r) for r in RELATION_TYPES],
                value=tuple(RELATION_TYPES),
                rows=len(RELATION_TYPES),
                description="Relation types",
                style={"description_width": "100px"},
            ),
            "use_date": w.Checkbox(value=True, description="Only ties active on the date", indent=False),
            "date": w.SelectionSlider(
                options=options,
                value=DEFAULT_DATE if DEFAULT_DATE in values else values[0],
                description="Date",
                continuous_update=False,
                layout=w.Layout(width="600px"),
            ),
            "focus": w.Dropdown(
                options=[("All actors", ""), *names],
                value="",
                description="Focus on",
                layout=w.Layout(width="420px"),
            ),
        }
        self.all_relations = w.Button(description="All types", tooltip="show every relation type")
        self.all_relations.on_click(lambda _: setattr(self.controls["relations"], "value", tuple(RELATION_TYPES)))
        super().__init__(controls)
        for mark in self.node_marks.values():
            mark.on_element_click(self._on_click)

    # --- figure made once ------------------------------------------------------------------------------
    def _setup_figure(self) -> None:
        xy = np.array([self.pos[n] for n in self.nodes]).reshape(-1, 2)
        pad = 0.45
        self.sx = bq.LinearScale(min=float(xy[:, 0].min() - 2 * pad), max=float(xy[:, 0].max() + 2 * pad))
        self.sy = bq.LinearScale(min=float(xy[:, 1].min() - pad), max=float(xy[:, 1].max() + pad))
        scales = {"x": self.sx, "y": self.sy}
        self.edge_marks = {
            rel: bq.Lines(
                x=[],
                y=[],
                scales=scales,
                colors=[colour],
                line_style=style,
                stroke_width=width,
                opacities=[0.85],
                labels=[rel.replace("_", " ")],
                display_legend=True,
            )
            for rel, (colour, style, width) in RELATION_STYLE.items()
        }
        tip = bq.Tooltip(fields=["name"], labels=["actor"])
        self.node_marks = {
            shape: bq.Scatter(
                x=[],
                y=[],
                scales=scales,
                marker=shape,
                default_size=170,
                stroke="black",
                stroke_width=1,
                names=[],
                display_names=False,
                tooltip=tip,
                colors=["grey"],
                opacities=[1.0],
                labels=[label],
                display_legend=False,
                interactions={"click": "select"},
                unselected_style={"opacity": 1.0},
            )
            for shape, label in SHAPE_GROUPS.items()
        }
        self.labels = bq.Label(
            x=[], y=[], text=[], scales=scales, default_size=12, font_unit="px", colors=["#222222"], y_offset=-12,
            align="middle",
        )  # fmt: skip
        marks = [*self.edge_marks.values(), *self.node_marks.values(), self.labels]
        self.canvas = new_canvas(
            scales, [], marks, height=640, margin={"top": 50, "bottom": 10, "left": 10, "right": 10}
        )
        self.canvas.legend_location = "top-left"
        self.legend = w.HTML(_legend_html())

    # --- View protocol ------------------------------------------------------------------------------------
    def compute(self) -> NetworkResult:
        v = self.values()
        on = v["date"] if v["use_date"] else None
        sub = filter_graph(self.graph, v["relations"], on=on)
        focus = v["focus"]
        if focus:
            keep = [(a, b, k) for a, b, k in sub.edges(keys=True) if focus in (a, b)]
            sub = sub.edge_subgraph(keep).copy() if keep else nx.MultiDiGraph()
            sub.add_nodes_from(self.graph.nodes(data=True))
        table = centrality_table(sub)
        plot = plot_data(self.graph, self.pos, sub)
        self._draw(plot, focus)
        when = f"on {pd.Timestamp(on).day} {pd.Timestamp(on):%b %Y}" if on is not None else "at any date"
        types = ", ".join(r.replace("_", " ") for r in v["relations"]) or "none"
        n_active = int(plot["nodes"]["active"].sum())
        top = (
            f" The most connected actor is {table.iloc[0]['name']} with {int(table.iloc[0]['degree'])} tie(s)."
            if len(table)
            else ""
        )
        who = f" touching {self.graph.nodes[focus].get('name', focus)}" if focus else ""
        alt = (
            f"Network diagram of {len(self.nodes)} actors placed by camp (US camp left, Iran camp right, "
            f"outside powers top, mediators centre, others bottom), colour by camp and shape by kind. Showing "
            f"{sub.number_of_edges()} tie(s) of type {types}{who} {when}, touching {n_active} actor(s); actors "
            f"without a shown tie are faded and unlabelled.{top}"
        )
        title = f"Actor ties {when}" + (
            f", around {short_name(self.graph.nodes[focus].get('name', focus))}" if focus else ""
        )
        set_accessible(self.canvas, title, alt)
        return NetworkResult(self.canvas, title, alt, sub, table, on, tuple(v["relations"]), focus)

    def _draw(self, plot: dict[str, Any], focus: str) -> None:
        nodes = plot["nodes"]
        with ExitStack() as stack:
            for widget in (*self.edge_marks.values(), *self.node_marks.values(), self.labels):
                stack.enter_context(widget.hold_sync())
            for rel, mark in self.edge_marks.items():
                x, y = segments(plot["edges"][rel])
                put(mark, x=x, y=y)
            for shape, mark in self.node_marks.items():
                part = nodes[nodes["shape"] == shape]
                put(
                    mark,
                    x=part["x"].to_numpy(dtype=float),
                    y=part["y"].to_numpy(dtype=float),
                    colors=[CAMP_COLOURS.get(c, CAMP_COLOURS["other"]) for c in part["camp"]] or ["grey"],
                    opacities=[
                        1.0 if a or n == focus else 0.2 for a, n in zip(part["active"], part["actor_id"], strict=True)
                    ]
                    or [1.0],
                    names=list(part["hover"]),
                    selected=None,
                )
            shown = nodes[nodes["active"] | (nodes["actor_id"] == focus)]
            put(
                self.labels,
                x=shown["x"].to_numpy(dtype=float),
                y=shown["y"].to_numpy(dtype=float),
                text=list(shown["label"]),
            )
        self._ids = {shape: list(nodes.loc[nodes["shape"] == shape, "actor_id"]) for shape in self.node_marks}

    def _on_click(self, mark: Any, event: Mapping[str, Any]) -> None:
        index = event.get("data", {}).get("index")
        shape = next((s for s, m in self.node_marks.items() if m is mark), None)
        if shape is not None and index is not None and 0 <= index < len(self._ids[shape]):
            self.controls["focus"].value = self._ids[shape][index]

    def render(self) -> None:
        r: NetworkResult = self.result
        n = r.graph.number_of_edges()
        text = f"<p>{n} tie(s) shown; {len(r.table)} actor(s) with at least one tie.</p>"
        if not n:
            text += empty_note(
                "no tie of the chosen types holds on this date"
                + (" for this actor" if r.focus else "")
                + ". Add relation types (All types), untick the date filter or pick another date."
            )
        self.status.value = text
        self.show_caption()
        self.show(self.table_out, HTML(centrality_html(r.table)))
        if r.focus:
            ties = ties_of(r.graph, r.focus)
            name = self.graph.nodes[r.focus].get("name", r.focus)
            body = (
                f"<h4>Ties of {esc(name)} shown</h4>" + table_html(ties, index=False)
                if len(ties)
                else f"<p>{esc(name)} has no tie of the chosen types on this date.</p>"
            )
        else:
            body = (
                "<p>Click an actor (or pick one under <b>Focus on</b>) to list its ties with dates and footnotes.</p>"
            )
        self.show(self.detail_out, HTML(body))

    def layout(self) -> w.Widget:
        c = self.controls
        return self.frame(
            [
                w.HBox(
                    [
                        w.VBox([c["relations"], self.all_relations]),
                        w.VBox([c["use_date"], c["date"], c["focus"]]),
                    ]
                ),
            ],
            [self.legend, self.detail_out, self.table_out],
        )


def _legend_html() -> str:
    camps = "".join(
        f'<span style="display:inline-block;margin-right:12px"><span style="display:inline-block;width:12px;'
        f'height:12px;border:1px solid #000;background:{CAMP_COLOURS[c]}"></span> {c.replace("_", " ")}</span>'
        for c in CAMP_ORDER
    )
    shapes = {"circle": "●", "square": "■", "triangle-up": "▲", "diamond": "◆", "cross": "✚", "triangle-down": "▼"}
    kinds = " · ".join(f"{shapes[s]} {label}" for s, label in SHAPE_GROUPS.items())
    return (
        f'<p class="brink-legend"><b>Colour = camp:</b> {camps}<br><b>Shape = kind:</b> {kinds}<br>'
        f"<b>Line = tie:</b> {_line_legend()}<br>Which way a tie runs is listed under the figure when you click an "
        "actor.</p>"
    )


def _line_legend() -> str:
    dash = {"solid": "none", "dashed": "6,3", "dotted": "1.5,3", "dash_dotted": "6,2,1.5,2"}
    return " ".join(
        f'<span style="white-space:nowrap"><svg width="34" height="10" aria-hidden="true"><line x1="0" y1="5" x2="34" '
        f'y2="5" stroke="{c}" stroke-width="{wd}" stroke-dasharray="{dash[st]}"/></svg> {rel.replace("_", " ")}</span>'
        for rel, (c, st, wd) in RELATION_STYLE.items()
    )


def centrality_html(table: pd.DataFrame, top: int = 15) -> str:
    """The centrality table's top rows as HTML with a caption saying what each measure means."""
    shown = table.head(top).reset_index()
    for col in ("betweenness", "pagerank", "eigenvector"):
        shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    for col in ("alignment", "kind"):
        shown[col] = shown[col].astype(str).str.replace("_", " ")
    shown = shown.drop(columns=["actor_id"])
    caption = (
        f"Centrality of the {len(shown)} best-connected actors (of {len(table)} with ties): degree "
        "counts ties; betweenness = share of shortest paths through the actor; PageRank weighs being "
        "pointed at by well-connected actors; eigenvector = tied to well-connected actors."
    )
    return f"<p><b>{esc(caption)}</b></p>" + (
        f'<div style="max-width:100%;overflow-x:auto">{table_html(shown, index=False)}</div>' if len(shown) else ""
    )


def make_view(tables: Mapping[str, pd.DataFrame] | None = None, **values: Any) -> NetworkView:
    """The view over ``tables`` (default: the course data), its controls set to ``values``."""
    return NetworkView(tables if tables is not None else data.load_all()).start(**values)
