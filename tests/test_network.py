"""The actor network: graph building, date and type filters, centralities, sponsor helpers, the widget.

Hand-made world in analysis_helpers (12 actors, 10 ties); the answers below are worked out by hand.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from brinkmanship import network
from brinkmanship.style import CAMP_COLOURS, alt_text, figure_title
from brinkmanship.widgets import network as network_widget


@pytest.fixture(scope="module")
def graph(mini):
    return network.build_graph(mini["actors"], mini["relations"])


def test_graph_keeps_every_actor_and_tie_with_attributes(graph):
    assert graph.number_of_nodes() == 12 and graph.number_of_edges() == 10
    assert graph.nodes["kh"] == {
        "name": "Kataib Hezbollah",
        "kind": "militia",
        "alignment": "iran_camp",
        "country_iso3": "IRQ",
        "parent_id": "",
    }
    # irn_qf and kh are tied twice (R001 sponsors, R002 proxy_of): a multigraph keeps both
    assert set(graph["irn_qf"]["kh"]) == {"R001"} and set(graph["kh"]["irn_qf"]) == {"R002"}
    assert graph.edges["irn_qf", "kh", "R001"]["valid_from"] == pd.Timestamp("2003-01-01")
    assert pd.isna(graph.edges["irn_qf", "kh", "R001"]["valid_to"])


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # R007 (2019-06-01..2020-01-03), R008 (..2020-01-03), R009/R010 (2020-01-03..), R004 (2015-03-01..)
        ("2020-01-03", {"R001", "R002", "R003", "R004", "R005", "R006", "R007", "R008", "R009", "R010"}),
        ("2020-01-04", {"R001", "R002", "R003", "R004", "R005", "R006", "R009", "R010"}),
        ("2019-05-31", {"R001", "R002", "R003", "R004", "R005", "R006", "R008"}),
        ("2010-01-01", {"R001", "R002", "R003", "R005", "R006", "R008"}),
        ("1990-01-01", {"R002", "R003", "R005", "R006", "R008"}),
    ],
)
def test_ties_active_on_a_date_bounds_inclusive(mini, graph, day, expected):
    mask = network.active_mask(mini["relations"], day)
    assert set(mini["relations"].loc[mask.to_numpy(), "relation_id"]) == expected
    kept = network.filter_graph(graph, on=day)
    assert {k for *_, k in kept.edges(keys=True)} == expected
    assert kept.number_of_nodes() == 12  # nodes are never dropped: the layout stays valid


def test_filter_by_relation_type_and_date_together(graph):
    kept = network.filter_graph(graph, ["commands"], on=pd.Timestamp("2020-02-01"))
    assert [(u, v, k) for u, v, k in kept.edges(keys=True)] == [("qaani", "irn_qf", "R010")]
    assert network.filter_graph(graph, []).number_of_edges() == 0


def test_bad_filters_and_dates_raise_clear_errors(graph):
    with pytest.raises(ValueError, match="unknown relation type"):
        network.filter_graph(graph, ["friends"])
    with pytest.raises(ValueError, match="as a date"):
        network.filter_graph(graph, on="3 January-ish")
    with pytest.raises(ValueError, match="expected a date"):
        network.filter_graph(graph, on=2020)


def test_relation_to_unknown_actor_names_the_relation(mini):
    relations = mini["relations"].copy()
    relations.loc[0, "target_id"] = "nobody"
    with pytest.raises(ValueError, match=r"R001.*'nobody'"):
        network.build_graph(mini["actors"], relations)


def test_centrality_table_by_hand(graph):
    table = network.centrality_table(graph)
    assert "expert_a" not in table.index  # no ties: dropped by default
    assert len(network.centrality_table(graph, drop_isolates=False)) == 12
    # degrees count ties: irn_qf has R001, R002, R008, R010
    assert table.loc["irn_qf", ["degree", "in_degree", "out_degree"]].tolist() == [4, 3, 1]
    assert table.loc["irn", ["degree", "in_degree", "out_degree"]].tolist() == [3, 2, 1]
    assert table.index[0] == "irn_qf"
    # betweenness on the undirected simple graph, normalised by (n-1)(n-2)/2 = 55 pairs (n = 12 actors):
    # Iran lies on the only path of 7 pairs ({hzb, houthis} x {usa, sau, irq} and hzb-houthis) -> 7/55
    assert table.loc["irn", "betweenness"] == pytest.approx(7 / 55)
    # the US: {irn, hzb, houthis} x {sau, irq} = 6 pairs
    assert table.loc["usa", "betweenness"] == pytest.approx(6 / 55)
    assert table.loc["hzb", "betweenness"] == 0
    assert table["pagerank"].notna().all()
    # the two groups of tied actors are not connected: eigenvector centrality is not defined
    assert table["eigenvector"].isna().all()


def test_eigenvector_defined_on_a_connected_selection(graph):
    kept = network.filter_graph(graph, ["commands", "succeeds", "sponsors", "proxy_of"], on="2020-01-03")
    table = network.centrality_table(kept)
    # star-like group: irn_qf-kh, soleimani-irn_qf, qaani-soleimani, qaani-irn_qf; irn-hzb, irn-houthis
    # are a second group -> still undefined
    assert table["eigenvector"].isna().all()
    only_qf = network.filter_graph(graph, ["commands", "succeeds"], on="2020-01-03")
    table = network.centrality_table(only_qf)
    # triangle soleimani-irn_qf-qaani: every vertex equally central
    assert table["eigenvector"].tolist() == pytest.approx([1 / math.sqrt(3)] * 3)


def test_sponsor_network_normalises_proxy_of(mini):
    pairs = network.sponsor_network(mini)
    assert list(zip(pairs["sponsor_id"], pairs["proxy_id"], strict=True)) == [
        ("irn", "houthis"),
        ("irn", "hzb"),
        ("irn_qf", "kh"),
    ]
    qf = pairs.set_index("proxy_id").loc["kh"]
    assert qf["relation_ids"] == "R001;R002"
    assert qf["recorded_as"] == "proxy_of;sponsors"
    assert qf["support_types"] == "arms;money;training"
    assert qf["proxy_country"] == "IRQ"
    # on a date before the Houthi tie started, it is gone
    assert "houthis" not in set(network.sponsor_network(mini, on="2014-01-01")["proxy_id"])
    assert nx.DiGraph(network.sponsor_graph(mini)).has_edge("irn", "houthis")


def test_proxies_by_country_counts_the_sponsor_organs(mini):
    table = network.proxies_by_country(mini, sponsor="irn")
    assert table[["country_iso3", "n_proxies", "proxy_ids"]].values.tolist() == [
        ["IRQ", 1, "kh"],
        ["LBN", 1, "hzb"],
        ["YEM", 1, "houthis"],
    ]
    state_only = network.proxies_by_country(mini, sponsor="irn", include_organs=False)
    assert set(state_only["proxy_ids"]) == {"hzb", "houthis"}
    assert network.proxies_by_country(mini, sponsor="irn_qf")["proxy_ids"].tolist() == ["kh"]
    assert network.proxies_by_country(mini, sponsor="usa").empty
    with pytest.raises(ValueError, match="'atlantis' is not an actor_id"):
        network.proxies_by_country(mini, sponsor="atlantis")


def test_layout_is_stable_complete_and_by_camp(graph):
    first, second = network.camp_layout(graph), network.camp_layout(graph)
    assert first == second and set(first) == set(graph.nodes())
    us_x = [first[n][0] for n in ("usa", "sau")]
    iran_x = [first[n][0] for n in ("irn", "irn_qf", "kh", "hzb", "houthis", "soleimani", "qaani")]
    assert max(us_x) < min(iran_x)
    assert len({tuple(round(c, 6) for c in p) for p in first.values()}) == len(first)  # no two on one spot


# --- real data -------------------------------------------------------------------------------------------


def test_real_network_builds_and_has_iranian_proxies(tables):
    graph = network.build_graph(tables["actors"], tables["relations"])
    assert graph.number_of_edges() == len(tables["relations"])
    table = network.centrality_table(graph)
    assert table["degree"].sum() == 2 * graph.number_of_edges()
    pairs = network.sponsor_network(tables)
    assert (pairs["sponsor_id"] != pairs["proxy_id"]).all()
    by_country = network.proxies_by_country(tables, sponsor="irn")
    assert by_country["n_proxies"].sum() >= 3
    assert "IRQ" in set(by_country["country_iso3"])


# --- widget ----------------------------------------------------------------------------------------------


@pytest.fixture
def view(mini):
    return network_widget.make_view(mini)


def test_controls_are_labelled(view):
    for name, control in view.controls.items():
        assert control.description.strip(), name


def label_texts(view) -> set[str]:
    return set(view.labels.text)


def test_changing_date_changes_ties_table_and_figure(view):
    assert view.result["date"] == "2020-01-01"
    before = view.result["table"].copy()
    view.controls["date"].value = "2020-02-01"  # after the killing: Soleimani's command ended, Qaani's began
    after = view.result["table"]
    assert "soleimani" in before.index and before.loc["soleimani", "degree"] == 1
    assert after.loc["soleimani", "degree"] == 1  # only the succession tie remains
    assert after.loc["qaani", "degree"] == 2
    assert "irq" not in after.index  # the mediation tie ended on 2020-01-03
    assert "1 Feb 2020" in figure_title(view.fig)
    x = np.asarray(view.edge_marks["commands"].x, dtype=float)
    assert np.isnan(x).sum() == 1  # one commands tie: one segment, then the gap


def test_every_day_a_tie_changes_is_on_the_date_slider(mini):
    options = {v for _, v in network_widget.date_options(mini["relations"])}
    for day in network.change_dates(mini["relations"]):
        if pd.Timestamp("2011-01-01") <= day <= pd.Timestamp("2025-12-31"):
            assert f"{day:%Y-%m-%d}" in options


def test_relation_filter_restyles_nodes_and_labels(view):
    view.set_values(relations=("ally",))
    assert set(view.result["table"].index) == {"usa", "sau"}
    names = {view.graph.nodes[n]["name"] for n in ("usa", "sau")}
    assert label_texts(view) == {network.short_name(n) for n in names}  # only tied actors are labelled
    opacity = {}
    for shape, mark in view.node_marks.items():
        for actor, alpha in zip(view._ids[shape], mark.opacities, strict=False):
            opacity[actor] = alpha
    assert opacity["usa"] == pytest.approx(1.0) and opacity["hzb"] < 0.5
    assert "1 tie(s) of type ally" in alt_text(view.fig)


def test_focus_on_an_actor_keeps_its_ties_and_lists_them(view):
    view.set_values(use_date=False, focus="kh")
    assert view.result.graph.number_of_edges() == 2  # R001 sponsors and R002 proxy_of, both touching kh
    assert all("kh" in (u, v) for u, v in view.result.graph.edges())
    ties = network.ties_of(view.result.graph, "kh")
    assert set(ties["tie"]) == {"R001", "R002"}
    shape = next(s for s, ids in view._ids.items() if "irn_qf" in ids)
    view._on_click(view.node_marks[shape], {"data": {"index": view._ids[shape].index("irn_qf")}})
    assert view.controls["focus"].value == "irn_qf" and "around" in figure_title(view.fig)


def test_empty_selection_is_said_in_words(view):
    view.set_values(relations=())
    assert view.result.graph.number_of_edges() == 0
    assert "Nothing to show" in view.status.value


def test_date_can_be_switched_off(view):
    view.set_values(use_date=False)
    assert view.result["graph"].number_of_edges() == 10
    assert "at any date" in figure_title(view.fig)


def test_figure_has_title_alt_text_and_camp_legend(view):
    assert figure_title(view.fig) and alt_text(view.fig)
    legend = view.legend.value
    for words in ("us camp", "iran camp", "sponsors", "proxy of", "state", "official", CAMP_COLOURS["iran_camp"]):
        assert words in legend


def test_centrality_html_has_caption_and_wraps(view):
    html = network_widget.centrality_html(view.result["table"])
    assert "Centrality of the" in html and "white-space: normal" in html


def test_benchmark_steps_apply(view):
    for step in network_widget.BENCHMARK_STEPS:
        view.set_values(**step)
    assert view.values()["date"] == network_widget.DEFAULT_DATE


def test_real_data_view_updates(tables):
    view = network_widget.make_view(tables)
    n_all = view.result["graph"].number_of_edges()
    view.set_values(relations=("sponsors", "proxy_of"))
    assert 0 < view.result["graph"].number_of_edges() < n_all
