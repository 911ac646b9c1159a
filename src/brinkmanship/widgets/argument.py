"""Argument map explorer: pick the thesis, a section or one claim and see everything it rests on.

Shape AND colour mark how well a claim is sourced (never colour alone), predictions are filled by their
judged outcome, and the detail pane gives the claim's text, footnotes and objections in words.
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
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

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
from brinkmanship.style import OKABE_ITO, mark_fixed_layout, set_accessible
from brinkmanship.widgets.base import View
from brinkmanship.widgets.result import Result

__all__ = ["BENCHMARK_STEPS", "STATUS_STYLE", "ArgumentView", "make_view", "status_of"]

# support status -> (marker, fill colour, legend label)
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "multi": ("o", OKABE_ITO["sky_blue"], "claim resting on two or more works"),
    "single": ("^", OKABE_ITO["orange"], "single-source claim (one work)"),
    "own_only": ("p", OKABE_ITO["reddish_purple"], "rests only on the author's own material"),
    "unsourced": ("o", "#FFFFFF", "no footnote beneath it"),
    "objection": ("X", OKABE_ITO["grey"], "objection (course check with a public source)"),
}
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

    def compute(self) -> Result:
        v = self.values()
        chosen = self.selected_claims(v["root"])
        sub = subtree(self.graph, chosen, include_sources=v["show_sources"], include_objections=v["show_objections"])
        pos = layered_layout(sub)
        statuses = {n: status_of(self.support.loc[n]) for n, a in sub.nodes(data=True) if a["type"] == "claim"}
        self._draw(sub, pos, statuses, v["root"])
        return Result(
            {
                "root": v["root"],
                "claims": chosen,
                "subgraph": sub,
                "positions": pos,
                "statuses": statuses,
                "figure": self.fig,
                "detail": self.detail_html(v["root"], chosen),
                "table": self.support.loc[sorted(statuses)],
            }
        )

    # --- drawing ----------------------------------------------------------------------------------------
    def _setup_figure(self) -> None:
        """Axes, legend, edge collections and one label per node, made once; each draw only restyles."""
        self.fig = Figure(figsize=(10, 6.5))
        mark_fixed_layout(self.fig)  # axes placed by hand: no tight-box pass per update
        ax = self.fig.add_axes((0.01, 0.02, 0.72, 0.88))
        ax.set_axis_off()
        self.ax = ax
        self._edges = {
            "cites": LineCollection([], colors=OKABE_ITO["grey"], linestyles=(0, (1, 2)), linewidths=0.8),
            "concerns": LineCollection([], colors=OKABE_ITO["vermillion"], linestyles=(0, (1, 2)), linewidths=0.8),
            "supports": LineCollection([], colors="#555555", linewidths=1.2),
            "attacks": LineCollection([], colors=OKABE_ITO["vermillion"], linestyles="--", linewidths=1.8),
        }
        for coll in self._edges.values():
            coll.set_zorder(1)
            ax.add_collection(coll)
        self._groups: dict[tuple[str, str, float], Any] = {}
        self._labels: dict[str, Any] = {}
        for node, attrs in self.graph.nodes(data=True):
            if attrs["type"] == "source":
                text = f"fn{attrs['footnote']}" + ("\nown" if attrs["own_material"] else "")
                label = ax.text(0, 0, text, fontsize=6, ha="center", va="top", zorder=4)
            else:
                text = node + (
                    f"\n{OUTCOME_TAGS[attrs['outcome'] or 'undecided']}" if attrs["kind"] == "prediction" else ""
                )
                label = ax.text(
                    0,
                    0,
                    text,
                    fontsize=7,
                    ha="center",
                    va="bottom",
                    zorder=4,
                    fontweight="bold" if attrs["kind"] == "thesis" else "normal",
                )
            label.set_visible(False)
            self._labels[node] = label
        self.fig.legend(
            handles=_legend_handles(),
            loc="upper left",
            bbox_to_anchor=(0.74, 0.9),
            fontsize=7,
            frameon=False,
            title="shape and fill",
            title_fontsize=7,
        )

    def _group(self, key: tuple[str, str, float]) -> Any:
        if key not in self._groups:
            marker, fill, width = key
            self._groups[key] = self.ax.scatter(
                [],
                [],
                marker=marker,
                s=70 if marker == "s" else 150,
                c=fill,
                edgecolors="black",
                linewidths=width,
                zorder=3,
            )
        return self._groups[key]

    def _draw(self, sub: Any, pos: dict[str, tuple[float, float]], statuses: dict[str, str], root: str) -> None:
        segs: dict[str, list[Any]] = {rel: [] for rel in self._edges}
        for u, v, rel in sub.edges(data="relation"):
            segs[rel].append([pos[u], pos[v]])
        for rel, coll in self._edges.items():
            coll.set_segments(segs[rel])
        groups: dict[tuple[str, str, float], list[str]] = {key: [] for key in self._groups}
        for node, attrs in sub.nodes(data=True):
            if attrs["type"] == "source":
                key = ("s", "#000000" if attrs["own_material"] else "#FFFFFF", 0.8)
            else:
                marker, fill, _ = STATUS_STYLE[statuses[node]]
                width = 0.8
                if attrs["kind"] == "prediction":
                    fill, width = OUTCOME_COLOURS[attrs["outcome"] or "undecided"], 2.4
                key = (marker, fill, width)
            groups.setdefault(key, []).append(node)
        for key, nodes in groups.items():
            self._group(key).set_offsets(np.array([pos[n] for n in nodes]).reshape(-1, 2))
        for node, label in self._labels.items():
            if node in pos:
                x, y = pos[node]
                label.set_position((x, y - 0.18) if self.graph.nodes[node]["type"] == "source" else (x, y + 0.16))
                label.set_visible(True)
            else:
                label.set_visible(False)
        if pos:
            xs = [p[0] for p in pos.values()]
            ys = [p[1] for p in pos.values()]
            self.ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
            self.ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
        counts = pd.Series(statuses).value_counts()
        n_src = sum(1 for _, a in sub.nodes(data=True) if a["type"] == "source")
        preds = [a["outcome"] or "undecided" for _, a in sub.nodes(data=True) if a.get("kind") == "prediction"]
        outcome_txt = (
            ", ".join(f"{k.replace('_', ' ')} {preds.count(k)}" for k in OUTCOME_COLOURS if preds.count(k)) or "none"
        )
        what = root.split(":", 1)[1].replace("_", " ") + " section" if root.startswith("section:") else root
        alt = (
            f"Layered argument map of {what}: supported claims on top, what supports them below, footnotes "
            f"on the bottom row ({n_src} shown). {len(statuses)} claims: "
            f"{int(counts.get('multi', 0))} rest on two or more works (circles), "
            f"{int(counts.get('single', 0))} on a single work (triangles), "
            f"{int(counts.get('own_only', 0))} only on the author's own material (pentagons), "
            f"{int(counts.get('unsourced', 0))} on no footnote (hollow circles), "
            f"{int(counts.get('objection', 0))} objections (crosses). Predictions have a thick "
            f"outline, filled by outcome ({outcome_txt}). Dashed red lines are objections attacking a claim."
        )
        set_accessible(self.fig, f"What {what} rests on", alt)

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
        r = self.result
        self.status.value = (
            f"<p>{len(r['statuses'])} claim(s) shown under {html.escape(r['root'])}; "
            f"{int(r['table']['single_source'].sum())} single-source, "
            f"{int(r['table']['own_work_only'].sum())} resting only on the author's own "
            "material.</p>"
        )
        self.show_figure(self.fig)
        self.show(self.detail_out, HTML(r["detail"]))

    def layout(self) -> w.Widget:
        c = self.controls
        return w.VBox(
            [
                w.HTML(f"<h3>{html.escape(self.title)}</h3>"),
                w.HBox([c["root"], c["show_sources"], c["show_objections"]]),
                self.status,
                self.figure_out,
                self.detail_out,
            ]
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


def _legend_handles() -> list[Line2D]:
    handles = [
        Line2D(
            [], [], linestyle="none", marker=m, markerfacecolor=c, markeredgecolor="black", markersize=9, label=label
        )
        for m, c, label in STATUS_STYLE.values()
    ]
    handles += [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markerfacecolor=c,
            markeredgecolor="black",
            markeredgewidth=2.4,
            markersize=9,
            label=f"prediction (thick outline): {OUTCOME_TAGS[k]}",
        )
        for k, c in OUTCOME_COLOURS.items()
    ]
    handles += [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="s",
            markerfacecolor="#FFFFFF",
            markeredgecolor="black",
            markersize=7,
            label="footnote (outside source)",
        ),
        Line2D(
            [],
            [],
            linestyle="none",
            marker="s",
            markerfacecolor="#000000",
            markeredgecolor="black",
            markersize=7,
            label="footnote (author's own)",
        ),
        Line2D([], [], color="#555555", label="supports"),
        Line2D([], [], color=OKABE_ITO["vermillion"], linestyle="--", label="attacks (objection)"),
        Line2D([], [], color=OKABE_ITO["grey"], linestyle=(0, (1, 2)), label="cites"),
        Line2D([], [], color=OKABE_ITO["vermillion"], linestyle=(0, (1, 2)), label="footnote an objection criticises"),
    ]
    return handles


def make_view(tables: Mapping[str, pd.DataFrame] | None = None, **values: Any) -> ArgumentView:
    """The view over ``tables`` (default: the course data), its controls set to ``values``."""
    return ArgumentView(tables if tables is not None else data.load_all()).start(**values)
