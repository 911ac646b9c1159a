"""The argument map: support reach, single-source and own-work flags, predictions, exports, the widget.

Hand-made map in analysis_helpers:
    T01 <- C01 <- V01 ; C01 cites fn1, V01 cites fn5 (fn5 repeats fn1, the author's own writing)
    T01 <- C02 <- V02 ; C02 cites fn2, V02 cites fn3, fn4 ; C02 <- P01 (no footnote)
    O01 attacks C02; O01 lists fn2 as the footnote it criticises (not as support) and has a URL
    T01 <- F01 (held, L01) <- V02 ; T01 <- F02 (did_not_hold, L02;L03) cites fn6 (the author's interview)
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from analysis_helpers import CLAIMS, LINKS, write_mini_datasets

from brinkmanship import argument, data
from brinkmanship.style import alt_text, figure_title
from brinkmanship.widgets import argument as argument_widget


@pytest.fixture(scope="module")
def support(mini):
    return argument.claim_support(mini)


def test_footnotes_reached_through_supporting_claims(support):
    assert support.loc["C01", "direct_footnotes"] == [1]
    assert support.loc["C01", "footnotes"] == [1, 5]
    assert support.loc["F01", "direct_footnotes"] == [] and support.loc["F01", "footnotes"] == [3, 4]
    assert support.loc["T01", "footnotes"] == [1, 2, 3, 4, 5, 6]
    # objections attack, they do not support: C02 does not inherit anything from O01
    assert support.loc["C02", "footnotes"] == [2, 3, 4]


def test_counts_and_flags_by_hand(support):
    expected = {  # n_sources, n_works, single_source, own_work_only, unsourced
        "T01": (6, 5, False, False, False),
        "C01": (2, 1, True, True, False),  # fn1 and fn5 are one work, the author's own
        "V01": (1, 1, True, True, False),
        "C02": (3, 3, False, False, False),
        "V02": (2, 2, False, False, False),
        "F01": (2, 2, False, False, False),
        "F02": (1, 1, True, True, False),  # the interview is the author's own material
        "O01": (0, 0, False, False, False),  # no footnote support, but checked against a public URL
        "P01": (0, 0, False, False, True),
    }
    cols = ["n_sources", "n_works", "single_source", "own_work_only", "unsourced"]
    got = {cid: tuple(support.loc[cid, cols]) for cid in expected}
    assert got == expected


def test_same_work_rule_can_be_switched_off(mini):
    table = argument.claim_support(mini, same_work={})
    assert table.loc["C01", "n_works"] == 2 and not table.loc["C01", "single_source"]


def test_supporters_and_objections(support):
    assert support.loc["T01", "supported_by"] == ["C01", "C02", "F01", "F02"]
    assert support.loc["C02", "supported_by"] == ["P01", "V02"]
    assert support.loc["C02", "attacked_by"] == ["O01"]
    assert support.loc["C01", "attacked_by"] == []


def test_objection_footnotes_are_what_it_criticises_not_its_support(support):
    assert support.loc["O01", "direct_footnotes"] == [] and support.loc["O01", "footnotes"] == []
    assert support.loc["O01", "concerns_footnotes"] == [2]
    assert support.loc["C02", "concerns_footnotes"] == []


def test_cycles_in_the_data_do_not_hang(tmp_path):
    links = [dict(link_id=lid, from_claim=f, to_claim=t, relation=r) for lid, f, t, r in LINKS]
    links.append(dict(link_id="A099", from_claim="T01", to_claim="V01", relation="supports"))  # a loop
    tables = data.load_all(write_mini_datasets(tmp_path / "cyc", {"claim_links": links}))
    table = argument.claim_support(tables)
    assert table.loc["V01", "footnotes"] == [1, 2, 3, 4, 5, 6]  # everything now flows round the loop
    sub = argument.subtree(argument.build_claim_graph(tables), "T01")
    assert set(argument.layered_layout(sub)) == set(sub.nodes())


def test_link_to_unknown_claim_names_the_link(mini):
    broken = dict(mini)
    broken["claim_links"] = mini["claim_links"].copy()
    broken["claim_links"].loc[0, "to_claim"] = "C99"
    with pytest.raises(ValueError, match=r"A001.*C99"):
        argument.build_claim_graph(broken)


def test_predictions_with_deciding_events(mini):
    preds = argument.predictions(mini)
    assert list(preds.index) == ["F01", "F02"]
    assert preds.loc["F01", "outcome"] == "held"
    assert preds.loc["F02", "outcome_event_ids"] == ["L02", "L03"]
    assert preds.loc["F02", "deciding_events"][1] == "L03 (2021-04-06): Indirect talks open"
    assert preds.loc["F02", "first_decided"] == pd.Timestamp("2021-04-06")
    assert preds.loc["F02", "last_decided"] == pd.Timestamp("2023-03-10")


def test_subtree_and_layers(mini):
    graph = argument.build_claim_graph(mini)
    sub = argument.subtree(graph, "C02")
    assert set(sub.nodes()) == {"C02", "V02", "P01", "O01", "fn2", "fn3", "fn4"}
    assert sub.has_edge("fn2", "O01") and sub.edges["fn2", "O01", 0]["relation"] == "concerns"
    no_obj = argument.subtree(graph, "C02", include_sources=False, include_objections=False)
    assert set(no_obj.nodes()) == {"C02", "V02", "P01"}
    pos = argument.layered_layout(argument.subtree(graph, "T01"))
    level = {n: -y for n, (_, y) in pos.items()}
    assert level["T01"] == 0
    assert level["C01"] == level["C02"] == level["F01"] == level["F02"] == 1
    assert level["V01"] == level["V02"] == level["O01"] == level["P01"] == 2
    assert {level[f"fn{i}"] for i in range(1, 7)} == {3}  # footnotes all on the bottom row
    xs = [x for x, y in pos.values() if y == -1]
    assert len(set(xs)) == len(xs)
    with pytest.raises(ValueError, match="not a claim id"):
        argument.subtree(graph, "fn1")


def test_roots_are_claims_that_support_nothing(mini):
    assert argument.roots(argument.build_claim_graph(mini)) == ["T01"]


def test_argdown_export(mini):
    text = argument.to_argdown(mini)
    lines = text.splitlines()
    assert lines[4] == "[T01]: Paraphrase of T01 #thesis"
    assert "    <+ [C01]: Paraphrase of C01 #claim #own-work-only" in lines
    assert "        <- [O01]: Paraphrase of O01 #objection #about-fn-2" in lines
    assert "    <+ [F02]: Paraphrase of F02 #prediction #own-work-only #did-not-hold" in lines
    assert "        <+ [V02]" in lines  # reached twice: written in full once, then by title
    assert sum(1 for line in lines if line.strip().startswith("<+ [V02]:")) == 1
    assert any(line.strip().startswith("<+ [fn 6]:") and line.endswith("#interview #own-work") for line in lines)
    only = argument.to_argdown(mini, root="C02", include_sources=False)
    assert "[fn" not in only and "[T01]" not in only
    with pytest.raises(ValueError, match="not a claim id"):
        argument.to_argdown(mini, root="Z99")


def test_aif_export_structure(mini):
    aif = argument.to_aif(mini)
    json.dumps(aif)
    nodes = {n["nodeID"]: n for n in aif["nodes"]}
    i_claims = [n for n in aif["nodes"] if n["type"] == "I" and n["kind"] != "source"]
    assert len(i_claims) == len(CLAIMS)
    assert sum(n["type"] == "CA" for n in aif["nodes"]) == 1  # one attack
    assert sum(n["type"] == "RA" and n["scheme"] == "inference" for n in aif["nodes"]) == 8
    assert sum(n["type"] == "RA" and n["scheme"] == "citation" for n in aif["nodes"]) == 6
    ca = next(n["nodeID"] for n in aif["nodes"] if n["type"] == "CA")
    assert {(e["fromID"], e["toID"]) for e in aif["edges"] if ca in (e["fromID"], e["toID"])} == {
        ("O01", ca),
        (ca, "C02"),
    }
    assert nodes["fn6"]["own_material"] is True
    assert nodes["O01"]["about_footnotes"] == [2]
    assert nodes["O01"]["verification_url"] == "https://example.org/objection"
    # fn2 is cited by C02 only; O01's concern is not a citation link
    assert {e["toID"] for e in aif["edges"] if e["fromID"] == "fn2"} == {
        next(e["toID"] for e in aif["edges"] if e["fromID"] == "fn2")
    }
    assert len(aif["edges"]) == 2 * (1 + 8 + 6)


# --- real data -------------------------------------------------------------------------------------------


def test_real_map_has_a_thesis_and_flags(tables):
    support = argument.claim_support(tables)
    assert (support["kind"] == "thesis").sum() >= 1
    thesis = support[support["kind"] == "thesis"].index[0]
    assert support.loc[thesis, "n_sources"] >= 10  # the thesis rests on most of the 24 footnotes
    # every footnote the data says a claim uses is reached from that claim
    claims = tables["claims"]
    for cid, kind, fns in zip(claims["claim_id"], claims["kind"], data.split_list(claims["footnotes"]), strict=True):
        listed = {int(f) for f in fns}
        if kind == "objection":  # an objection's footnotes are what it criticises
            assert set(support.loc[cid, "concerns_footnotes"]) == listed
            assert support.loc[cid, "footnotes"] == []
        else:
            assert listed <= set(support.loc[cid, "footnotes"])
    own_only = support[support["own_work_only"]]
    assert not own_only.empty  # the course teaches that some claims rest only on the author's own work
    sources = tables["sources"]
    own_fns = set(sources.loc[sources["author_own_material"].astype(bool), "footnote"].astype(int))
    for fns in own_only["footnotes"]:
        assert fns and set(fns) <= own_fns


def test_real_predictions_are_judged(tables):
    preds = argument.predictions(tables)
    assert len(preds) >= 3
    assert set(preds["outcome"]) <= {"held", "partly_held", "did_not_hold", "undecided"}
    assert preds["outcome_event_ids"].map(len).gt(0).all()


def test_real_exports(tables):
    text = argument.to_argdown(tables)
    assert text.count("#thesis") >= 1
    aif = argument.to_aif(tables)
    assert sum(n["type"] == "CA" for n in aif["nodes"]) == (tables["claim_links"]["relation"] == "attacks").sum()


# --- widget ----------------------------------------------------------------------------------------------


@pytest.fixture
def view(mini):
    return argument_widget.make_view(mini)


def test_controls_are_labelled_and_offer_sections(view):
    for name, control in view.controls.items():
        assert control.description.strip(), name
    values = [v for _, v in view.controls["root"].options]
    assert values[0] == "T01"
    assert "section:mushrooming_risks" in values and "C02" in values


def test_initial_view_draws_the_whole_map_with_marked_statuses(view):
    r = view.result
    assert r["statuses"] == {
        "T01": "multi",
        "C01": "own_only",
        "V01": "own_only",
        "C02": "multi",
        "V02": "multi",
        "F01": "multi",
        "F02": "own_only",
        "O01": "objection",
        "P01": "unsourced",
    }
    drawn = {key: len(mark.x) for key, mark in view.groups.items()}
    assert sum(drawn.values()) == 9 + 6  # every claim and footnote drawn, each once
    assert drawn[("own_only", False)] + drawn[("own_only", True)] == 3
    assert view.groups[("own_only", False)].marker == "diamond"  # shape, not only colour
    assert "3 only on the author's own material (purple diamonds)" in alt_text(view.fig)
    assert "held 1" in alt_text(view.fig) and "did not hold 1" in alt_text(view.fig)
    legend = view.legend.value
    assert "single-source claim (one work)" in legend and "rests only on the author's own material" in legend


def test_choosing_a_claim_changes_drawing_and_detail(view):
    view.controls["root"].value = "C02"
    r = view.result
    assert set(r["subgraph"].nodes()) == {"C02", "V02", "P01", "O01", "fn2", "fn3", "fn4"}
    assert "Paraphrase of O01" in r["detail"]  # the objection is spelled out
    assert "[2] Writer, A., Work 2, Outlet 2, 2020-02-21" in r["detail"]
    assert "Admiralty grade B2" in r["detail"]
    assert figure_title(view.fig) == "What C02 rests on"
    view.set_values(show_objections=False, show_sources=False)
    assert set(view.result["subgraph"].nodes()) == {"C02", "V02", "P01"}
    assert len(view.node_labels.text) == 3 and len(view.source_labels.text) == 0
    # clicking a claim opens the map beneath it
    key = next(k for k, ids in view._ids.items() if "V02" in ids)
    view._on_click(view.groups[key], {"data": {"index": view._ids[key].index("V02")}})
    assert view.result.root == "V02" and view.controls["root"].value == "V02"


def test_prediction_detail_lists_outcome_and_events(view):
    view.controls["root"].value = "F02"
    detail = view.result["detail"]
    assert "did not hold" in detail and "L02 (2023-03-10): Deal brokered in Beijing" in detail
    assert "only the author&#x27;s own material" in detail


def test_section_choice_lists_its_claims(view):
    view.controls["root"].value = "section:strategic_patience"
    assert view.result["claims"] == ["C01", "V01"]
    assert "<caption>Claims made in this section</caption>" in view.result["detail"]
    assert "strategic patience section" in figure_title(view.fig)


def test_real_data_view_and_benchmark_steps(tables):
    view = argument_widget.make_view(tables)
    options = {v for _, v in view.controls["root"].options}
    for step in argument_widget.BENCHMARK_STEPS:
        assert step.get("root", "T01") in options
        view.set_values(**step)
    assert view.result["statuses"] and alt_text(view.fig)


def test_real_same_work_pairs_are_one_author_one_day(tables):
    """argument.SAME_WORK says fn 5 repeats fn 1; the data must agree (same author, same date)."""
    sources = tables["sources"].set_index(tables["sources"]["footnote"].astype(int))
    for repeat, original in argument.SAME_WORK.items():
        assert sources.at[repeat, "author"] == sources.at[original, "author"]
        assert sources.at[repeat, "issued"] == sources.at[original, "issued"]
        assert f"fn {repeat}" in str(sources.at[original, "verification_note"])
