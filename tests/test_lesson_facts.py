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
