"""Reference answers for every lesson exercise, computed from the data, and tests of brinkmanship.checks.

How to add an exercise (both lesson engineers): write a function decorated with ``@reference("lNN_name")`` that
takes the ``tables`` dict and returns ``(right_answer, [plausible wrong answers])`` computed with real pandas code;
then record the hash once with ``checks.record(...)`` (see the __main__ block at the bottom:
``.venv/bin/python tests/test_lesson_checks.py lNN_name`` re-records one id from its reference function, keeping
kind/hint/decimals). Every id in checks.json must have a reference here and vice versa.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from brinkmanship import checks, data

Reference = Callable[[dict[str, pd.DataFrame]], tuple[Any, list[Any]]]
REFERENCES: dict[str, Reference] = {}


def reference(exercise_id: str) -> Callable[[Reference], Reference]:
    def register(fn: Reference) -> Reference:
        if exercise_id in REFERENCES:
            raise ValueError(f"duplicate reference for {exercise_id}")
        REFERENCES[exercise_id] = fn
        return fn

    return register


# --------------------------------------------------------------------------------------------------------------
# Lessons 00-04 (lessons-A)
# --------------------------------------------------------------------------------------------------------------


@reference("l00_in_article")
def _l00_in_article(t):
    events = t["events"]
    right = int(events["in_article"].sum())
    return right, [len(events), int((events["period"] == "article").sum()), right - 1]


@reference("l00_month_precision")
def _l00_month_precision(t):
    events = t["events"]
    right = int((events["date_precision"] == "month").sum())
    return right, [int((events["date_precision"] == "day").sum()), len(events), right + 1]


@reference("l00_self_citations")
def _l00_self_citations(t):
    sources = t["sources"]
    right = int(sources["self_citation"].sum())
    return right, [int(sources["author_own_material"].sum()), len(sources), right - 1]


@reference("l01_deterrence_evidence")
def _l01_deterrence_evidence(t):
    # concept: deterrence shows as something not done; the data's lull runs from E26 to E30
    ev = t["events"].set_index("event_id")
    lull_days = (ev.loc["E30", "date"] - ev.loc["E26", "date"]).days
    right = "lull" if lull_days > 14 else "reply"
    return right, [w for w in ("reply", "admission", "lull") if w != right]


def _camps(t):
    camp = t["actors"].set_index("actor_id")["alignment"].astype("string")
    events = t["events"]
    return events.assign(
        source_camp=events["source_actor_id"].map(camp), target_camp=events["target_actor_id"].map(camp)
    )


@reference("l01_after_killing")
def _l01_after_killing(t):
    c = _camps(t)
    iran_on_us = (c["source_camp"] == "iran_camp") & (c["target_camp"] == "us_camp")
    after = (c["date"] > pd.Timestamp("2020-01-03")) & (c["date"] <= pd.Timestamp("2020-02-29"))
    right = sorted(c.loc[iran_on_us & after & (c["quad_class"] == 4), "event_id"])
    any_kind = sorted(c.loc[iran_on_us & after, "event_id"])  # forgets the quad class filter
    from_killing = sorted(
        c.loc[
            iran_on_us
            & (c["quad_class"] == 4)
            & (c["date"] >= pd.Timestamp("2020-01-03"))
            & (c["date"] <= pd.Timestamp("2020-02-29")),
            "event_id",
        ]
    )
    wrongs = [w for w in (any_kind, from_killing, right[:-1]) if w != right]
    return right, wrongs


@reference("l01_disputed")
def _l01_disputed(t):
    e = t["events"]
    in_section = e["article_section"] == "writing_on_the_wall"
    right = sorted(e.loc[in_section & e["disputed"].notna(), "event_id"])
    return right, [sorted(e.loc[in_section, "event_id"]), right[1:], sorted(e.loc[e["disputed"].notna(), "event_id"])]


@reference("l02_switch_reading")
def _l02_switch_reading(t):
    # concept: the first step (E04) came 12 months after the exit; the index's level shift is coded violence
    ev = t["events"].set_index("event_id")
    months = (ev.loc["E04", "date"].to_period("M") - ev.loc["E02", "date"].to_period("M")).n
    right = "first_step" if months == 12 else "eighteen"
    return right, [w for w in ("eighteen", "no_switch", "first_step") if w != right]


@reference("l02_double_count_reading")
def _l02_double_count_reading(t):
    # concept (codebook rule 3, one event one row): the briefing E31 reports the seizures E15 and E29; statements
    # as such do count (Pompeo's E25 is in the dyad), and E31 is confirmed, if only through a repost
    from brinkmanship.escalation import dyad_events

    ev = t["events"].set_index("event_id")
    dyad = set(dyad_events(t["events"], t["actors"], "us_camp", "iran_camp")["event_id"])
    reports_coded_acts = {"E15", "E29"} <= set(dyad) and "one event, one row" in ev.loc["E31", "notes"]
    words_count = "E25" in dyad and ev.loc["E25", "quad_class"] == 3
    confirmed = ev.loc["E31", "confidence"] in ("high", "medium")
    assert ev.loc["E31", "cameo_code"] == "010" and pd.isna(ev.loc["E31", "target_actor_id"]) and "E31" not in dyad
    right = "one_row" if reports_coded_acts and words_count and confirmed else "unverified"
    return right, [w for w in ("neutral", "unverified", "one_row") if w != right]


@reference("l02_active_months_2019")
def _l02_active_months_2019(t):
    from brinkmanship.escalation import escalation_index

    idx = escalation_index(
        t["events"], t["actors"], "us_camp", "iran_camp", freq="MS", how="sum", start="2018-01-01", end="2020-02-29"
    )
    in_2019 = idx.loc["2019"]
    right = int((in_2019["events"] > 0).sum())
    return right, [12, int(in_2019["events"].sum()), right - 1]


@reference("l02_doubtful_fns")
def _l02_doubtful_fns(t):
    cred = t["sources"]["credibility"]
    right = int((cred >= 4).sum())
    return right, [int((cred > 4).sum()), int((cred == 4).sum()), int((cred >= 3).sum())]


@reference("l03_absence_reading")
def _l03_absence_reading(t):
    # concept: the data have no Afghan article-period event because they were built from the article
    e = t["events"]
    afghan_article = int(((e["theatre"] == "afghanistan") & (e["period"] == "article")).sum())
    right = "selection" if afghan_article == 0 else "quiet"
    return right, [w for w in ("overlooked", "quiet", "selection") if w != right]


@reference("l03_qf_commanders")
def _l03_qf_commanders(t):
    rel = t["relations"]
    right = sorted(rel.loc[(rel["relation"] == "commands") & (rel["target_id"] == "irn_irgc_qf"), "source_id"])
    any_tie = sorted(rel.loc[rel["target_id"] == "irn_irgc_qf", "source_id"])
    wrongs = [w for w in (any_tie, ["qaani", "soleimani"], right[1:]) if w != right]
    return right, wrongs


@reference("l03_iraq_share")
def _l03_iraq_share(t):
    article = t["events"][t["events"]["period"] == "article"]
    right = float((article["theatre"] == "iraq").mean() * 100)
    everything = float((t["events"]["theatre"] == "iraq").mean() * 100)
    return right, [right / 100, everything, int((article["theatre"] == "iraq").sum())]


@reference("l04_militant_coding")
def _l04_militant_coding(t):
    # concept: alignment records whom a group fights; the alleged backing is a disputed tie
    alignment = str(t["actors"].set_index("actor_id").loc["jaish_al_adl", "alignment"])
    right = alignment if alignment in ("us_camp", "anti_regime") else "drop"
    return right, [w for w in ("us_camp", "anti_regime", "drop") if w != right]


@reference("l04_attacks_before_outreach")
def _l04_attacks_before_outreach(t):
    c = _camps(t)
    meeting = c.loc[c["event_id"] == "E09", "date"].iloc[0]
    target_ok = (c["target_actor_id"] == "commercial_shipping") | (c["target_camp"] == "us_camp")
    in_2019 = (c["date"] >= pd.Timestamp("2019-01-01")) & (c["date"] < meeting)
    right = sorted(c.loc[in_2019 & (c["quad_class"] == 4) & target_ok.fillna(False), "event_id"])
    any_target = sorted(c.loc[in_2019 & (c["quad_class"] == 4), "event_id"])  # forgets the target filter
    with_abqaiq = sorted([*right, "E11"])  # the attack that came after the meeting
    return right, [w for w in (any_target, with_abqaiq, right[:-1]) if w != right]


@reference("l04_fn18_reports")
def _l04_fn18_reports(t):
    issued = t["sources"].set_index("footnote").loc[18, "issued"]
    e = t["events"]
    cites = e[data.split_list(e["footnotes"]).map(lambda fns: "18" in fns)]
    right = str(cites.loc[cites["date"] == issued, "event_id"].iloc[0])
    return right, [str(x) for x in cites["event_id"] if x != right] + ["E11"]


# --------------------------------------------------------------------------------------------------------------
# Lessons 05-09 (lessons-B): append below this line
# --------------------------------------------------------------------------------------------------------------


def _event_date(tables: dict[str, pd.DataFrame], event_id: str) -> pd.Timestamp:
    events = tables["events"]
    return events.loc[events["event_id"] == event_id, "date"].iloc[0]


def _days(tables: dict[str, pd.DataFrame], first: str, second: str) -> int:
    return int((_event_date(tables, second) - _event_date(tables, first)).days)


@reference("l05_on_topic_expert")
def _l05_on_topic(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    # reading the verification notes: Katz wrote about Turkey, Grigoryev's interview is unpublished
    src = tables["sources"].set_index("footnote")
    assert "Turkish" in src.at[21, "verification_note"] and "Unpublished" in src.at[20, "verification_note"]
    experts = tables["actors"].set_index("actor_id")
    right = str(experts.index[experts["footnotes"].astype("string") == "22"][0])
    return right, ["katz", "grigoryev"]


@reference("l05_mediators_beijing")
def _l05_mediators(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import network

    graph = network.build_graph(tables["actors"], tables["relations"])
    on_day = network.filter_graph(graph, relation_types=["mediates"], on=_event_date(tables, "L07"))
    right = sorted({u for u, v, _ in on_day.edges(data=True) if v == "sau"})
    any_target = sorted({u for u, _, _ in on_day.edges(data=True)})  # includes the EU's Vienna channel
    hosts = sorted(set(right) | {"irq", "omn"})  # Iraq and Oman hosted the 2021-2022 rounds, not active that day
    return right, [w for w in (any_target, hosts) if w != right]


@reference("l05_concept_reading")
def _l05_concept(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    note = str(tables["events"].set_index("event_id").at["E08", "disputed"])
    right = "wind_down" if "permanent" in note else "embed"
    return right, [w for w in ("embed", "silent", "wind_down") if w != right]


@reference("l06_state_acts_jan2020")
def _l06_state_acts(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import escalation

    us_on_iran = escalation.dyad_events(tables["events"], tables["actors"], "us_camp", "iran_camp", direction="a_to_b")
    jan = us_on_iran[(us_on_iran["date"] >= "2020-01-01") & (us_on_iran["date"] < "2020-02-01")]
    right = sorted(jan["event_id"].astype(str))
    both = escalation.dyad_events(tables["events"], tables["actors"], "us_camp", "iran_camp")
    both_jan = sorted(both.loc[(both["date"] >= "2020-01-01") & (both["date"] < "2020-02-01"), "event_id"].astype(str))
    return right, [w for w in (sorted([*right, "E20"]), both_jan, right[:1]) if w != right]


@reference("l06_proxy_attacks_later")
def _l06_proxies(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    by_id = tables["actors"].set_index("actor_id")
    ev = tables["events"]
    coded = ev.join(by_id[["alignment", "kind"]], on="source_actor_id").join(
        by_id["alignment"].rename("target_alignment"), on="target_actor_id"
    )
    against_us = coded[
        (coded["alignment"] == "iran_camp") & (coded["target_alignment"] == "us_camp") & (coded["quad_class"] == 4)
    ]
    proxy = against_us["kind"].isin(["militia", "militant_group"])
    later = against_us["period"] == "later"
    right = int((proxy & later).sum())
    return right, [int(later.sum()), int((proxy & (against_us["period"] == "article")).sum())]


@reference("l06_us_to_iran_mean_goldstein")
def _l06_mean(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import escalation

    dyad = escalation.dyad_events(tables["events"], tables["actors"], "us_camp", "iran_camp")
    article = dyad[dyad["period"] == "article"]
    right = float(article.loc[article["direction"] == "a_to_b", "goldstein"].mean())
    reverse = float(article.loc[article["direction"] == "b_to_a", "goldstein"].mean())
    return right, [
        reverse,
        float(dyad.loc[dyad["direction"] == "a_to_b", "goldstein"].mean()),
        float(article["goldstein"].mean()),
    ]


@reference("l07_us_straight_iran_gain")
def _l07_iran_gain(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    # the default stakes are symmetric, so P(war) is the same whichever side's gain rises (UX review: us_gain=3
    # was accepted); the US's own probability of going straight tells the two apart
    from brinkmanship import game

    stakes = game.ChickenPayoffs(iran_gain=3)
    eq = game.mixed_equilibrium(*game.payoff_matrices(stakes))
    wrong_side = game.mixed_equilibrium(*game.payoff_matrices(game.ChickenPayoffs(us_gain=3)))
    assert game.p_war(stakes) == game.p_war(game.ChickenPayoffs(us_gain=3)), "the symmetry the exercise works around"
    right = float(eq.us_straight)
    return right, [float(wrong_side.us_straight), float(eq.iran_straight), float(eq.p_war)]


@reference("l07_p_war_costly_war")
def _l07_costly(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import game

    costly = game.ChickenPayoffs(us_war_cost=30, iran_war_cost=30)
    one_side = game.ChickenPayoffs(us_war_cost=30)
    return float(game.p_war(costly)), [
        float(game.p_war(one_side)),
        float(game.p_war(game.ChickenPayoffs())) / 3,
        float(game.mixed_equilibrium(*game.payoff_matrices(costly)).us_straight),
    ]


@reference("l07_us_move_iran_dug_in")
def _l07_dug_in(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import game

    pure = game.pure_equilibria(*game.payoff_matrices(game.ChickenPayoffs(iran_backdown_cost=12)))
    assert len(pure) == 1, "with only Iran dug in, exactly one pure equilibrium must remain"
    us_move, iran_move = pure[0]
    return us_move, [iran_move, "war"]


@reference("l07_equilibria_at_equal_costs")
def _l07_equal_costs(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import game

    equal = game.ChickenPayoffs(us_backdown_cost=10, iran_backdown_cost=10)
    right = len(game.pure_equilibria(*game.payoff_matrices(equal)))
    dug_in = game.ChickenPayoffs(us_backdown_cost=12, iran_backdown_cost=12)
    strict = len(game.pure_equilibria(*game.payoff_matrices(dug_in)))
    chicken = len(game.pure_equilibria(*game.payoff_matrices(game.ChickenPayoffs())))
    return right, [w for w in (strict, chicken, 4) if w != right]


@reference("l08_own_share_predating")
def _l08_predate(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    src = tables["sources"]
    killing = _event_date(tables, "E19")
    # a month-only date predates the killing only if the whole month does (datasets/README.md)
    month_only = src["issued_precision"].astype(str) == "month"
    latest_possible = src["issued"].where(~month_only, src["issued"] + pd.offsets.MonthEnd(0))
    predating = src[latest_possible < killing]
    own = predating["author_own_material"].astype(bool)
    right = float(own.mean())
    first_of_month = src[src["issued"] < killing]["author_own_material"].astype(bool).mean()
    written = float(predating["self_citation"].astype(bool).mean())
    return right, [float(first_of_month), written, float(src["author_own_material"].astype(bool).mean())]


@reference("l08_low_credibility")
def _l08_low(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    src = tables["sources"]
    right = sorted(int(f) for f in src.loc[src["credibility"] >= 4, "footnote"])
    poor_source = sorted(int(f) for f in src.loc[src["reliability"].astype(str).isin(["D", "E", "F"]), "footnote"])
    return right, [poor_source, sorted(int(f) for f in src.loc[src["credibility"] > 4, "footnote"])]


@reference("l08_grade_change")
def _l08_grade_change(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    # the Admiralty code: a second independent report confirms the information, it says nothing of the outlet
    fn3 = tables["sources"].set_index("footnote").loc[3]
    assert (fn3["reliability"], int(fn3["credibility"])) == ("C", 4), "the exercise assumes fn 3 is graded C4"
    return "credibility", ["reliability", "both"]


@reference("l08_single_outside_evidence")
def _l08_single(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import argument

    support = argument.claim_support(tables)
    evidence = support["kind"] == "evidence"
    right = sorted(support.index[evidence & support["single_source"] & ~support["own_work_only"]])
    return right, [
        sorted(support.index[evidence & support["single_source"]]),
        sorted(support.index[support["single_source"] & ~support["own_work_only"]]),
    ]


@reference("l09_later_conflict_events")
def _l09_conflict(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import escalation

    dyad = escalation.dyad_events(tables["events"], tables["actors"], "us_camp", "iran_camp")
    later = dyad[dyad["period"] == "later"]
    right = int((later["quad_class"] == 4).sum())
    return right, [len(later), int(((later["quad_class"] == 4) & (later["direction"] == "a_to_b")).sum())]


@reference("l09_decided_in_2025")
def _l09_2025(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import argument

    events = tables["events"].set_index("event_id")
    preds = argument.predictions(tables)
    in_2025 = preds["outcome_event_ids"].map(lambda ids: any(events.at[e, "date"].year == 2025 for e in ids))
    right = sorted(preds.index[in_2025])
    return right, [right[:1], sorted(preds.index[preds["outcome"] == "did_not_hold"])]


@reference("l09_scoring_rule")
def _l09_scoring(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    # rule 3 of the codebook: silence in a selection is not evidence; observable, conditions in place -> too early
    verdicts = tables["claims"]["outcome"].cat.categories
    assert {"too_early", "did_not_hold", "not_testable"} <= set(verdicts)
    return "too_early", ["did_not_hold", "not_testable", "held"]


@reference("l09_index_ranking")
def _l09_ranking(tables: dict[str, pd.DataFrame]) -> tuple[Any, list[Any]]:
    from brinkmanship import escalation

    index = escalation.escalation_index(
        tables["events"], tables["actors"], "us_camp", "iran_camp", freq="MS", start="2020-03-01", tone="conflict"
    )
    by_year = index.groupby(index.index.year)[["events", "goldstein_sum"]].sum()
    worse_2024 = by_year.loc[2024, "goldstein_sum"] < by_year.loc[2025, "goldstein_sum"]
    more_acts = by_year.loc[2024, "events"] > by_year.loc[2025, "events"]
    assert worse_2024 and index["goldstein_sum"].min() >= -10 * index["events"].max()
    right = "count" if more_acts else "graver"
    return right, [w for w in ("graver", "ceasefire", "count") if w != right]


# --------------------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------------------


def _forbidden_texts(entry: dict[str, Any], right: Any) -> list[str]:
    """Texts of the right answer that must never show up in what check() prints."""
    canonical = checks.normalise(right, entry["kind"], entry.get("decimals"))
    if entry["kind"] == "bool":
        return []  # "true"/"false" are ordinary words in hints
    if entry["kind"] in ("set", "list"):
        items = json.loads(canonical)
        return [canonical] if len(items) > 1 else [str(i) for i in items if len(str(i)) > 2]
    texts = [canonical]
    if entry["kind"] == "number":
        texts.append(str(right))
    return [t for t in texts if len(t.strip()) > 0]


def test_every_recorded_id_has_a_reference_and_back() -> None:
    recorded = set(checks.exercise_ids())
    assert recorded - set(REFERENCES) == set(), "exercise ids in checks.json without a reference answer here"
    assert set(REFERENCES) - recorded == set(), "reference answers here never recorded in checks.json"


@pytest.mark.parametrize("exercise_id", sorted(REFERENCES))
def test_reference_answer_passes_and_wrong_ones_fail(exercise_id: str, tables: dict, capsys) -> None:
    entry = json.loads(checks.STORE.read_text(encoding="utf-8"))[exercise_id]
    right, wrongs = REFERENCES[exercise_id](tables)
    assert right is not None
    assert wrongs, f"{exercise_id}: give at least one plausible wrong answer"
    assert bool(checks.check(exercise_id, right)) is True, f"{exercise_id}: the data changed? re-record the hash"
    assert capsys.readouterr().out.strip() == "Correct!"
    forbidden = _forbidden_texts(entry, right)
    for wrong in wrongs:
        assert bool(checks.check(exercise_id, wrong)) is False, f"{exercise_id}: wrong answer {wrong!r} accepted"
        printed = capsys.readouterr().out
        assert printed.startswith("Not yet:")
        for text in forbidden:
            assert text.casefold() not in printed.casefold(), f"{exercise_id}: hint reveals the answer"
    assert bool(checks.check(exercise_id, None)) is False
    assert "replace None" in capsys.readouterr().out


@pytest.mark.parametrize("exercise_id", checks.exercise_ids())
def test_store_entries_are_well_formed(exercise_id: str) -> None:
    entry = json.loads(checks.STORE.read_text(encoding="utf-8"))[exercise_id]
    assert entry["kind"] in checks.KINDS
    assert len(entry["hash"]) == 64 and entry["salt"] and entry["hint"].strip()
    assert exercise_id[0] == "l" and exercise_id[1:3].isdigit()


# --- the checks module itself, on a throw-away store ----------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "checks.json"


def test_number_rounding_and_hint(store: Path, capsys) -> None:
    checks.record("l99_ratio", 2 / 3, "number", "divide the two counts", decimals=3, path=store)
    assert checks.check("l99_ratio", 0.6667, path=store)
    assert capsys.readouterr().out.strip() == "Correct!"
    assert not checks.check("l99_ratio", 0.67, path=store)
    out = capsys.readouterr().out
    assert out.startswith("Not yet: divide the two counts") and "0.667" not in out
    assert not checks.check("l99_ratio", "not a number", path=store)
    assert capsys.readouterr().out.startswith("Not yet:")


def test_verdict_shows_nothing_in_a_notebook(store: Path, capsys) -> None:
    from IPython.core.formatters import DisplayFormatter

    checks.record("l99_v", 3, "int", "count", path=store)
    verdict = checks.check("l99_v", 4, path=store)
    assert not verdict and "correct=False" in repr(verdict)
    # Jupyter's display hook would otherwise echo the return value ("False") under the hint
    assert DisplayFormatter().format(verdict) == ({}, {})
    assert capsys.readouterr().out.startswith("Not yet: count")


def test_none_answer_prompts_to_replace_none(store: Path, capsys) -> None:
    checks.record("l99_n", 19, "int", "count rows", path=store)
    assert not checks.check("l99_n", None, path=store)
    assert "replace None" in capsys.readouterr().out
    assert not checks.check("l99_n", NotImplemented, path=store)
    assert checks.check("l99_n", 19.0, path=store) and not checks.check("l99_n", 19.5, path=store)


def test_unknown_id_is_a_clear_error(store: Path) -> None:
    checks.record("l99_n", 1, "int", "h", path=store)
    with pytest.raises(checks.CheckError, match="l99_missing"):
        checks.check("l99_missing", 1, path=store)


def test_text_set_list_date_bool(store: Path) -> None:
    checks.record("l99_t", "  Strategic   Patience ", "text", "h", path=store)
    assert checks.is_correct("l99_t", "strategic patience", path=store)
    checks.record("l99_s", ["Iran", "US"], "set", "h", path=store)
    assert checks.is_correct("l99_s", {"us", "iran"}, path=store)
    assert not checks.is_correct("l99_s", {"us"}, path=store)
    filtered = pd.Series(["US", "x", "Iran"], index=[4, 7, 9])
    assert checks.is_correct("l99_s", filtered[filtered != "x"], path=store)  # values of a filtered column
    assert checks.is_correct("l99_s", pd.Series([3, 1], index=["Iran", "US"]), path=store)  # value_counts()
    assert checks.is_correct("l99_s", pd.DataFrame({"n": [1, 2]}, index=["US", "Iran"]), path=store)
    checks.record("l99_l", ["a", "b"], "list", "h", path=store)
    assert checks.is_correct("l99_l", ("A", "b"), path=store) and not checks.is_correct("l99_l", ["b", "a"], path=store)
    checks.record("l99_d", pd.Timestamp("2019-05-08"), "date", "h", path=store)
    assert checks.is_correct("l99_d", "2019-05-08", path=store)
    assert not checks.is_correct("l99_d", "2019-05-09", path=store)
    checks.record("l99_m", "2020-03", "date", "h", path=store)
    assert checks.is_correct("l99_m", pd.Timestamp("2020-03-17"), path=store)
    assert checks.is_correct("l99_m", pd.Period("2020-03", freq="M"), path=store)
    assert not checks.is_correct("l99_m", "2020-04", path=store)
    checks.record("l99_b", False, "bool", "h", path=store)
    assert checks.is_correct("l99_b", "no", path=store) and not checks.is_correct("l99_b", True, path=store)


def test_rerecord_keeps_salt_and_changes_hash(store: Path) -> None:
    first = checks.record("l99_n", 1, "int", "h", path=store)
    second = checks.record("l99_n", 2, "int", "h", path=store)
    assert first["salt"] == second["salt"] and first["hash"] != second["hash"]
    assert "2" not in json.dumps(second["hint"])


def test_record_rejects_bad_input(store: Path) -> None:
    with pytest.raises(checks.CheckError, match="lNN_short_name"):
        checks.record("exercise1", 1, "int", "h", path=store)
    with pytest.raises(checks.CheckError, match="unknown check kind"):
        checks.record("l99_k", 1, "float", "h", path=store)
    with pytest.raises(checks.CheckError, match="hint"):
        checks.record("l99_k", 1, "int", " ", path=store)


if __name__ == "__main__":  # re-record ids from their reference answers: python tests/test_lesson_checks.py ID...
    tables = data.load_all()
    stored = json.loads(checks.STORE.read_text(encoding="utf-8"))
    for exercise_id in sys.argv[1:] or sorted(stored):
        entry = stored[exercise_id]
        right, _ = REFERENCES[exercise_id](tables)
        checks.record(exercise_id, right, entry["kind"], entry["hint"], entry.get("decimals"))
        print(f"re-recorded {exercise_id}")
