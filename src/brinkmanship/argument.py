"""The article's argument as a graph: thesis <- claims <- evidence <- footnotes, with objections attacking.

Why a graph and not a table: whether a claim is well sourced depends on everything beneath it. A claim
with no footnote of its own can still rest on evidence that cites three independent outlets, and a claim
that cites two footnotes can rest on one piece of writing published twice. These functions walk the
support links down to the footnotes, so learners can see what each step of the argument really rests on.

Node names in the graph: claim ids as in claims.csv (``T01``, ``C03``...) and ``fn<N>`` for footnote N.

Objections are the course's checks, not the article's claims: the footnotes listed on an objection are the
ones it is ABOUT (edge relation ``concerns``), never support for it; its evidence is its verification URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import pandas as pd

from brinkmanship.data import split_list
from brinkmanship.style import OKABE_ITO

__all__ = [
    "OUTCOME_COLOURS",
    "SAME_WORK",
    "SECTIONS",
    "build_claim_graph",
    "claim_support",
    "fn_node",
    "layered_layout",
    "predictions",
    "roots",
    "subtree",
    "to_aif",
    "to_argdown",
]

SECTIONS: tuple[str, ...] = (
    "summary",
    "writing_on_the_wall",
    "strategic_patience",
    "mushrooming_risks",
    "destabilize",
    "multilateral",
    "tea_leaves",
    "conclusion",
)
# Footnotes that cite the same piece of writing under another outlet: footnote -> the footnote it repeats.
# Fn 5 (The Globalist) republishes the author's blog post of fn 1 (course fact sheet, facts_report item 10;
# datasets/sources.csv verification notes). Two footnotes, one work: counting them twice would overstate
# the support behind a claim.
SAME_WORK: dict[int, int] = {5: 1}
# a forecast's judged outcome, in the same colour in every figure (colour-blind safe; never the only cue)
OUTCOME_COLOURS: dict[str, str] = {
    "held": OKABE_ITO["bluish_green"],
    "partly_held": OKABE_ITO["yellow"],
    "did_not_hold": OKABE_ITO["vermillion"],
    "undecided": OKABE_ITO["grey"],
}


def fn_node(footnote: int) -> str:
    """Graph node name of a footnote."""
    return f"fn{int(footnote)}"


def _need(tables: Mapping[str, pd.DataFrame], *names: str) -> None:
    missing = [n for n in names if n not in tables]
    if missing:
        raise ValueError(f"tables lacks {', '.join(missing)} (got: {', '.join(tables)})")


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _footnote_list(series: pd.Series) -> pd.Series:
    return split_list(series).map(lambda items: [int(i) for i in items])


def build_claim_graph(tables: Mapping[str, pd.DataFrame]) -> nx.MultiDiGraph:
    """Claims and footnotes as nodes; edges point the way support flows (evidence -> claim -> thesis).

    Edge attribute ``relation`` is ``supports`` or ``attacks`` (claim links), ``cites`` (footnote -> claim)
    or ``concerns`` (footnote -> the objection that criticises it). Links naming unknown claims or footnotes
    raise a ValueError naming the link.
    """
    _need(tables, "claims", "claim_links", "sources")
    claims, links, sources = tables["claims"], tables["claim_links"], tables["sources"]
    graph = nx.MultiDiGraph()
    own = dict(zip(sources["footnote"].astype(int), sources["author_own_material"].astype(bool), strict=True))
    for row in sources.itertuples(index=False):
        fn = int(row.footnote)
        graph.add_node(
            fn_node(fn),
            type="source",
            footnote=fn,
            own_material=own[fn],
            source_type=_text(getattr(row, "source_type", "")),
            label=f"fn {fn}",
        )
    footnotes = _footnote_list(claims["footnotes"])
    for i, row in enumerate(claims.itertuples(index=False)):
        cid = str(row.claim_id)
        kind = _text(row.kind)
        graph.add_node(
            cid,
            type="claim",
            kind=kind,
            text=_text(row.text),
            section=_text(row.article_section),
            outcome=_text(getattr(row, "outcome", "")),
            url=_text(getattr(row, "verification_url", "")),
            label=cid,
        )
        for fn in footnotes.iloc[i]:
            if fn_node(fn) not in graph:
                raise ValueError(f"claim {cid} cites footnote {fn}, which is not in the sources table")
            graph.add_edge(fn_node(fn), cid, relation="concerns" if kind == "objection" else "cites")
    for row in links.itertuples(index=False):
        src, dst, rel = str(row.from_claim), str(row.to_claim), _text(row.relation)
        for end in (src, dst):
            if end not in graph or graph.nodes[end]["type"] != "claim":
                raise ValueError(f"claim link {row.link_id} names claim '{end}', which is not in claims")
        if rel not in ("supports", "attacks"):
            raise ValueError(f"claim link {row.link_id}: relation '{rel}' is not supports or attacks")
        graph.add_edge(src, dst, key=str(row.link_id), relation=rel, note=_text(getattr(row, "note", "")))
    return graph


def _in(graph: nx.MultiDiGraph, node: str, relation: str) -> list[str]:
    """Sorted nodes with a ``relation`` edge into ``node``."""
    return sorted({u for u, _, r in graph.in_edges(node, data="relation") if r == relation})


def _reached_footnotes(graph: nx.MultiDiGraph, node: str) -> set[int]:
    """Footnotes cited by ``node`` or by any claim that supports it, directly or down a chain."""
    seen, stack, found = {node}, [node], set()
    while stack:
        current = stack.pop()
        for u, _, rel in graph.in_edges(current, data="relation"):
            if rel == "cites":
                found.add(graph.nodes[u]["footnote"])
            elif rel == "supports" and u not in seen:
                seen.add(u)
                stack.append(u)
    return found


def claim_support(tables: Mapping[str, pd.DataFrame], same_work: Mapping[int, int] | None = None) -> pd.DataFrame:
    """What each claim rests on: its footnotes, the footnotes under its supporting claims, and flags.

    Columns: ``direct_footnotes`` and ``footnotes`` (reached through supporting claims too) as lists of
    ints; ``n_sources`` distinct footnotes reached; ``n_works`` distinct pieces of writing (footnotes in
    ``same_work`` count once, default :data:`SAME_WORK`); ``single_source`` (everything rests on one work);
    ``own_work_only`` (every footnote reached is the author's own material, ``sources.author_own_material``);
    ``unsourced`` (no footnote reached and no verification URL); ``supported_by`` and ``attacked_by``
    (claim ids); ``concerns_footnotes`` (for objections: the footnotes they criticise).
    """
    graph = build_claim_graph(tables)
    duplicates = dict(SAME_WORK if same_work is None else same_work)
    claims = tables["claims"]
    rows = []
    for row in claims.itertuples(index=False):
        cid = str(row.claim_id)
        direct = sorted(graph.nodes[u]["footnote"] for u in _in(graph, cid, "cites"))
        reached = sorted(_reached_footnotes(graph, cid))
        works = {duplicates.get(fn, fn) for fn in reached}
        own = [graph.nodes[fn_node(fn)]["own_material"] for fn in reached]
        concerns = sorted(graph.nodes[u]["footnote"] for u in _in(graph, cid, "concerns"))
        rows.append(
            {
                "claim_id": cid,
                "kind": _text(row.kind),
                "article_section": _text(row.article_section),
                "direct_footnotes": direct,
                "footnotes": reached,
                "n_sources": len(reached),
                "n_works": len(works),
                "single_source": len(works) == 1,
                "own_work_only": bool(own) and all(own),
                "unsourced": not reached and not graph.nodes[cid]["url"],
                "supported_by": _in(graph, cid, "supports"),
                "attacked_by": _in(graph, cid, "attacks"),
                "concerns_footnotes": concerns,
            }
        )
    return pd.DataFrame(rows).set_index("claim_id")


def predictions(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The article's forecasts with their judged outcome and the later events that decided it."""
    _need(tables, "claims", "events")
    claims, events = tables["claims"], tables["events"]
    preds = claims[claims["kind"].astype(str) == "prediction"].copy()
    by_id = events.set_index(events["event_id"].astype(str))
    deciding = split_list(preds["outcome_event_ids"])
    rows = []
    for (_, row), ids in zip(preds.iterrows(), deciding, strict=True):
        unknown = [e for e in ids if e not in by_id.index]
        if unknown:
            raise ValueError(
                f"prediction {row['claim_id']}: deciding event(s) {', '.join(unknown)} are not in the events table"
            )
        dates = pd.to_datetime(by_id.loc[ids, "date"]) if ids else pd.Series(dtype="datetime64[ns]")
        rows.append(
            {
                "claim_id": str(row["claim_id"]),
                "text": _text(row["text"]),
                "article_section": _text(row["article_section"]),
                "outcome": _text(row["outcome"]) or "undecided",
                "outcome_event_ids": ids,
                "deciding_events": [f"{e} ({by_id.at[e, 'date']:%Y-%m-%d}): {by_id.at[e, 'title']}" for e in ids],
                "first_decided": dates.min() if len(dates) else pd.NaT,
                "last_decided": dates.max() if len(dates) else pd.NaT,
                "outcome_note": _text(row["outcome_note"]),
                "verification_url": _text(row.get("verification_url", "")),
            }
        )
    columns = [
        "claim_id",
        "text",
        "article_section",
        "outcome",
        "outcome_event_ids",
        "deciding_events",
        "first_decided",
        "last_decided",
        "outcome_note",
        "verification_url",
    ]
    return pd.DataFrame(rows, columns=columns).set_index("claim_id")


# ---------------------------------------------------------------------------------------------------------
# subtrees and layout


def roots(graph: nx.MultiDiGraph) -> list[str]:
    """Claims that support or attack nothing: the thesis, and any claim left hanging."""
    return sorted(
        n
        for n, a in graph.nodes(data=True)
        if a["type"] == "claim"
        and not any(r in ("supports", "attacks") for _, _, r in graph.out_edges(n, data="relation"))
    )


def subtree(
    graph: nx.MultiDiGraph, root: str | Iterable[str], include_sources: bool = True, include_objections: bool = True
) -> nx.MultiDiGraph:
    """Everything beneath ``root`` (one claim id or several): its supporters down to their footnotes.

    Objections attacking any claim in the subtree are added with their own supporters and footnotes.
    """
    wanted = [root] if isinstance(root, str) else list(root)
    for node in wanted:
        if node not in graph or graph.nodes[node]["type"] != "claim":
            raise ValueError(f"'{node}' is not a claim id in the argument map")
    keep, stack = set(wanted), list(wanted)
    relations = (
        {"supports"}
        | ({"attacks"} if include_objections else set())
        | ({"cites", "concerns"} if include_sources else set())
    )
    while stack:
        node = stack.pop()
        for u, _, rel in graph.in_edges(node, data="relation"):
            if rel in relations and u not in keep:
                keep.add(u)
                stack.append(u)
    return graph.subgraph(keep).copy()


def layered_layout(sub: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Top-down layers: roots on top, each node one layer below the lowest node it supports or attacks,
    footnotes together on the bottom layer. Within a layer, nodes sit under the mean position of what
    they point to (fewer crossings); ties broken by id so the picture is reproducible.
    """
    claims = [n for n, a in sub.nodes(data=True) if a["type"] == "claim"]
    sources = sorted(
        (n for n, a in sub.nodes(data=True) if a["type"] == "source"), key=lambda n: sub.nodes[n]["footnote"]
    )
    claim_graph = nx.DiGraph()
    claim_graph.add_nodes_from(claims)
    claim_graph.add_edges_from((u, v) for u, v, r in sub.edges(data="relation") if r in ("supports", "attacks"))
    layer: dict[str, int] = {}
    if nx.is_directed_acyclic_graph(claim_graph):
        for node in reversed(list(nx.topological_sort(claim_graph))):
            targets = list(claim_graph.successors(node))
            layer[node] = 1 + max(layer[t] for t in targets) if targets else 0
    else:  # a cycle in the data: fall back to the shortest distance from a root
        top = [n for n in claims if claim_graph.out_degree(n) == 0] or sorted(claims)[:1]
        dist = nx.multi_source_dijkstra_path_length(claim_graph.reverse(copy=False), top)
        layer = {n: int(dist.get(n, 0)) for n in claims}
    bottom = max(layer.values(), default=-1) + 1
    for s in sources:
        layer[s] = bottom
    by_layer: dict[int, list[str]] = {}
    for node, lvl in layer.items():
        by_layer.setdefault(lvl, []).append(node)
    width = max((len(v) for v in by_layer.values()), default=1)
    x: dict[str, float] = {}
    pos: dict[str, tuple[float, float]] = {}
    for lvl in sorted(by_layer):
        nodes = by_layer[lvl]

        def anchor(n: str) -> tuple[float, str]:
            above = [x[t] for t in sub.successors(n) if t in x]
            return (sum(above) / len(above) if above else width / 2, n)

        nodes.sort(key=anchor)
        offset = (width - len(nodes)) / 2
        for i, node in enumerate(nodes):
            x[node] = offset + i + 0.5
            pos[node] = (x[node], -float(lvl))
    return pos


# ---------------------------------------------------------------------------------------------------------
# export


def _argdown_text(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").replace("<", "‹").replace(">", "›").split())


def to_argdown(tables: Mapping[str, pd.DataFrame], root: str | None = None, include_sources: bool = True) -> str:
    """The map (or the part under ``root``) as Argdown text: ``<+`` supporters, ``<-`` attackers.

    Footnotes become statements ``[fn N]`` tagged ``#own-work`` when they are the author's own material.
    A claim reached twice is written in full once and by its title afterwards, as Argdown allows.
    """
    graph = build_claim_graph(tables)
    support = claim_support(tables)
    sources = tables["sources"].set_index(tables["sources"]["footnote"].astype(int))
    tops = [root] if root is not None else roots(graph)
    if root is not None and (root not in graph or graph.nodes[root]["type"] != "claim"):
        raise ValueError(f"'{root}' is not a claim id in the argument map")
    lines = ["===", "title: Argument map of Dorsey (2020), reconstructed by the brinkmanship course", "===", ""]
    written: set[str] = set()

    def statement(node: str) -> str:
        attrs = graph.nodes[node]
        if attrs["type"] == "source":
            fn = attrs["footnote"]
            title = f"[fn {fn}]"
            if node in written:
                return title
            written.add(node)
            src = sources.loc[fn]
            issued = pd.Timestamp(src["issued"]).strftime("%Y-%m-%d") if pd.notna(src["issued"]) else "n.d."
            who = _text(src.get("author", "")) or "no byline"
            tags = f" #{_text(src['source_type'])}" + (" #own-work" if attrs["own_material"] else "")
            return (
                f"{title}: {_argdown_text(who)}, {_argdown_text(_text(src['title']))}, "
                f"{_argdown_text(_text(src['container_title']))}, {issued}.{tags}"
            )
        title = f"[{node}]"
        if node in written:
            return title
        written.add(node)
        info = support.loc[node]
        tags = [f"#{attrs['kind']}"]
        if info["own_work_only"]:
            tags.append("#own-work-only")
        elif info["single_source"]:
            tags.append("#single-source")
        if attrs["kind"] == "prediction" and attrs["outcome"]:
            tags.append(f"#{attrs['outcome'].replace('_', '-')}")
        tags += [f"#about-fn-{fn}" for fn in info["concerns_footnotes"]]
        return f"{title}: {_argdown_text(attrs['text'])} {' '.join(tags)}"

    def walk(node: str, depth: int, prefix: str, path: frozenset[str]) -> None:
        first_time = node not in written
        lines.append("    " * depth + prefix + statement(node))
        if not first_time or node in path:
            return
        children = []
        for u, _, rel in sorted(graph.in_edges(node, data="relation")):
            if rel == "concerns" or (rel == "cites" and not include_sources):
                continue
            children.append((u, "<- " if rel == "attacks" else "<+ "))
        order = {"claim": 0, "source": 1}
        for child, sign in sorted(set(children), key=lambda c: (order[graph.nodes[c[0]]["type"]], c[0])):
            walk(child, depth + 1, sign, path | {node})

    for top in tops:
        walk(top, 0, "", frozenset())
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_aif(tables: Mapping[str, pd.DataFrame], root: str | None = None) -> dict[str, Any]:
    """The map as AIF-style JSON (AIFdb layout): I-nodes for claims and footnotes, RA nodes for support,
    CA nodes for attacks, edges ``I -> RA/CA -> I``.

    Footnote -> claim citations use RA nodes with ``scheme: "citation"`` (a course extension: AIF has no
    node type for bibliographic sources). An objection's footnotes are what it criticises, so they are
    listed on its node (``about_footnotes``), not linked as support. ``json.dumps`` the result to save it.
    """
    graph = build_claim_graph(tables)
    if root is not None:
        graph = subtree(graph, root)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    sources = tables["sources"].set_index(tables["sources"]["footnote"].astype(int))
    for node in sorted(graph.nodes(), key=lambda n: (graph.nodes[n]["type"], n)):
        attrs = graph.nodes[node]
        if attrs["type"] == "claim":
            extra: dict[str, Any] = {"outcome": attrs["outcome"]} if attrs["outcome"] else {}
            about = sorted(graph.nodes[u]["footnote"] for u in _in(graph, node, "concerns"))
            if about:
                extra["about_footnotes"] = about
            if attrs["url"]:
                extra["verification_url"] = attrs["url"]
            nodes.append(
                {
                    "nodeID": node,
                    "text": attrs["text"],
                    "type": "I",
                    "kind": attrs["kind"],
                    "section": attrs["section"],
                    **extra,
                }
            )
        else:
            src = sources.loc[attrs["footnote"]]
            nodes.append(
                {
                    "nodeID": node,
                    "type": "I",
                    "kind": "source",
                    "footnote": attrs["footnote"],
                    "text": f"{_text(src['title'])} ({_text(src['container_title'])})",
                    "own_material": attrs["own_material"],
                }
            )
    links = sorted(
        ((u, v, d) for u, v, d in graph.edges(data=True) if d["relation"] != "concerns"), key=lambda e: (e[0], e[1])
    )
    for n, (u, v, data) in enumerate(links):
        rel = data["relation"]
        scheme_id = f"S{n + 1:03d}"
        s_type = "CA" if rel == "attacks" else "RA"
        nodes.append(
            {
                "nodeID": scheme_id,
                "type": s_type,
                "text": {"attacks": "Default Conflict", "supports": "Default Inference", "cites": "Citation"}[rel],
                "scheme": {"attacks": "conflict", "supports": "inference", "cites": "citation"}[rel],
            }
        )
        edges.append({"edgeID": f"E{2 * n + 1:03d}", "fromID": u, "toID": scheme_id})
        edges.append({"edgeID": f"E{2 * n + 2:03d}", "fromID": scheme_id, "toID": v})
    aif = {"nodes": nodes, "edges": edges, "locutions": []}
    json.dumps(aif)  # fail here, not in the caller's file write, if anything is not serialisable
    return aif
