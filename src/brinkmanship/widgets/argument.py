"""Argument map explorer: pick the thesis, a section or one claim and see everything it rests on.

Shape AND colour mark how well a claim is sourced (never colour alone), predictions are filled by their
judged outcome, and the detail pane gives the claim's text, footnotes and objections in words.
"""

from __future__ import annotations

import html
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
from brinkmanship.argument import (
    OUTCOME_COLOURS,
    SECTIONS,
    build_claim_graph,
    claim_support,
    layered_layout,
    predictions,
    roots,
    subtree,
)
from brinkmanship.footnotes import admiralty_code
from brinkmanship.style import OKABE_ITO, set_accessible
from brinkmanship.widgets.base import View, ViewResult, new_canvas, put, segments

__all__ = ["BENCHMARK_STEPS", "STATUS_STYLE", "ArgumentView", "make_view", "status_of"]

# support status -> (bqplot marker, fill colour, legend label): shape AND colour, never colour alone
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "multi": ("circle", OKABE_ITO["sky_blue"], "claim resting on two or more works"),
    "single": ("triangle-up", OKABE_ITO["orange"], "single-source claim (one work)"),
    "own_only": ("diamond", OKABE_ITO["reddish_purple"], "rests only on the author's own material"),
    "unsourced": ("circle", "#FFFFFF", "no footnote beneath it"),
    "objection": ("cross", OKABE_ITO["grey"], "objection (course check with a public source)"),
}
EDGE_STYLE: dict[str, tuple[str, str, float, str]] = {  # colour, line style, width, legend label
    "supports": ("#555555", "solid", 1.6, "supports"),
    "attacks": (OKABE_ITO["vermillion"], "dashed", 2.2, "attacks (objection)"),
    "cites": (OKABE_ITO["grey"], "dotted", 1.2, "cites (footnote)"),
    "concerns": (OKABE_ITO["vermillion"], "dotted", 1.2, "footnote an objection criticises"),
}


@dataclass(frozen=True)
class ArgumentResult(ViewResult):
    """One update: the claims chosen, the subgraph beneath them, its layout, statuses, detail and support table."""

    root: str
    claims: list[str]
    subgraph: nx.MultiDiGraph
    positions: dict[str, tuple[float, float]]
    statuses: dict[str, str]
    detail: str
    table: pd.DataFrame

    def __getitem__(self, key: str) -> object:  # result["statuses"] as well as result.statuses
        return getattr(self, key)


OUTCOME_TAGS = {"held": "held", "partly_held": "partly", "did_not_hold": "failed", "undecided": "open"}

BENCHMARK_STEPS: list[dict[str, Any]] = [
    {"root": "section:strategic_patience"},
    {"show_sources": False},
    {"root": "section:conclusion"},
    {"show_objections": False},
    {"root": "section:multilateral", "show_sources": True},
    {"root": "T01", "show_objections": True},
]


def status_of(row: pd.Series) -> str:
    """The support status a claim is drawn with: objection, own_only, single, multi or unsourced."""
    if row["kind"] == "objection":
        return "objection"
    if row["own_work_only"]:
        return "own_only"
    if row["single_source"]:
        return "single"
    return "unsourced" if row["unsourced"] else "multi"


class ArgumentView(View):
    """Claim/section chooser, layered subtree drawing, and a detail pane in words."""

    title = "What does each claim rest on? The argument map"

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.tables = tables
        self.graph = build_claim_graph(tables)
        self.support = claim_support(tables)
        self.predictions = predictions(tables) if "events" in tables else None
        self.claims = tables["claims"].set_index(tables["claims"]["claim_id"].astype(str))
        self.sources = tables["sources"].set_index(tables["sources"]["footnote"].astype(int))
        self._setup_figure()
        tops = roots(self.graph)
        options: list[tuple[str, str]] = []
        for top in tops:
            kind = self.graph.nodes[top]["kind"]
            options.append(
                (
                    f"Whole argument from {top} ({kind})" if kind == "thesis" else f"{top} ({kind}, supports nothing)",
                    top,
                )
            )
        present = set(self.claims["article_section"].astype(str))
        options += [(f"Section: {s.replace('_', ' ')}", f"section:{s}") for s in SECTIONS if s in present]
        options += [
            (f"{cid}: {_short(self.graph.nodes[cid]['text'])}", cid)
            for cid in sorted(self.claims.index)
            if cid not in tops
        ]
        default = next((t for t in tops if self.graph.nodes[t]["kind"] == "thesis"), options[0][1])
        controls = {
            "root": w.Dropdown(
                options=options,
                value=default,
                description="Claim or section",
                style={"description_width": "initial"},
                layout=w.Layout(width="520px"),
            ),
            "show_sources": w.Checkbox(value=True, description="Show footnotes", indent=False),
            "show_objections": w.Checkbox(value=True, description="Show objections", indent=False),
        }
        super().__init__(controls)

    # --- selection --------------------------------------------------------------------------------------
    def selected_claims(self, value: str) -> list[str]:
        """Claim ids a dropdown value stands for (a section stands for all its claims)."""
        if value.startswith("section:"):
            section = value.split(":", 1)[1]
            return sorted(self.claims.index[self.claims["article_section"].astype(str) == section])
        return [value]

    def compute(self) -> ArgumentResult:
        v = self.values()
        chosen = self.selected_claims(v["root"])
        sub = subtree(self.graph, chosen, include_sources=v["show_sources"], include_objections=v["show_objections"])
        pos = layered_layout(sub)
        statuses = {n: status_of(self.support.loc[n]) for n, a in sub.nodes(data=True) if a["type"] == "claim"}
        self._draw(sub, pos, statuses)
        title, alt = self._describe(sub, statuses, v["root"])
        set_accessible(self.canvas, title, alt)
        return ArgumentResult(
            self.canvas,
            title,
            alt,
            v["root"],
            chosen,
            sub,
            pos,
            statuses,
            self.detail_html(v["root"], chosen),
            self.support.loc[sorted(statuses)],
        )

    # --- drawing ----------------------------------------------------------------------------------------
    def _setup_figure(self) -> None:
        """Scales, one line mark per link type and one scatter mark per shape, made once; updates move data."""
        self.sx, self.sy = bq.LinearScale(), bq.LinearScale()
        scales = {"x": self.sx, "y": self.sy}
        self.edge_marks = {
            rel: bq.Lines(
                x=[],
                y=[],
                scales=scales,
                colors=[c],
                line_style=style,
                stroke_width=width,
                labels=[label],
                display_legend=True,
            )
            for rel, (c, style, width, label) in EDGE_STYLE.items()
        }
        tip = bq.Tooltip(fields=["name"], labels=["claim"])
        self.groups: dict[tuple[str, bool], bq.Scatter] = {}
        for status, (marker, _, label) in STATUS_STYLE.items():
            for prediction in (False, True):
                self.groups[(status, prediction)] = bq.Scatter(
                    x=[],
                    y=[],
                    scales=scales,
                    marker=marker,
                    default_size=230 if prediction else 170,
                    stroke="black",
                    stroke_width=3.5 if prediction else 1.0,
                    colors=["white"],
                    names=[],
                    display_names=False,
                    tooltip=tip,
                    interactions={"click": "select"},
                    unselected_style={"opacity": 1.0},
                    labels=[label],
                    display_legend=False,
                )
        for own in (False, True):
            self.groups[("source", own)] = bq.Scatter(
                x=[],
                y=[],
                scales=scales,
                marker="square",
                default_size=90,
                stroke="black",
                colors=["#000000" if own else "#FFFFFF"],
                names=[],
                display_names=False,
                tooltip=tip,
            )
        self.node_labels = bq.Label(
            x=[],
            y=[],
            text=[],
            scales=scales,
            default_size=12,
            font_unit="px",
            y_offset=-16,
            align="middle",
            colors=["#222222"],
        )
        self.source_labels = bq.Label(
            x=[],
            y=[],
            text=[],
            scales=scales,
            default_size=11,
            font_unit="px",
            y_offset=22,
            align="middle",
            colors=["#222222"],
        )
        marks = [*self.edge_marks.values(), *self.groups.values(), self.node_labels, self.source_labels]
        self.canvas = new_canvas(
            scales, [], marks, height=560, margin={"top": 50, "bottom": 30, "left": 20, "right": 20}
        )
        self.canvas.legend_location = "top-left"
        self.legend = w.HTML(_legend_html())
        for (kind, _), mark in self.groups.items():
            if kind != "source":
                mark.on_element_click(self._on_click)

    def _draw(self, sub: nx.MultiDiGraph, pos: dict[str, tuple[float, float]], statuses: dict[str, str]) -> None:
        groups: dict[tuple[str, bool], list[str]] = {key: [] for key in self.groups}
        for node, attrs in sub.nodes(data=True):
            if attrs["type"] == "source":
                groups[("source", bool(attrs["own_material"]))].append(node)
            else:
                groups[(statuses[node], attrs["kind"] == "prediction")].append(node)
        self._ids = groups
        with ExitStack() as stack:
            for widget in (self.sx, self.sy, *self.edge_marks.values(), *self.groups.values()):
                stack.enter_context(widget.hold_sync())
            stack.enter_context(self.node_labels.hold_sync())
            stack.enter_context(self.source_labels.hold_sync())
            if pos:
                xs = [p[0] for p in pos.values()]
                ys = [p[1] for p in pos.values()]
                put(self.sx, min=min(xs) - 0.7, max=max(xs) + 0.7)
                put(self.sy, min=min(ys) - 0.6, max=max(ys) + 0.6)
            segs: dict[str, list[list[float]]] = {rel: [] for rel in self.edge_marks}
            for u, v, rel in sub.edges(data="relation"):
                segs[rel].append([pos[u][0], pos[u][1], pos[v][0], pos[v][1]])
            for rel, mark in self.edge_marks.items():
                x, y = segments(segs[rel])
                put(mark, x=x, y=y)
            for (kind, flag), mark in self.groups.items():
                nodes = groups[(kind, flag)]
                traits: dict[str, Any] = {
                    "x": np.array([pos[n][0] for n in nodes], dtype=float),
                    "y": np.array([pos[n][1] for n in nodes], dtype=float),
                    "names": [self._hover(n) for n in nodes],
                }
                if kind != "source":
                    fill = STATUS_STYLE[kind][1]
                    outcome = [OUTCOME_COLOURS[self.graph.nodes[n]["outcome"] or "undecided"] for n in nodes]
                    traits["colors"] = (outcome if flag else [fill]) or [fill]
                    traits["selected"] = None
                put(mark, **traits)
            claims = [n for n in pos if self.graph.nodes[n]["type"] == "claim"]
            footnotes = [n for n in pos if self.graph.nodes[n]["type"] == "source"]
            put(
                self.node_labels,
                x=np.array([pos[n][0] for n in claims], dtype=float),
                y=np.array([pos[n][1] for n in claims], dtype=float),
                text=[self._label(n) for n in claims],
            )
            put(
                self.source_labels,
                x=np.array([pos[n][0] for n in footnotes], dtype=float),
                y=np.array([pos[n][1] for n in footnotes], dtype=float),
                text=[f"fn{self.graph.nodes[n]['footnote']}" for n in footnotes],
            )

    def _label(self, node: str) -> str:
        attrs = self.graph.nodes[node]
        if attrs["kind"] == "prediction":
            return f"{node} ({OUTCOME_TAGS[attrs['outcome'] or 'undecided']})"
        return node

    def _hover(self, node: str) -> str:
        attrs = self.graph.nodes[node]
        if attrs["type"] == "source":
            own = ", the author's own" if attrs["own_material"] else ""
            return f"footnote {attrs['footnote']}{own}"
        return f"{node} ({attrs['kind']}): {_short(str(attrs.get('text', '')), 140)} (click to open)"

    def _on_click(self, mark: object, event: Mapping[str, object]) -> None:
        index = event.get("data", {}).get("index")  # type: ignore[union-attr]
        key = next((k for k, m in self.groups.items() if m is mark), None)
        if key is None or index is None:
            return
        nodes = self._ids.get(key, [])
        if 0 <= int(index) < len(nodes) and nodes[int(index)] in self.claims.index:
            self.controls["root"].value = nodes[int(index)]

    def _describe(self, sub: nx.MultiDiGraph, statuses: dict[str, str], root: str) -> tuple[str, str]:
        counts = pd.Series(statuses, dtype="object").value_counts()
        n_src = sum(1 for _, a in sub.nodes(data=True) if a["type"] == "source")
        preds = [a["outcome"] or "undecided" for _, a in sub.nodes(data=True) if a.get("kind") == "prediction"]
        outcome_txt = (
            ", ".join(f"{k.replace('_', ' ')} {preds.count(k)}" for k in OUTCOME_COLOURS if preds.count(k)) or "none"
        )
        what = root.split(":", 1)[1].replace("_", " ") + " section" if root.startswith("section:") else root
        alt = (
            f"Layered argument map of {what}: supported claims on top, what supports them below, footnotes "
            f"on the bottom row ({n_src} shown). {len(statuses)} claims: "
            f"{int(counts.get('multi', 0))} rest on two or more works (blue circles), "
            f"{int(counts.get('single', 0))} on a single work (orange triangles), "
            f"{int(counts.get('own_only', 0))} only on the author's own material (purple diamonds), "
            f"{int(counts.get('unsourced', 0))} on no footnote (white circles), "
            f"{int(counts.get('objection', 0))} objections (grey crosses). Predictions have a thick "
            f"outline, filled by outcome ({outcome_txt}). Dashed red lines are objections attacking a claim."
        )
        return f"What {what} rests on", alt

    # --- detail pane ------------------------------------------------------------------------------------
    def detail_html(self, root: str, chosen: list[str]) -> str:
        """The chosen claim in words (or, for a section, one line per claim with its flags)."""
        if root.startswith("section:"):
            rows = "".join(
                f"<tr><th scope='row'>{html.escape(c)}</th><td>{html.escape(str(self.claims.at[c, 'kind']))}"
                f"</td><td>{html.escape(str(self.claims.at[c, 'text']))}</td>"
                f"<td>{html.escape(_flags(self.support.loc[c]))}</td></tr>"
                for c in chosen
            )
            return (
                "<table><caption>Claims made in this section</caption><tr><th scope='col'>id</th>"
                "<th scope='col'>kind</th><th scope='col'>claim (course paraphrase)</th>"
                f"<th scope='col'>support</th></tr>{rows}</table>"
            )
        cid = chosen[0]
        claim, info = self.claims.loc[cid], self.support.loc[cid]
        parts = [
            f"<h4>{html.escape(cid)} ({html.escape(str(claim['kind']))}, section "
            f"{html.escape(str(claim['article_section']).replace('_', ' '))})</h4>",
            f"<p>{html.escape(str(claim['text']))}</p>",
            f"<p><b>Support:</b> {html.escape(_flags(info))}.</p>",
        ]
        if info["direct_footnotes"]:
            items = "".join(f"<li>{self._citation(fn)}</li>" for fn in info["direct_footnotes"])
            parts.append(f"<p><b>Footnotes cited for it:</b></p><ul>{items}</ul>")
        inherited = [fn for fn in info["footnotes"] if fn not in info["direct_footnotes"]]
        if inherited:
            parts.append(
                "<p><b>Footnotes beneath it, through supporting claims:</b> "
                + ", ".join(f"[{fn}]" for fn in inherited)
                + "</p>"
            )
        url = str(claim["verification_url"]) if pd.notna(claim.get("verification_url")) else ""
        if url:
            parts.append(
                f'<p><b>Checked against:</b> <a href="{html.escape(url)}" target="_blank" '
                f'rel="noopener">{html.escape(url)}</a></p>'
            )
        for label, ids in (("Supported by", info["supported_by"]), ("Objections", info["attacked_by"])):
            if ids:
                items = "".join(
                    f"<li><b>{html.escape(i)}</b>: {html.escape(str(self.claims.at[i, 'text']))}</li>" for i in ids
                )
                parts.append(f"<p><b>{label}:</b></p><ul>{items}</ul>")
        if self.predictions is not None and cid in self.predictions.index:
            pred = self.predictions.loc[cid]
            events = "".join(f"<li>{html.escape(e)}</li>" for e in pred["deciding_events"])
            parts.append(
                f"<p><b>Outcome:</b> {html.escape(pred['outcome'].replace('_', ' '))}. "
                f"{html.escape(pred['outcome_note'])}</p>" + (f"<ul>{events}</ul>" if events else "")
            )
        return "".join(parts)

    def _citation(self, fn: int) -> str:
        src = self.sources.loc[fn]
        who = str(src["author"]) if pd.notna(src["author"]) else "no byline"
        issued = f"{pd.Timestamp(src['issued']):%Y-%m-%d}" if pd.notna(src["issued"]) else "n.d."
        code = admiralty_code(str(src["reliability"]), int(src["credibility"]))
        own = " (the author's own material)" if bool(src["author_own_material"]) else ""
        return html.escape(
            f"[{fn}] {who}, {src['title']}, {src['container_title']}, {issued}; "
            f"{str(src['source_type']).replace('_', ' ')}{own}; Admiralty grade {code}"
        )

    def render(self) -> None:
        r: ArgumentResult = self.result
        self.status.value = (
            f"<p>{len(r.statuses)} claim(s) shown under {html.escape(r.root)}; "
            f"{int(r.table['single_source'].sum())} single-source, "
            f"{int(r.table['own_work_only'].sum())} resting only on the author's own "
            "material. Hover a shape for its claim; click it to open the map beneath it.</p>"
        )
        self.show_caption()
        self.show(self.detail_out, HTML(r.detail))

    def layout(self) -> w.Widget:
        c = self.controls
        return self.frame(
            [w.HBox([c["root"], c["show_sources"], c["show_objections"]])], [self.legend, self.detail_out]
        )


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _flags(info: pd.Series) -> str:
    if info["kind"] == "objection":
        about = ", ".join(f"[{fn}]" for fn in info["concerns_footnotes"])
        return "the course's objection" + (f", criticising footnote(s) {about}" if about else "")
    works = f"{info['n_sources']} footnote(s), {info['n_works']} distinct work(s)"
    if info["own_work_only"]:
        return works + "; only the author's own material"
    if info["single_source"]:
        return works + "; single source"
    if info["unsourced"]:
        return "no footnote beneath it"
    return works


def _ink(fill: str) -> str:
    return "#000" if fill == "#FFFFFF" else fill


def _legend_html() -> str:
    shapes = {"circle": "●", "triangle-up": "▲", "diamond": "◆", "cross": "✚"}
    items = [
        f'<span style="color:{_ink(fill)}">{"○" if fill == "#FFFFFF" else shapes[m]}</span> {label}'
        for m, fill, label in STATUS_STYLE.values()
    ]
    outcomes = ", ".join(
        f'<span style="background:{c};padding:0 6px;border:1px solid #000">{OUTCOME_TAGS[k]}</span>'
        for k, c in OUTCOME_COLOURS.items()
    )
    return (
        "<p class='brink-legend'><b>Shape and fill:</b> " + " · ".join(items) + "<br><b>Predictions</b> have a thick "
        f"outline and are filled by their outcome: {outcomes}<br><b>Footnotes:</b> □ outside source, ■ the author's "
        "own material.<br><b>Lines:</b> grey = supports, red dashed = an objection attacks, dotted = a footnote "
        "is cited (grey) or criticised by an objection (red).</p>"
    )


def make_view(tables: Mapping[str, pd.DataFrame] | None = None, **values: Any) -> ArgumentView:
    """The view over ``tables`` (default: the course data), its controls set to ``values``."""
    return ArgumentView(tables if tables is not None else data.load_all()).start(**values)
