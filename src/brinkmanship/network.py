"""The actor network: who sponsors, commands, allies with or opposes whom, and when.

Pure functions over the ``actors`` and ``relations`` tables (no widgets). The graph is a networkx
``MultiDiGraph`` because two actors can be tied in several ways at once (a state can both sponsor and
command a force), and each tie keeps its own dates and footnotes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime

import networkx as nx
import numpy as np
import pandas as pd

from brinkmanship.data import split_list

__all__ = [
    "CAMP_ORDER",
    "RELATION_TYPES",
    "active_mask",
    "build_graph",
    "camp_layout",
    "centrality_table",
    "filter_graph",
    "proxies_by_country",
    "sponsor_graph",
    "sponsor_network",
    "to_date",
]

RELATION_TYPES: tuple[str, ...] = (
    "sponsors",
    "proxy_of",
    "ally",
    "adversary",
    "mediates",
    "commands",
    "succeeds",
    "member_of",
)
# Camps in the order the layout places them, left to right around a circle.
CAMP_ORDER: tuple[str, ...] = ("us_camp", "mediator", "iran_camp", "outside_power", "other")
_CAMP_ANCHORS: dict[str, tuple[float, float]] = {
    "us_camp": (-1.0, 0.0),
    "iran_camp": (1.0, 0.0),
    "mediator": (0.0, -0.15),
    "outside_power": (0.0, 1.0),
    "other": (0.0, -1.1),
}
_ACTOR_COLUMNS = ("actor_id", "name", "kind", "alignment")
_RELATION_COLUMNS = ("relation_id", "source_id", "target_id", "relation", "valid_from", "valid_to")


def to_date(value: object) -> pd.Timestamp:
    """Read a date given as a string, ``date``, ``datetime`` or Timestamp; a clear error otherwise."""
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    if isinstance(value, datetime | date | str | np.datetime64):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"cannot read {value!r} as a date (use YYYY-MM-DD)") from exc
        if pd.isna(stamp):
            raise ValueError(f"cannot read {value!r} as a date (use YYYY-MM-DD)")
        return stamp.normalize()
    raise ValueError(f"expected a date (YYYY-MM-DD string, date or Timestamp), got {type(value).__name__}")


def _require(frame: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {table} table lacks column(s) {', '.join(missing)}")


def _str(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def active_mask(relations: pd.DataFrame, on: object) -> pd.Series:
    """Which ties hold on date ``on``: started (or no start given) and not yet ended (or no end given).

    Both bounds are inclusive, so a tie that ended on the day of a killing still shows on that day.
    """
    day = to_date(on)
    start = pd.to_datetime(relations["valid_from"], errors="coerce")
    end = pd.to_datetime(relations["valid_to"], errors="coerce")
    return ((start.isna() | (start <= day)) & (end.isna() | (day <= end))).astype(bool)


def build_graph(actors: pd.DataFrame, relations: pd.DataFrame) -> nx.MultiDiGraph:
    """All actors as nodes (kind, alignment, name) and every relation as a keyed, dated edge.

    Every actor becomes a node even without ties, so a layout computed once stays valid whatever the
    filters hide.
    """
    _require(actors, _ACTOR_COLUMNS, "actors")
    _require(relations, _RELATION_COLUMNS, "relations")
    graph = nx.MultiDiGraph()
    for row in actors.itertuples(index=False):
        graph.add_node(
            str(row.actor_id),
            name=_str(row.name),
            kind=_str(row.kind),
            alignment=_str(row.alignment) or "other",
            country_iso3=_str(getattr(row, "country_iso3", "")),
            parent_id=_str(getattr(row, "parent_id", "")),
        )
    start = pd.to_datetime(relations["valid_from"], errors="coerce")
    end = pd.to_datetime(relations["valid_to"], errors="coerce")
    for i, row in enumerate(relations.itertuples(index=False)):
        rid = str(row.relation_id)
        for end_name in ("source_id", "target_id"):
            actor = _str(getattr(row, end_name))
            if actor not in graph:
                raise ValueError(f"relation {rid}: {end_name} '{actor}' is not an actor in the actors table")
        kind = _str(row.relation)
        if kind not in RELATION_TYPES:
            raise ValueError(
                f"relation {rid}: unknown relation type '{kind}' (expected one of {', '.join(RELATION_TYPES)})"
            )
        graph.add_edge(
            str(row.source_id),
            str(row.target_id),
            key=rid,
            relation=kind,
            valid_from=start.iloc[i],
            valid_to=end.iloc[i],
            support_types=_str(getattr(row, "support_types", "")),
            footnotes=_str(getattr(row, "footnotes", "")),
            confidence=_str(getattr(row, "confidence", "")),
        )
    return graph


def filter_graph(
    graph: nx.MultiDiGraph, relation_types: Iterable[str] | None = None, on: object | None = None
) -> nx.MultiDiGraph:
    """A copy keeping every node but only the ties of the chosen types that are active on ``on``.

    ``relation_types=None`` keeps all types; ``on=None`` ignores dates.
    """
    types = set(RELATION_TYPES if relation_types is None else relation_types)
    unknown = types - set(RELATION_TYPES)
    if unknown:
        raise ValueError(
            f"unknown relation type(s) {', '.join(sorted(unknown))} (expected some of {', '.join(RELATION_TYPES)})"
        )
    day = to_date(on) if on is not None else None
    kept = nx.MultiDiGraph()
    kept.add_nodes_from(graph.nodes(data=True))
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        if attrs["relation"] not in types:
            continue
        if day is not None:
            start, end = attrs["valid_from"], attrs["valid_to"]
            if (pd.notna(start) and start > day) or (pd.notna(end) and day > end):
                continue
        kept.add_edge(u, v, key=key, **attrs)
    return kept


def camp_layout(graph: nx.MultiDiGraph, spacing: float = 0.26) -> dict[str, tuple[float, float]]:
    """Stable positions: each camp on its own ring (US camp left, Iran camp right, outside powers top,
    mediators centre, others bottom), members ordered so an actor sits next to its parent organisation.

    Computed once from the actors alone, so nodes stay put while filters change and learners can follow
    one actor across dates; ``spacing`` is the distance between neighbours on a ring.
    """
    parents = {n: a.get("parent_id", "") for n, a in graph.nodes(data=True)}

    def lineage(node: str) -> tuple[str, ...]:
        chain, seen = [node], {node}
        while parents.get(chain[-1]) and parents[chain[-1]] in graph and parents[chain[-1]] not in seen:
            chain.append(parents[chain[-1]])
            seen.add(chain[-1])
        return tuple(reversed(chain))  # top-level ancestor first: sorting keeps families together

    positions: dict[str, tuple[float, float]] = {}
    for camp in CAMP_ORDER:
        members = sorted(
            (
                n
                for n, a in graph.nodes(data=True)
                if (a.get("alignment") if a.get("alignment") in CAMP_ORDER else "other") == camp
            ),
            key=lineage,
        )
        if not members:
            continue
        ax, ay = _CAMP_ANCHORS[camp]
        centre = (ax * 2.1, ay * 1.7)
        if len(members) == 1:
            positions[members[0]] = centre
            continue
        radius = max(0.12, len(members) * spacing / (2 * math.pi))
        for i, member in enumerate(members):
            angle = math.pi / 2 - 2 * math.pi * i / len(members)
            positions[member] = (centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle))
    return positions


def centrality_table(graph: nx.MultiDiGraph, drop_isolates: bool = True) -> pd.DataFrame:
    """Degree, in/out degree, betweenness, PageRank and eigenvector centrality per actor.

    Degrees count ties (a pair tied twice counts twice). Betweenness and eigenvector centrality use the
    undirected simple graph because ally, adversary and mediates ties are symmetric even though the data
    stores one direction; PageRank keeps direction (it rewards being pointed at: commanded, sponsored).
    Eigenvector centrality is NaN when it is not defined: no ties, or the tied actors fall apart into
    separate groups (the leading eigenvector then sits in one group and reads as zero everywhere else).
    """
    nodes = list(graph.nodes())
    simple_undirected = nx.Graph(graph.to_undirected())
    simple_directed = nx.DiGraph(graph)
    has_edges = graph.number_of_edges() > 0
    betweenness = nx.betweenness_centrality(simple_undirected, normalized=True) if has_edges else {}
    pagerank = nx.pagerank(simple_directed) if has_edges else {}
    eigen: dict[str, float] = {}
    tied = simple_undirected.subgraph([n for n in nodes if simple_undirected.degree(n) > 0])
    if has_edges and nx.is_connected(tied):
        try:
            eigen = nx.eigenvector_centrality(simple_undirected, max_iter=1000, tol=1e-8)
        except nx.PowerIterationFailedConvergence:
            eigen = {}
    rows = []
    for node in nodes:
        attrs = graph.nodes[node]
        rows.append(
            {
                "actor_id": node,
                "name": attrs.get("name", ""),
                "alignment": attrs.get("alignment", ""),
                "kind": attrs.get("kind", ""),
                "degree": graph.degree(node),
                "in_degree": graph.in_degree(node),
                "out_degree": graph.out_degree(node),
                "betweenness": betweenness.get(node, 0.0 if has_edges else math.nan),
                "pagerank": pagerank.get(node, math.nan),
                "eigenvector": eigen.get(node, math.nan),
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "actor_id",
            "name",
            "alignment",
            "kind",
            "degree",
            "in_degree",
            "out_degree",
            "betweenness",
            "pagerank",
            "eigenvector",
        ],
    )
    table = table.astype({"degree": "int64", "in_degree": "int64", "out_degree": "int64"})
    if drop_isolates:
        table = table[table["degree"] > 0]
    table = table.sort_values(["degree", "betweenness", "actor_id"], ascending=[False, False, True])
    return table.set_index("actor_id")


def _tables(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    for name in ("actors", "relations"):
        if name not in tables:
            raise ValueError(f"tables has no '{name}' table (got: {', '.join(tables)})")
    return tables["actors"], tables["relations"]


def sponsor_network(tables: Mapping[str, pd.DataFrame], on: object | None = None) -> pd.DataFrame:
    """Sponsor -> proxy pairs from both ``sponsors`` and ``proxy_of`` ties (the latter reversed).

    The data records patronage from either end ("A sponsors B" or "B is a proxy of A"); counting proxies
    needs one direction. One row per pair, with the relation ids, types and support types merged.
    """
    actors, relations = _tables(tables)
    _require(relations, _RELATION_COLUMNS, "relations")
    rel = relations[relations["relation"].astype(str).isin(["sponsors", "proxy_of"])].copy()
    if on is not None:
        rel = rel[active_mask(rel, on).to_numpy()]
    is_proxy = rel["relation"].astype(str) == "proxy_of"
    rel["sponsor_id"] = np.where(is_proxy, rel["target_id"].astype(str), rel["source_id"].astype(str))
    rel["proxy_id"] = np.where(is_proxy, rel["source_id"].astype(str), rel["target_id"].astype(str))
    supports = (
        split_list(rel["support_types"]) if "support_types" in rel else pd.Series([[]] * len(rel), index=rel.index)
    )
    rows = []
    for (sponsor, proxy), group in rel.groupby(["sponsor_id", "proxy_id"], sort=True):
        kinds = sorted({s for lst in supports.loc[group.index] for s in lst})
        ends = pd.to_datetime(group["valid_to"], errors="coerce")
        rows.append(
            {
                "sponsor_id": sponsor,
                "proxy_id": proxy,
                "relation_ids": ";".join(sorted(group["relation_id"].astype(str))),
                "recorded_as": ";".join(sorted(set(group["relation"].astype(str)))),
                "support_types": ";".join(kinds),
                "valid_from": pd.to_datetime(group["valid_from"], errors="coerce").min(),
                # the pair's tie is open-ended if any record of it is
                "valid_to": ends.max() if ends.notna().all() else pd.NaT,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=["sponsor_id", "proxy_id", "relation_ids", "recorded_as", "support_types", "valid_from", "valid_to"],
    )
    names = actors.set_index(actors["actor_id"].astype(str))
    for col, prefix in (("sponsor_id", "sponsor"), ("proxy_id", "proxy")):
        out[f"{prefix}_name"] = out[col].map(names["name"].astype(str))
    out["proxy_country"] = out["proxy_id"].map(names["country_iso3"]) if "country_iso3" in names else pd.NA
    return out


def sponsor_graph(tables: Mapping[str, pd.DataFrame], on: object | None = None) -> nx.DiGraph:
    """The sponsor -> proxy pairs of :func:`sponsor_network` as a simple directed graph."""
    pairs = sponsor_network(tables, on=on)
    graph = nx.DiGraph()
    graph.add_edges_from(
        (r.sponsor_id, r.proxy_id, {"relation_ids": r.relation_ids}) for r in pairs.itertuples(index=False)
    )
    return graph


def _descendants_by_parent(actors: pd.DataFrame, root: str) -> set[str]:
    """``root`` and every actor whose parent chain leads to it (e.g. Iran's IRGC and its Quds Force)."""
    if "parent_id" not in actors:
        return {root}
    children: dict[str, list[str]] = {}
    for actor, parent in zip(actors["actor_id"].astype(str), actors["parent_id"], strict=True):
        if pd.notna(parent) and str(parent):
            children.setdefault(str(parent), []).append(actor)
    found, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def proxies_by_country(
    tables: Mapping[str, pd.DataFrame], sponsor: str = "irn", include_organs: bool = True, on: object | None = None
) -> pd.DataFrame:
    """Proxies of ``sponsor`` grouped by the proxy's home country.

    With ``include_organs`` the sponsor's own organs count as the sponsor (Iran backs most groups through
    the IRGC's Quds Force, not the state as such), found through the actors' ``parent_id`` chain.
    """
    actors, _ = _tables(tables)
    known = set(actors["actor_id"].astype(str))
    if sponsor not in known:
        raise ValueError(f"sponsor '{sponsor}' is not an actor_id in the actors table")
    sponsors = _descendants_by_parent(actors, sponsor) if include_organs else {sponsor}
    pairs = sponsor_network(tables, on=on)
    pairs = pairs[pairs["sponsor_id"].isin(sponsors) & ~pairs["proxy_id"].isin(sponsors)]
    per_proxy = (
        pairs.groupby("proxy_id", sort=True)
        .agg(
            proxy_name=("proxy_name", "first"),
            proxy_country=("proxy_country", "first"),
            via=("sponsor_id", lambda s: ";".join(sorted(set(s)))),
        )
        .reset_index()
    )
    per_proxy["proxy_country"] = per_proxy["proxy_country"].astype("string").fillna("(none)")
    grouped = (
        per_proxy.groupby("proxy_country", sort=True)
        .agg(
            n_proxies=("proxy_id", "size"),
            proxy_ids=("proxy_id", lambda s: ";".join(s)),
            proxies=("proxy_name", lambda s: "; ".join(s)),
        )
        .reset_index()
        .rename(columns={"proxy_country": "country_iso3"})
    )
    grouped["n_proxies"] = grouped["n_proxies"].astype("int64")
    return grouped.sort_values(["n_proxies", "country_iso3"], ascending=[False, True]).reset_index(drop=True)


# --- what a network drawing shows ------------------------------------------------------------------------
# the shape of each kind of actor, so the kind reads without colour (colour = camp); bqplot marker names
KIND_SHAPES: dict[str, str] = {
    "state": "circle",
    "state_organ": "square",
    "armed_force": "square",
    "official": "triangle-up",
    "militia": "diamond",
    "militant_group": "diamond",
    "opposition_group": "diamond",
    "international_body": "cross",
}
SHAPE_GROUPS: dict[str, str] = {
    "circle": "state",
    "square": "state organ or force",
    "triangle-up": "official",
    "diamond": "militia or armed group",
    "cross": "international body",
    "triangle-down": "expert, media or other",
}


def short_name(name: str, limit: int = 24) -> str:
    """A label that fits the drawing: an acronym in brackets wins ("... Ahvaz (ASMLA)" -> "ASMLA"),
    other bracketed glosses are dropped, and long names are cut with an ellipsis."""
    if "(" in name and name.endswith(")"):
        head, gloss = name[: name.index("(")].strip(), name[name.index("(") + 1 : -1].strip()
        if gloss.isupper() and len(gloss) <= 6 and " " not in gloss:
            return gloss
        name = head or name
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def plot_data(graph: nx.MultiDiGraph, pos: Mapping[str, tuple[float, float]], shown: nx.MultiDiGraph) -> dict:
    """What a network drawing shows for the ties in ``shown`` (a filtered copy of ``graph``), for any renderer.

    ``nodes``: one row per actor with x, y, camp, kind, shape, the number of ties shown, ``active`` (has a
    shown tie), a short label and a hover text; ``edges``: per relation type, the (x0, y0, x1, y1) of each shown
    tie; ``arrows``: x, y and angle (degrees, data space) of a direction mark 60% along each shown tie.
    """
    rows = []
    for node, attrs in graph.nodes(data=True):
        x, y = pos[node]
        degree = shown.degree(node)
        camp = attrs.get("alignment") or "other"
        name = attrs.get("name", node)
        rows.append(
            {
                "actor_id": node,
                "x": x,
                "y": y,
                "camp": camp,
                "kind": attrs.get("kind", "other"),
                "shape": KIND_SHAPES.get(attrs.get("kind", ""), "triangle-down"),
                "ties": degree,
                "active": degree > 0,
                "label": short_name(name),
                "hover": f"{name} · {attrs.get('kind', '').replace('_', ' ')} · {camp.replace('_', ' ')} · "
                f"{degree} tie(s) shown",
            }
        )
    nodes = pd.DataFrame(rows)
    edges: dict[str, list[tuple[float, float, float, float]]] = {r: [] for r in RELATION_TYPES}
    arrows = []
    for u, v, rel in shown.edges(data="relation"):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        edges[rel].append((x0, y0, x1, y1))
        arrows.append((x0 + 0.6 * (x1 - x0), y0 + 0.6 * (y1 - y0), math.degrees(math.atan2(y1 - y0, x1 - x0)), rel))
    return {"nodes": nodes, "edges": edges, "arrows": pd.DataFrame(arrows, columns=["x", "y", "angle", "relation"])}


def ties_of(graph: nx.MultiDiGraph, actor: str) -> pd.DataFrame:
    """Every tie of one actor in ``graph`` in words: direction, relation, the other actor, dates, footnotes."""
    if actor not in graph:
        raise ValueError(f"'{actor}' is not an actor id in the network")
    rows = []
    for u, v, key, attrs in list(graph.out_edges(actor, keys=True, data=True)) + list(
        graph.in_edges(actor, keys=True, data=True)
    ):
        rows.append(
            {
                "tie": key,
                "from": graph.nodes[u].get("name", u),
                "relation": attrs["relation"].replace("_", " "),
                "to": graph.nodes[v].get("name", v),
                "from_date": attrs["valid_from"],
                "to_date": attrs["valid_to"],
                "footnotes": attrs.get("footnotes", ""),
                "confidence": attrs.get("confidence", ""),
            }
        )
    return pd.DataFrame(
        rows, columns=["tie", "from", "relation", "to", "from_date", "to_date", "footnotes", "confidence"]
    )


def change_dates(relations: pd.DataFrame) -> list[pd.Timestamp]:
    """Every day on which a tie begins or ends (the day after its last day): the days the network changes."""
    start = pd.to_datetime(relations["valid_from"], errors="coerce").dropna()
    end = pd.to_datetime(relations["valid_to"], errors="coerce").dropna() + pd.Timedelta(days=1)
    return sorted(set(start.dt.normalize()) | set(end.dt.normalize()))
