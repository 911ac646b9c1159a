"""Actor network explorer: choose relation types and a date; ties, labels and centralities follow.

The layout is computed once for all actors, and the figure's artists are created once and only restyled on
each change, so a control change costs a filter, a centrality pass and a few array updates.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import HTML
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from brinkmanship import data
from brinkmanship.network import (
    CAMP_ORDER,
    RELATION_TYPES,
    build_graph,
    camp_layout,
    centrality_table,
    filter_graph,
)
from brinkmanship.style import CAMP_COLOURS, OKABE_ITO, PALETTE, mark_fixed_layout, set_accessible
from brinkmanship.widgets.base import View
from brinkmanship.widgets.result import Result

__all__ = ["BENCHMARK_STEPS", "DATE_OPTIONS", "NetworkView", "make_view", "short_name"]

# Month starts from the Syrian war's first year to the end of the later events (2025); values are ISO
# strings so steps and tests can name them.
DATE_OPTIONS: list[tuple[str, str]] = [
    (f"{d:%b %Y}", f"{d:%Y-%m-%d}") for d in pd.date_range("2011-01-01", "2025-12-01", freq="MS")
]
DEFAULT_DATE = "2020-01-01"

# marker per actor kind, so the kind is readable without colour (colour = camp)
KIND_MARKERS: dict[str, str] = {
    "state": "o",
    "state_organ": "s",
    "armed_force": "s",
    "official": "^",
    "militia": "D",
    "militant_group": "D",
    "opposition_group": "D",
    "international_body": "h",
    "company": "v",
    "media": "v",
    "expert": "v",
    "other": "v",
}
KIND_GROUPS: dict[str, str] = {
    "o": "state",
    "s": "state organ or force",
    "^": "official",
    "D": "militia or armed group",
    "h": "international body",
    "v": "expert, media or other",
}
RELATION_STYLE: dict[str, tuple[str, Any, float]] = {  # colour, linestyle, width
    "sponsors": (PALETTE[1], "-", 2.0),
    "proxy_of": (PALETTE[1], (0, (5, 2)), 2.0),
    "ally": (PALETTE[2], "-", 1.5),
    "adversary": (OKABE_ITO["black"], (0, (1, 1.5)), 1.5),
    "mediates": (PALETTE[3], (0, (6, 2, 1, 2)), 1.5),
    "commands": (PALETTE[0], "-", 1.0),
    "succeeds": (PALETTE[4], (0, (3, 1, 1, 1, 1, 1)), 1.5),
    "member_of": (OKABE_ITO["grey"], (0, (2, 2)), 1.0),
}

BENCHMARK_STEPS: list[dict[str, Any]] = [
    {"date": "2019-05-01"},
    {"relations": ("sponsors", "proxy_of")},
    {"date": "2020-02-01"},
    {"relations": ("ally", "adversary", "mediates")},
    {"use_date": False},
    {"relations": RELATION_TYPES, "use_date": True, "date": "2024-12-01"},
    {"date": DEFAULT_DATE},
]


class NetworkView(View):
    """Relation-type multi-select, date slider, camp-coloured graph and the centrality table."""

    title = "Who backs whom: the actor network"

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.graph = build_graph(tables["actors"], tables["relations"])
        self.pos = camp_layout(self.graph)
        self.nodes = list(self.graph.nodes())
        self._index = {n: i for i, n in enumerate(self.nodes)}
        self._xy = np.array([self.pos[n] for n in self.nodes])
        self._setup_figure()
        controls = {
            "relations": w.SelectMultiple(
                options=list(RELATION_TYPES),
                value=tuple(RELATION_TYPES),
                rows=len(RELATION_TYPES),
                description="Relation types",
            ),
            "use_date": w.Checkbox(value=True, description="Only ties active on the date", indent=False),
            "date": w.SelectionSlider(
                options=DATE_OPTIONS,
                value=DEFAULT_DATE,
                description="Date",
                continuous_update=False,
                layout=w.Layout(width="520px"),
            ),
        }
        super().__init__(controls)

    # --- figure built once -------------------------------------------------------------------------------
    def _setup_figure(self) -> None:
        self.fig = Figure(figsize=(11, 7))
        mark_fixed_layout(self.fig)  # axes placed by hand: no tight-box pass per update
        ax = self.fig.add_axes((0.01, 0.02, 0.72, 0.88))
        ax.set_axis_off()
        self.ax = ax
        self._edge_art: dict[str, LineCollection] = {}
        for rel in RELATION_TYPES:
            colour, style, width = RELATION_STYLE[rel]
            coll = LineCollection([], colors=colour, linestyles=style, linewidths=width, alpha=0.8, zorder=1)
            ax.add_collection(coll)
            self._edge_art[rel] = coll
        # arrowheads: one per possible edge, hidden (alpha 0) when the edge is filtered out
        self._edge_list = list(self.graph.edges(keys=True, data="relation"))
        starts = np.array([self.pos[u] for u, *_ in self._edge_list]).reshape(-1, 2)
        ends = np.array([self.pos[v] for _, v, *_ in self._edge_list]).reshape(-1, 2)
        vec = ends - starts
        base = starts + 0.6 * vec  # a short arrow over the middle of each tie shows its direction
        self._arrows = (
            ax.quiver(
                base[:, 0],
                base[:, 1],
                0.2 * vec[:, 0],
                0.2 * vec[:, 1],
                angles="xy",
                scale_units="xy",
                scale=1,
                width=0.0025,
                headwidth=4,
                headlength=4,
                headaxislength=3.5,
                color="black",
                zorder=2,
            )
            if len(base)
            else None
        )
        kinds = [self.graph.nodes[n].get("kind", "other") for n in self.nodes]
        camps = [self.graph.nodes[n].get("alignment", "other") for n in self.nodes]
        self._base_colour = np.array([to_rgba(CAMP_COLOURS.get(c, CAMP_COLOURS["other"])) for c in camps])
        self._node_art = {}
        markers = np.array([KIND_MARKERS.get(k, "v") for k in kinds])
        self._marker_idx = {}
        for marker in KIND_GROUPS:
            idx = np.flatnonzero(markers == marker)
            if len(idx) == 0:
                continue
            self._marker_idx[marker] = idx
            self._node_art[marker] = ax.scatter(
                self._xy[idx, 0],
                self._xy[idx, 1],
                marker=marker,
                s=90,
                c=self._base_colour[idx],
                edgecolors="black",
                linewidths=0.7,
                zorder=3,
            )
        self._labels = []
        for node, (x, y) in zip(self.nodes, self._xy, strict=True):
            # labels point away from the centre of the actor's camp ring, so neighbours do not collide
            camp = self.graph.nodes[node].get("alignment", "other")
            members = [self._index[m] for m in self.nodes if self.graph.nodes[m].get("alignment") == camp]
            cx, cy = self._xy[members].mean(axis=0)
            dx, dy = x - cx, y - cy
            norm = float(np.hypot(dx, dy)) or 1.0
            dx, dy = dx / norm, dy / norm
            ha = "left" if dx > 0.35 else "right" if dx < -0.35 else "center"
            va = "bottom" if dy > 0.35 else "top" if dy < -0.35 else "center"
            self._labels.append(
                ax.text(
                    x + 0.05 * dx,
                    y + 0.05 * dy,
                    short_name(self.graph.nodes[node].get("name", node)),
                    fontsize=6.5,
                    ha=ha,
                    va=va,
                    zorder=4,
                    clip_on=False,
                )
            )
        if len(self._xy):
            pad = 0.45
            ax.set_xlim(self._xy[:, 0].min() - 3 * pad, self._xy[:, 0].max() + 3 * pad)  # room for labels
            ax.set_ylim(self._xy[:, 1].min() - pad, self._xy[:, 1].max() + pad)
        handles = [Patch(facecolor=CAMP_COLOURS[c], edgecolor="black", label=c.replace("_", " ")) for c in CAMP_ORDER]
        handles += [
            Line2D(
                [], [], linestyle="none", marker=m, color="white", markeredgecolor="black", markersize=8, label=label
            )
            for m, label in KIND_GROUPS.items()
        ]
        handles += [
            Line2D(
                [],
                [],
                color=RELATION_STYLE[r][0],
                linestyle=RELATION_STYLE[r][1],
                linewidth=RELATION_STYLE[r][2],
                label=r.replace("_", " "),
            )
            for r in RELATION_TYPES
        ]
        self.fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.74, 0.9),
            fontsize=7,
            title="camp (colour), kind (shape), tie (line)",
            title_fontsize=7,
            frameon=False,
        )

    # --- View protocol ------------------------------------------------------------------------------------
    def compute(self) -> Result:
        values = self.values()
        on = values["date"] if values["use_date"] else None
        sub = filter_graph(self.graph, values["relations"], on=on)
        table = centrality_table(sub)
        self._restyle(sub)
        when = f"on {pd.Timestamp(on):%d %b %Y}" if on is not None else "at any date"
        types = ", ".join(values["relations"]) or "none"
        n_active = int((table["degree"] > 0).sum()) if len(table) else 0
        top = (
            (f" The most connected actor is {table.iloc[0]['name']} with {int(table.iloc[0]['degree'])} tie(s).")
            if len(table)
            else ""
        )
        alt = (
            f"Network diagram of {len(self.nodes)} actors placed by camp (US camp left, Iran camp right, "
            f"outside powers top, mediators centre, others bottom), colour by camp and shape by kind. Showing "
            f"{sub.number_of_edges()} tie(s) of type {types} {when}, touching {n_active} actor(s); actors "
            f"without a shown tie are faded.{top}"
        )
        set_accessible(self.fig, f"Actor ties {when}", alt)
        return Result(
            {"graph": sub, "table": table, "figure": self.fig, "date": on, "relations": tuple(values["relations"])}
        )

    def _restyle(self, sub: Any) -> None:
        segments: dict[str, list[Any]] = {r: [] for r in RELATION_TYPES}
        shown = np.zeros(len(self._edge_list), dtype=bool)
        for i, (u, v, key, rel) in enumerate(self._edge_list):
            if sub.has_edge(u, v, key):
                segments[rel].append([self.pos[u], self.pos[v]])
                shown[i] = True
        for rel, coll in self._edge_art.items():
            coll.set_segments(segments[rel])
        if self._arrows is not None:
            colours = np.zeros((len(shown), 4))
            colours[shown] = (0, 0, 0, 0.85)
            self._arrows.set_facecolor(colours)
        active = np.array([sub.degree(n) > 0 for n in self.nodes], dtype=bool)
        for marker, idx in self._marker_idx.items():
            colours = self._base_colour[idx].copy()
            colours[~active[idx], 3] = 0.18
            self._node_art[marker].set_facecolor(colours)
            edge = np.tile(to_rgba("black"), (len(idx), 1))
            edge[~active[idx], 3] = 0.25
            self._node_art[marker].set_edgecolor(edge)
        for label, on in zip(self._labels, active, strict=True):
            label.set_visible(bool(on))

    def render(self) -> None:
        table = self.result["table"]
        self.status.value = (
            f"<p>{self.result['graph'].number_of_edges()} tie(s) shown; "
            f"{len(table)} actor(s) with at least one tie.</p>"
        )
        self.show_figure(self.fig)
        self.show(self.table_out, HTML(centrality_html(table)))

    def layout(self) -> w.Widget:
        c = self.controls
        return w.VBox(
            [
                w.HTML(f"<h3>{html.escape(self.title)}</h3>"),
                w.HBox([c["relations"], w.VBox([c["use_date"], c["date"]])]),
                self.status,
                self.figure_out,
                self.table_out,
            ]
        )


def short_name(name: str, limit: int = 24) -> str:
    """A label that fits the drawing: an acronym in brackets wins ("... Ahvaz (ASMLA)" -> "ASMLA"),
    other bracketed glosses are dropped, and long names are cut with an ellipsis."""
    if "(" in name and name.endswith(")"):
        head, gloss = name[: name.index("(")].strip(), name[name.index("(") + 1 : -1].strip()
        if gloss.isupper() and len(gloss) <= 6 and " " not in gloss:
            return gloss
        name = head or name
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def centrality_html(table: pd.DataFrame, top: int = 15) -> str:
    """The centrality table's top rows as HTML with a caption saying what each measure means."""
    shown = table.head(top).reset_index()
    for col in ("betweenness", "pagerank", "eigenvector"):
        shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    caption = (
        f"Centrality of the {len(shown)} best-connected actors (of {len(table)} with ties): degree "
        "counts ties; betweenness = share of shortest paths through the actor; PageRank weighs being "
        "pointed at by well-connected actors; eigenvector = tied to well-connected actors."
    )
    return shown.to_html(index=False, escape=True, border=0).replace(
        '<table class="dataframe">', f'<table class="dataframe"><caption>{html.escape(caption)}</caption>', 1
    )


def make_view(tables: Mapping[str, pd.DataFrame] | None = None, **values: Any) -> NetworkView:
    """The view over ``tables`` (default: the course data), its controls set to ``values``."""
    return NetworkView(tables if tables is not None else data.load_all()).start(**values)
