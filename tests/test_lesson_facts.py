"""Facts that the prose of lessons 00-04 states in words, re-checked against the data.

The lessons compute their numbers in code cells, but the markdown around them says things like "every sponsorship
tie is low confidence" or "the meeting came before the attack". If someone edits the datasets, these tests say which
sentence of which lesson has become wrong, instead of letting the lesson quietly contradict its own output.
"""

from __future__ import annotations

import pandas as pd

from brinkmanship import escalation


def test_lesson_prose_matches_the_data(tables: dict) -> None:
    t = tables
    e = t["events"]
    ev = e.set_index("event_id")
    a = t["actors"].set_index("actor_id")
    s = t["sources"].set_index("footnote")
    r = t["relations"].set_index("relation_id")
    st = t["strategies"].set_index("strategy_id")
    camp = a["alignment"].astype("string")
    c = e.assign(sc=e.source_actor_id.map(camp), tc=e.target_actor_id.map(camp))
    assert ev.loc["E35", "confidence"] == "low" and ev.loc["E35", "date"] == pd.Timestamp("2020-03-01"), (
        "00: publication month inferred (E35), low confidence"
    )
    assert ev.loc["E19", "date"] == pd.Timestamp("2020-01-03") and ev.loc["E19", "footnotes"] == "1;5;16", (
        "00: killing on 3 Jan 2020 with footnotes 1;5;16"
    )
    w = c[
        (c.date >= "2019-10-01")
        & (c.date <= "2020-02-29")
        & (c.quad_class == 4)
        & (c.sc == "iran_camp")
        & (c.tc == "us_camp")
    ]
    assert set(w.source_actor_id) <= {"iraq_militias", "kh", "houthis", "irn_irgc"} and list(
        w[w.source_actor_id == "irn_irgc"].event_id
    ) == ["E26"], "01: Iran-camp attacks are by militias/Houthis, E26 the one direct strike"
    assert ev.loc["E27", "fatalities"] == 176 and (ev.loc["E28", "date"] - ev.loc["E27", "date"]).days == 3, (
        "01: PS752 killed 176, admitted 3 days later"
    )
    assert (
        s.loc[3, "reliability"] == "C"
        and s.loc[3, "credibility"] == 4
        and s.loc[3, "verification_status"] == "event_only"
    ), "01: fn 3 graded C4, event_only"
    assert (
        st.loc["strategic_patience", "period_end"] == pd.Timestamp("2019-05-08")
        and st.loc["military_restraint", "period_end"] == pd.Timestamp("2019-12-29")
        and st.loc["military_restraint", "period_start"].month == 5
    ), "02: strategy dating (patience to 8 May 2019; restraint May to 29 Dec 2019)"
    idx = escalation.escalation_index(
        e, t["actors"], "us_camp", "iran_camp", freq="MS", start="2018-01-01", end="2020-02-29"
    )
    cp = escalation.change_point(idx["goldstein_sum"])
    assert cp["at"] >= pd.Timestamp("2019-10-01") and cp["at"] <= pd.Timestamp("2020-01-01"), (
        "02: the index shifts most at the end of 2019"
    )
    assert ev.loc["E04", "goldstein"] == -5, "02: the first step (E04) scores -5"
    assert s.loc[5, "credibility"] == 4 and not s.loc[5, "author_named_in_footnote"] and s.loc[5, "self_citation"], (
        "02: fn 5 is an unnamed self-citation graded 4"
    )
    mp = e[(e.strategy_id == "maximum_pressure") & (e.period == "article")]
    assert set(mp.event_id) == {"E02", "E36", "E03"}, "03: maximum pressure events are the 2018 sanctions"
    assert ((e.theatre == "afghanistan") & (e.period == "article")).sum() == 0 and (
        (e.theatre == "afghanistan") & (e.period == "later")
    ).sum() == 2, "03: no Afghan event in the article period, two later"
    assert r.loc["R051", "confidence"] == "low" and r.loc["R051", "source_id"] == "qaani", (
        "03: Qaani-Taliban tie is low confidence"
    )
    assert s.loc[11, "verification_status"] == "event_only" and s.loc[8, "issued"] == ev.loc["E34", "date"], (
        "03: fn 11 event_only; fn 8 dated polling day"
    )
    assert ev.loc["E15", "date"] == pd.Timestamp("2019-11-25") and ev.loc["E29", "date"] == pd.Timestamp(
        "2020-02-09"
    ), "03: seizures on 25 Nov 2019 and 9 Feb 2020"
    g = t["relations"]
    sp = g[(g.relation == "sponsors") & g.target_id.isin(["mek", "asmla", "jaish_al_adl"])]
    assert (sp.confidence == "low").all() and len(sp) > 0, (
        "04: every sponsorship tie to the militant groups is low confidence"
    )
    assert s.loc[13, "self_citation"] and s.loc[14, "self_citation"] and not s.loc[12, "self_citation"], (
        "04: fns 13 and 14 are self-citations, fn 12 is not"
    )
    assert pd.isna(ev.loc["C04", "disputed"]) and ev.loc["C03", "date"] == pd.Timestamp("2018-09-22"), (
        "04: Ahvaz on 22 Sep 2018; Jaish al-Adl attack undisputed"
    )
    assert ev.loc["E09", "date"] < ev.loc["E11", "date"] and s.loc[18, "issued"] == ev.loc["E13", "date"], (
        "04: meeting before Abqaiq; fn 18 dated like E13"
    )
    assert s.loc[16, "source_type"] == "opinion" and ev.loc["E22", "date"] == pd.Timestamp("2020-01-05"), (
        "04: fn 16 is opinion; Abdul Mahdi spoke on 5 Jan 2020"
    )
    assert r.loc["R030", "valid_to"] == pd.Timestamp("2020-01-03") and r.loc["R031", "valid_to"] == pd.Timestamp(
        "2020-01-03"
    ), "04: Iraqi mediation ties end on 3 Jan 2020"
    assert ev.loc["E08", "date"] == pd.Timestamp("2019-07-23") and s.loc[19, "self_citation"], (
        "04: Russian concept 23 Jul 2019; fn 19 self-citation"
    )
    assert "1997" in a.loc["qaani", "notes"], "03: Qaani Quds Force deputy from about 1997"


def test_round_two_prose_matches_the_data(tables: dict) -> None:
    """Sentences added in issue 13 (lessons 00-09) that state figures in words."""
    t = tables
    e, a = t["events"], t["actors"]
    ev = e.set_index("event_id")
    years = e["date"].dt.year
    share = ((years == 2019) | (years == 2020)).mean()
    assert 0.4 < share < 0.5, "00: 2019 and 2020 hold almost half the rows"
    idx = escalation.escalation_index(e, a, "us_camp", "iran_camp", start="2018-01-01", end="2020-02-29")
    worst = idx["goldstein_sum"].idxmin()
    assert worst == pd.Timestamp("2020-01-01") and idx.loc[worst, "events"] == 5, (
        "02: January 2020 is the most conflictual month, with five events"
    )
    ladder = ev.loc[["E04", "E40", "E42", "E43", "E47", "E24"]]
    months = [(d.to_period("M") - ev.loc["E02", "date"].to_period("M")).n for d in ladder["date"]]
    assert months[0] == 12 and months[4] == 18 and (ladder["goldstein"] == -5).all(), (
        "02: first step after 12 months, Fordow after 18, each step -5"
    )
    tones = {
        tone: escalation.escalation_index(e, a, "us_camp", "iran_camp", start="2018-01-01", end="2020-02-29", tone=tone)
        for tone in ("all", "conflict")
    }
    differ = tones["all"].index[tones["all"]["goldstein_sum"] != tones["conflict"]["goldstein_sum"]]
    assert list(differ) == [pd.Timestamp("2019-07-01"), pd.Timestamp("2019-10-01")], (
        "02: net and conflict-only differ only in July and October 2019"
    )
    cc = e[(e["strategy_id"] == "contain_confront") & (e["period"] == "article")]
    assert len(cc) == 7 and (cc["quad_class"] == 4).sum() == 4, "03: four of seven contain-and-confront events military"
    by_id = a.set_index("actor_id")
    coded = e.join(by_id[["alignment", "kind"]], on="source_actor_id").join(
        by_id["alignment"].rename("target_alignment"), on="target_actor_id"
    )
    iran = coded[
        (coded["alignment"] == "iran_camp")
        & (coded["target_alignment"] == "us_camp")
        & (coded["quad_class"] == 4)
        & (coded["period"] == "article")
    ]
    proxies = iran["kind"].isin(["militia", "militant_group"])
    assert (int(proxies.sum()), len(iran)) == (5, 7) and "E11" in set(iran.loc[proxies, "event_id"]), (
        "06: five of seven Iran-camp attacks by proxies, four if Abqaiq is Iran's"
    )
    later = {
        tone: escalation.escalation_index(e, a, "us_camp", "iran_camp", start="2020-03-01", tone=tone)
        for tone in ("all", "conflict", "cooperation")
    }
    per_year = {k: v.groupby(v.index.year)[["events", "goldstein_sum"]].sum() for k, v in later.items()}
    assert per_year["all"].loc[2025, "goldstein_sum"] > 0, "09: the net sum makes 2025 cooperative"
    assert per_year["conflict"].loc[2024, "events"] == 9 and per_year["conflict"].loc[2025, "events"] == 4, (
        "09: nine coded hostile acts in 2024, four in 2025"
    )
    assert per_year["cooperation"].loc[2025, "events"] == 8, "09: five talks, a visit and two ceasefires in 2025"
    rounds = ev.loc[["L50", "L52", "L53", "L55", "L56"]]
    assert (rounds["country_iso3"] == "OMN").sum() == 3 and (rounds["country_iso3"] == "ITA").sum() == 2, (
        "09: three rounds in Muscat, two in Rome"
    )
    assert ev.loc["L44", "source_actor_id"] == "pezeshkian" and "53.7%" in ev.loc["L44", "description"], (
        "09: Pezeshkian won 53.7% to 44.3%"
    )
    assert ev.loc["L29", "date"] == pd.Timestamp("2022-01-17") and ev.loc["L51", "date"] == pd.Timestamp(
        "2025-04-17"
    ), "09: Abu Dhabi strike January 2022; Saudi defence minister in Tehran April 2025"
