"""The course datasets: schema validity, cross-references, and the facts the course teaches from them.

The expected figures below are hard-coded on purpose. They come from the course's fact-check files
(facts_figures.md, facts_report.md and domain_conventions.md, which live outside the repository and must
not be read at test time); each constant says which entry it mirrors. A wrong date or count in a CSV
must fail here.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict, deque
from pathlib import Path

import pandas as pd
import pytest

from brinkmanship import cameo, citations, data

# --- reference values (facts_figures.md / facts_report.md / domain_conventions.md) ------------------------

# domain_conventions.md section 2: Correlates of War state numbers.
COW = {
    "usa": 2,
    "irn": 630,
    "irq": 645,
    "syr": 652,
    "lbn": 660,
    "isr": 666,
    "sau": 670,
    "yem": 679,
    "are": 696,
    "ukr": 369,
    "gbr": 200,
    "fra": 220,
    "deu": 255,
    "rus": 365,
    "chn": 710,
}
# domain_conventions.md section 1: ACLED event types and their sub-event types.
ACLED = {
    "Battles": {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"},
    "Explosions/Remote violence": {
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Grenade",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
    },
    "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
    "Protests": {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"},
    "Riots": {"Violent demonstration", "Mob violence"},
    "Strategic developments": {
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    },
}
SELF_CITATIONS = {1, 5, 13, 14, 19}  # facts_figures.md C: footnotes by Dorsey himself (5 of 24)
OWN_MATERIAL = SELF_CITATIONS | {20}  # ... plus his own unpublished interview, fn 20
PUBLICATION = pd.Timestamp("2020-03-01")  # inferred publication month (event E35)
KILLING = pd.Timestamp("2020-01-03")
ARTICLE_START, ARTICLE_END = pd.Timestamp("2015-07-14"), pd.Timestamp("2020-03-31")

# facts_report.md "Where the article is disputed": event id -> words its `disputed` note must contain.
DISPUTED_EVENTS = {
    "E04": ["18 months", "mid-2019", "12 months"],  # inconsistent dating of Iran's switch
    "E05": ["Iran", "denied", "no culprit"],  # Fujairah attribution
    "E06": ["Iran", "denied", "Jask"],  # Gulf of Oman tankers: attribution and place
    "E07": ["airspace"],  # Global Hawk position
    "E08": ["permanent", "embed"],  # Russian proposal framing
    "E09": ["fn 18", "Tahnoun"],  # UAE outreach source mismatch
    "E11": ["Houthis", "Iran", "denied", "UK, France and Germany"],  # Abqaiq attribution (+ facts_report_more N06)
    "E13": ["fn 18"],
    "E15": ["November 2019", "February"],  # the two vessels' timing
    "E16": ["Kataib Hezbollah", "Islamic State"],  # K-1 attribution
    "E22": ["Single source", "Riyadh had denied"],  # Saudi-message claim
    "E29": ["November 2019"],
    "E30": ["missiles", "rockets"],  # 'missiles' vs rockets
    "E33": ["Riyadh", "Yanbu"],  # the Riyadh target
    "C03": ["ASMLA", "Islamic State"],  # Ahvaz claims
    "L11": ["18 April", "19 April"],  # Israeli strike date
    # facts_report_more.md "What could not be confirmed" and the supplement's notes
    "E53": ["midnight", "AP", "unclear"],  # N15: whether Iran's notice came before the launch
    "L25": ["Israel", "no claim"],  # N17: Fakhrizadeh, Israel blamed by Iran
    "L26": ["denied", "AFP"],  # N18: the first Baghdad round, denied by Riyadh at the time
    "L45": ["Israel", "no one claimed"],  # N37: Haniyeh
    "L54": ["Israel"],  # N46: the US-Houthi ceasefire did not cover attacks on Israel
}
# facts_report.md disputed/imprecise points -> words an objection claim must contain (any one objection).
OBJECTION_TOPICS = {
    "18 months": ["18 months", "mid-2019"],
    "Riyadh target": ["Riyadh", "Yanbu"],
    "missiles vs rockets": ["rockets", "missiles"],
    "two vessels": ["two vessels", "25 Nov 2019", "9 Feb 2020"],
    "UAE source mismatch": ["Tahnoun", "coast guard"],
    "Saudi message single source": ["Saudi-message", "caretaker prime minister"],
    "Abqaiq attribution": ["Abqaiq", "Houthis"],
    "K-1 attribution": ["K-1", "Islamic State"],
    "Ahvaz attribution": ["Ahvaz", "ASMLA"],
    "tanker attribution": ["Fujairah", "Iran denied"],
    "Russian proposal framing": ["permanent deployments", "embed"],
    "Mamedov out of time": ["Mamedov", "September 2019"],
    "Katz out of topic": ["Katz", "Turkey"],
    "Razavi out of topic": ["Razavi", "September 2019"],
    "Grigoryev unverifiable": ["Grigoryev", "unpublished"],
    "self-citation": ["Five of the 24", "fn 5"],
    "90 attacks": ["some 90", "self-citation"],
    "footnote details": ["fn 1", "fn 11", "fn 8", "fn 2"],
}


# --- helpers -----------------------------------------------------------------------------------------------


def _items(value: object) -> list[str]:
    return [] if pd.isna(value) or str(value) == "" else str(value).split(";")


def _reaches(target: str, links: pd.DataFrame) -> set[str]:
    """Claims with a path of links (supports or attacks) to `target`."""
    incoming: dict[str, list[str]] = defaultdict(list)
    for src, dst in zip(links["from_claim"], links["to_claim"], strict=True):
        incoming[str(dst)].append(str(src))
    seen, queue = {target}, deque([target])
    while queue:
        for src in incoming[queue.popleft()]:
            if src not in seen:
                seen.add(src)
                queue.append(src)
    return seen


def _schema(datasets_dir: Path) -> dict:
    return json.loads((datasets_dir / "datapackage.json").read_text(encoding="utf-8"))


# --- schema and references ------------------------------------------------------------------------------


def test_package_is_valid_frictionless(datasets_dir: Path) -> None:
    from frictionless import Package

    report = Package(str(datasets_dir / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]


def test_loader_finds_no_problem(datasets_dir: Path) -> None:
    assert data.validate(datasets_dir) == []


def test_every_list_reference_resolves(datasets_dir: Path) -> None:
    """Re-checks x-list-reference with plain csv, independently of brinkmanship.data."""
    schema = _schema(datasets_dir)
    tables = {
        r["name"]: list(csv.DictReader((datasets_dir / r["path"]).open(encoding="utf-8"))) for r in schema["resources"]
    }
    checked = 0
    for resource in schema["resources"]:
        for field in resource["schema"]["fields"]:
            ref = field.get("x-list-reference")
            if not ref:
                continue
            known = {row[ref["field"]] for row in tables[ref["resource"]]}
            for row in tables[resource["name"]]:
                for item in filter(None, row[field["name"]].split(ref["separator"])):
                    checked += 1
                    where = f"{resource['name']}.{field['name']}"
                    assert item in known, f"{where}: '{item}' not in {ref['resource']}"
    assert checked > 300


def test_every_foreign_key_resolves(datasets_dir: Path) -> None:
    schema = _schema(datasets_dir)
    tables = {
        r["name"]: list(csv.DictReader((datasets_dir / r["path"]).open(encoding="utf-8"))) for r in schema["resources"]
    }
    for resource in schema["resources"]:
        for fk in resource["schema"].get("foreignKeys", []):
            col, ref = fk["fields"][0], fk["reference"]
            known = {row[ref["fields"][0]] for row in tables[ref["resource"]]}
            bad = [row[col] for row in tables[resource["name"]] if row[col] and row[col] not in known]
            assert not bad, f"{resource['name']}.{col} -> {ref['resource']}: {bad}"


def test_ids_are_unique(tables: dict) -> None:
    keys = {
        "events": "event_id",
        "actors": "actor_id",
        "relations": "relation_id",
        "strategies": "strategy_id",
        "sources": "footnote",
        "claims": "claim_id",
        "claim_links": "link_id",
    }
    for name, key in keys.items():
        dupes = tables[name][key][tables[name][key].duplicated()].tolist()
        assert not dupes, f"{name}: duplicate {key} {dupes}"


def test_sizes(tables: dict) -> None:
    assert len(tables["events"]) >= 60
    assert len(tables["actors"]) >= 30
    assert len(tables["relations"]) >= 40
    assert len(tables["sources"]) == 24
    assert len(tables["claims"]) >= 40
    assert len(tables["strategies"]) >= 8


def test_readme_row_counts_match(tables: dict, datasets_dir: Path) -> None:
    text = (datasets_dir / "README.md").read_text(encoding="utf-8")
    for name, frame in tables.items():
        match = re.search(rf"^\| `{name}\.csv` \|[^\n]*\| (\d+) \|", text, re.M)
        assert match, f"README.md has no overview row for {name}.csv"
        assert int(match.group(1)) == len(frame), f"README.md says {match.group(1)} rows for {name}.csv"


def test_readme_documents_every_column(datasets_dir: Path) -> None:
    text = (datasets_dir / "README.md").read_text(encoding="utf-8")
    for resource in _schema(datasets_dir)["resources"]:
        section = text.split(f"### `{resource['path']}`", 1)
        assert len(section) == 2, f"README.md lacks a column section for {resource['path']}"
        body = section[1].split("\n### ", 1)[0]
        for field in resource["schema"]["fields"]:
            where = f"{resource['path']}:{field['name']}"
            assert f"| `{field['name']}` |" in body, f"README.md does not document {where}"


# --- events -----------------------------------------------------------------------------------------------


def test_fact_sheet_ids_all_present(tables: dict) -> None:
    ids = set(tables["events"]["event_id"])
    expected = (
        {f"E{i:02d}" for i in range(1, 36)} | {f"C{i:02d}" for i in range(1, 6)} | {f"L{i:02d}" for i in range(1, 21)}
    )
    assert expected <= ids


def test_period_matches_id_letter(tables: dict) -> None:
    ev = tables["events"]
    letter = ev["event_id"].str[0].map({"E": "article", "C": "context", "L": "later"})
    assert (letter == ev["period"].astype(str)).all()


def test_event_dates_inside_their_period(tables: dict) -> None:
    ev = tables["events"]
    for _, row in ev.iterrows():
        date, period = row["date"], row["period"]
        if period == "article":
            assert ARTICLE_START <= date <= ARTICLE_END, row["event_id"]
        elif period == "later":
            assert date > PUBLICATION, row["event_id"]
        else:  # context: older than the JCPOA, or parallel background the article does not use
            assert date < ARTICLE_START or (date <= ARTICLE_END and not row["in_article"]), row["event_id"]
        if pd.notna(row["date_end"]):
            assert row["date_end"] >= date, row["event_id"]


def test_month_precision_uses_day_one(tables: dict) -> None:
    ev = tables["events"]
    month = ev[ev["date_precision"] == "month"]
    assert len(month) >= 2
    assert (month["date"].dt.day == 1).all()


def test_in_article_events_cite_footnote_or_section(tables: dict) -> None:
    ev = tables["events"]
    used = ev[ev["in_article"]]
    bad = used[used["footnotes"].isna() & used["article_section"].isna()]["event_id"].tolist()
    assert not bad
    # and events the article does not use carry no section
    assert ev[~ev["in_article"]]["article_section"].isna().all()


def test_in_article_flags_follow_fact_sheet(tables: dict) -> None:
    # facts_report.md: 34 fact-sheet rows are in the article; E12, E24, C02-C05 and all L rows are not.
    ev = tables["events"].set_index("event_id")
    sheet = (
        [f"E{i:02d}" for i in range(1, 36)] + [f"C{i:02d}" for i in range(1, 6)] + [f"L{i:02d}" for i in range(1, 21)]
    )
    assert int(ev.loc[sheet, "in_article"].sum()) == 34
    assert not ev.loc[["E12", "E24", "C02", "C03", "C04", "C05"], "in_article"].any()


def test_cameo_root_and_quad_class_follow_code(tables: dict) -> None:
    ev = tables["events"]
    assert (ev["cameo_root"] == ev["cameo_code"].str[:2]).all()
    roots = ev["cameo_root"].astype(int)
    expected = pd.cut(roots, [0, 5, 9, 14, 20], labels=[1, 2, 3, 4]).astype(int)
    assert (ev["quad_class"].astype(int) == expected).all()
    assert ev["cameo_code"].str.fullmatch(r"\d{3,4}").all(), "CAMEO codes must keep their leading zeros"


def test_goldstein_matches_gdelt_table(tables: dict) -> None:
    ev = tables["events"]
    unknown = sorted(set(ev["cameo_code"]) - set(cameo.GOLDSTEIN))
    assert not unknown, f"CAMEO codes outside GDELT's Goldstein table: {unknown}"
    expected = ev["cameo_code"].map(cameo.GOLDSTEIN).astype(float)
    wrong = ev[ev["goldstein"] != expected]["event_id"].tolist()
    assert not wrong


def test_acled_sub_type_matches_type(tables: dict) -> None:
    ev = tables["events"]
    for _, row in ev.iterrows():
        etype, sub = row["acled_event_type"], row["acled_sub_event_type"]
        if pd.isna(etype):
            assert pd.isna(sub), row["event_id"]
        else:
            assert sub in ACLED[etype], f"{row['event_id']}: {sub!r} is not a sub-type of {etype!r}"
    assert ev["acled_event_type"].notna().sum() >= 25


def test_coordinates_come_in_pairs(tables: dict) -> None:
    ev = tables["events"]
    assert (ev["latitude"].isna() == ev["longitude"].isna()).all()


def test_key_dates_from_fact_sheet(tables: dict) -> None:
    ev = tables["events"].set_index("event_id")["date"].dt.strftime("%Y-%m-%d")
    expected = {
        "E01": "2015-07-14",
        "E02": "2018-05-08",
        "E04": "2019-05-08",
        "E05": "2019-05-12",
        "E06": "2019-06-13",
        "E07": "2019-06-20",
        "E08": "2019-07-23",
        "E09": "2019-07-30",
        "E11": "2019-09-14",
        "E14": "2019-10-28",
        "E15": "2019-11-25",
        "E16": "2019-12-27",
        "E17": "2019-12-29",
        "E18": "2019-12-31",
        "E19": "2020-01-03",
        "E21": "2020-01-03",
        "E26": "2020-01-08",
        "E27": "2020-01-08",
        "E29": "2020-02-09",
        "E30": "2020-02-16",
        "E33": "2020-02-21",
        "E34": "2020-02-21",
        "L01": "2020-03-11",
        "L07": "2023-03-10",
        "L14": "2024-12-08",
        "L16": "2025-06-22",
    }
    wrong = {k: (ev[k], v) for k, v in expected.items() if ev[k] != v}
    assert not wrong


def test_article_figures_held_in_events(tables: dict) -> None:
    ev = tables["events"].set_index("event_id")
    assert ev.loc["E27", "fatalities"] == 176  # facts_figures A3: PS752 dead
    assert ev.loc["E16", "fatalities"] == 1  # facts_figures A4: one US contractor at K-1
    # facts_figures A6: two Saudi oil facilities, Abqaiq and Khurais
    assert "Abqaiq and Khurais" in ev.loc["E11", "location"]
    # facts_figures A1/A2: the 19th attack since October, about 5,200 US troops
    assert "19th" in ev.loc["E30", "title"] and "5,200" in ev.loc["E30", "description"]
    # facts_figures A11: two vessels, seized 25 Nov 2019 and 9 Feb 2020
    assert ev.loc["E15", "footnotes"] == "11" and ev.loc["E29", "footnotes"] == "11"
    # facts_figures A5: the '18 months' is inconsistent: the first step came 12 months after the exit
    gap = (ev.loc["E04", "date"] - ev.loc["E02", "date"]).days
    assert gap == 365
    # fatalities only where reported: the Soleimani strike's total is not in the sources
    assert pd.isna(ev.loc["E19", "fatalities"])


@pytest.mark.parametrize(("event_id", "words"), sorted(DISPUTED_EVENTS.items()))
def test_disputed_points_recorded_on_events(tables: dict, event_id: str, words: list[str]) -> None:
    note = tables["events"].set_index("event_id").loc[event_id, "disputed"]
    assert pd.notna(note), f"{event_id} has no disputed note"
    for word in words:
        assert word.lower() in str(note).lower(), f"{event_id} disputed note lacks '{word}'"


def test_unattributed_attacks_use_placeholder_actor(tables: dict) -> None:
    ev = tables["events"].set_index("event_id")
    for eid in ("E05", "E06", "C03"):
        assert ev.loc[eid, "source_actor_id"] == "unattributed"


# --- actors and relations ---------------------------------------------------------------------------------


def test_states_carry_cow_codes_from_conventions(tables: dict) -> None:
    ac = tables["actors"].set_index("actor_id")
    for actor, cow in COW.items():
        assert ac.loc[actor, "kind"] == "state"
        assert ac.loc[actor, "cow_code"] == cow, actor
    others = ac[(ac["kind"] != "state")]
    assert others["cow_code"].isna().all()
    states = ac[ac["kind"] == "state"]
    assert (states["cameo_code"] == states["country_iso3"]).all()


def test_actor_kinds_cover_the_cast(tables: dict) -> None:
    ac = tables["actors"].set_index("actor_id")
    for actor in ("irn_irgc", "irn_irgc_qf", "us_navy"):
        assert ac.loc[actor, "kind"] == "armed_force"
    for actor in ("kh", "pmf", "houthis", "islamic_resistance_iraq"):
        assert ac.loc[actor, "kind"] == "militia"
    for actor in ("eisenstadt", "grigoryev", "katz", "mamedov", "razavi", "dorsey"):
        assert ac.loc[actor, "kind"] == "expert"
    assert ac.loc["kh", "cameo_code"] == "IRQUAF"
    assert ac.loc["irn_irgc", "cameo_code"] == "IRNMIL"


def test_succession_and_command_dated(tables: dict) -> None:
    rel = tables["relations"]

    def one(src: str, kind: str, dst: str) -> pd.Series:
        rows = rel[(rel["source_id"] == src) & (rel["relation"] == kind) & (rel["target_id"] == dst)]
        assert len(rows) == 1, (src, kind, dst)
        return rows.iloc[0]

    assert one("qaani", "succeeds", "soleimani")["valid_from"] == KILLING
    assert one("soleimani", "commands", "irn_irgc_qf")["valid_to"] == KILLING
    assert one("muhandis", "commands", "kh")["valid_to"] == KILLING
    assert one("chn", "mediates", "sau")["valid_from"] == pd.Timestamp("2023-03-10")
    assert len(rel[(rel["source_id"] == "irq") & (rel["relation"] == "mediates")]) >= 2
    assert set(rel["relation"].astype(str)) == {
        "sponsors",
        "proxy_of",
        "ally",
        "adversary",
        "mediates",
        "commands",
        "succeeds",
        "member_of",
    }


def test_relations_have_dates_in_order(tables: dict) -> None:
    rel = tables["relations"]
    both = rel.dropna(subset=["valid_from", "valid_to"])
    assert (both["valid_from"] <= both["valid_to"]).all()


# --- strategies --------------------------------------------------------------------------------------------


def test_strategies_named_in_brief_exist(tables: dict) -> None:
    ids = set(tables["strategies"]["strategy_id"])
    assert {
        "strategic_patience",
        "calibrated_escalation",
        "maximum_pressure",
        "asymmetric_proxy_warfare",
        "destabilisation_militants",
        "multilateral_security",
        "contain_confront",
        "regime_change",
    } <= ids


def test_strategic_patience_dating_problem_recorded(tables: dict) -> None:
    st = tables["strategies"].set_index("strategy_id")
    note = st.loc["strategic_patience", "notes"]
    for word in ("18 months", "mid-2019", "8 May 2019"):
        assert word in note
    assert st.loc["strategic_patience", "period_end"] == pd.Timestamp("2019-05-08")
    assert st.loc["calibrated_escalation", "period_start"] == pd.Timestamp("2019-05-08")


def test_every_strategy_is_used_by_events_or_documented(tables: dict) -> None:
    used = set(tables["events"]["strategy_id"].dropna())
    st = tables["strategies"].set_index("strategy_id")
    assert used <= set(st.index)
    assert len(used) >= 7
    # a strategy no event signals must say why in its notes (coding rule 8: no tag without a source)
    for strategy_id in set(st.index) - used:
        note = str(st.loc[strategy_id, "notes"])
        assert "No event" in note or "no event" in note, f"{strategy_id}: unused and unexplained"
    assert "destabilisation_militants" not in used  # no source ties an attack to US/Saudi backing


# --- sources -----------------------------------------------------------------------------------------------


def test_all_24_footnotes(tables: dict) -> None:
    src = tables["sources"]
    assert sorted(src["footnote"].tolist()) == list(range(1, 25))


def test_self_citations(tables: dict) -> None:
    src = tables["sources"].set_index("footnote")
    assert set(src.index[src["self_citation"]]) == SELF_CITATIONS  # facts_figures C: 5 of 24
    assert set(src.index[src["author_own_material"]]) == OWN_MATERIAL
    assert src.loc[5, "self_citation"] and not src.loc[5, "author_named_in_footnote"]
    assert src["author_named_in_footnote"].sum() == 23
    assert (src.loc[list(SELF_CITATIONS), "source_type"] == "own_writing").all()


def test_source_dates(tables: dict) -> None:
    src = tables["sources"].set_index("footnote")
    assert src["issued"].min() == pd.Timestamp("2017-05-05") and src["issued"].idxmin() == 14
    assert src["issued"].max() == pd.Timestamp("2020-02-21")
    assert set(src.index[src["issued"] == src["issued"].max()]) == {2, 3, 8}
    assert src.loc[20, "issued"] == pd.Timestamp("2019-10-30") and src.loc[20, "source_type"] == "interview"
    assert src.loc[11, "issued"] == pd.Timestamp("2020-02-20")  # as the footnote gives it; URL says 19 Feb
    assert src.loc[6, "issued_precision"] == "month"


def test_days_before_publication_and_predates_killing(tables: dict) -> None:
    src = tables["sources"]
    assert ((PUBLICATION - src["issued"]).dt.days == src["days_before_publication"]).all()
    # the last possible day of the period the date names must fall before the killing (a month-only date
    # counts as the whole month: footnote 6, January 2020, does not predate 3 Jan 2020)
    last_day = src["issued"].where(src["issued_precision"] == "day", src["issued"] + pd.offsets.MonthEnd(0))
    assert (src["predates_killing"] == (last_day < KILLING)).all()
    # facts_report.md: the Mamedov (22), Razavi (24), Katz (21) and Grigoryev (20) material predates the killing
    quoted_experts = {20, 21, 22, 24}
    assert quoted_experts <= set(src.loc[src["predates_killing"], "footnote"])
    assert not src.set_index("footnote").loc[6, "predates_killing"]
    assert src.set_index("footnote").loc[14, "days_before_publication"] == 1031


def test_footnote_mismatches_noted(tables: dict) -> None:
    src = tables["sources"].set_index("footnote")
    assert "8 Jan" in src.loc[1, "verification_note"]
    assert "20 Feb" in src.loc[2, "verification_note"]
    assert "Title mismatch" in src.loc[8, "verification_note"]
    assert "19 Feb" in src.loc[11, "verification_note"]
    assert src.loc[20, "verification_status"] == "unverifiable"
    assert src.loc[20, "reliability"] == "F" and src.loc[20, "credibility"] == 6


def test_claims_supported_matches_claim_footnotes(tables: dict) -> None:
    """sources.claims_supported is the inverse of claims.footnotes (objections excluded)."""
    cl = tables["claims"]
    expected: dict[int, set[str]] = defaultdict(set)
    for _, row in cl[cl["kind"] != "objection"].iterrows():
        for fn in _items(row["footnotes"]):
            expected[int(fn)].add(row["claim_id"])
    for _, row in tables["sources"].iterrows():
        assert set(_items(row["claims_supported"])) == expected[int(row["footnote"])], row["footnote"]


def test_citation_files_are_fresh(datasets_dir: Path, tables: dict, tmp_path: Path) -> None:
    committed_json = json.loads((datasets_dir / citations.JSON_FILE).read_text(encoding="utf-8"))
    assert committed_json == citations.to_csl_json(tables["sources"])
    committed_bib = (datasets_dir / citations.BIB_FILE).read_text(encoding="utf-8")
    assert committed_bib == citations.to_bibtex(tables["sources"])


def test_csl_json_shape(tables: dict) -> None:
    items = citations.to_csl_json(tables["sources"])
    assert [i["id"] for i in items] == [f"fn{n:02d}" for n in range(1, 25)]
    allowed = {"id", "type", "title", "container-title", "issued", "author", "publisher", "URL", "note", "custom"}
    for item in items:
        assert set(item) <= allowed
        assert item["custom"]["admiralty"][0] in "ABCDEF" and item["custom"]["admiralty"][1] in "123456"
    assert items[13]["issued"] == {"date-parts": [[2017, 5, 5]]}
    assert items[5]["issued"] == {"date-parts": [[2020, 1]]}  # fn 6, month precision
    assert "URL" not in items[19]  # unpublished interview


def test_bibtex_escapes_and_rejects_bad_input(tables: dict) -> None:
    frame = tables["sources"].head(1).copy()
    frame["title"] = "50% & more_{x}"
    bib = citations.to_bibtex(frame)
    assert r"50\% \& more\_\{x\}" in bib
    with pytest.raises(ValueError, match="issued"):
        citations.to_csl_json(tables["sources"].drop(columns=["issued"]))
    broken = tables["sources"].head(1).copy()
    broken["issued"] = pd.NaT
    with pytest.raises(ValueError, match="footnote 1"):
        citations.to_csl_json(broken)


def test_write_citation_files_roundtrip(datasets_dir: Path, tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "datasets"
    shutil.copytree(datasets_dir, target)
    (target / citations.JSON_FILE).unlink()
    json_path, bib_path = citations.write_citation_files(target)
    for fresh in (json_path, bib_path):
        committed = datasets_dir / fresh.name
        assert fresh.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")


# --- argument map ------------------------------------------------------------------------------------------


def test_one_thesis_and_kinds_match_ids(tables: dict) -> None:
    cl = tables["claims"]
    assert cl[cl["kind"] == "thesis"]["claim_id"].tolist() == ["T01"]
    prefix = {"thesis": "T", "claim": "C", "premise": "P", "evidence": "V", "prediction": "F", "objection": "O"}
    assert (cl["claim_id"].str[0] == cl["kind"].astype(str).map(prefix)).all()


def test_link_directions(tables: dict) -> None:
    cl = tables["claims"].set_index("claim_id")
    links = tables["claim_links"]
    kind = links["from_claim"].map(cl["kind"].astype(str))
    assert (links.loc[kind == "objection", "relation"] == "attacks").all()
    assert (links.loc[kind == "evidence", "relation"] == "supports").all()
    sources_of = set(links["from_claim"])
    for cid, k in cl["kind"].items():
        if k in ("objection", "evidence", "claim", "premise", "prediction"):
            assert cid in sources_of, f"{cid} ({k}) links to nothing"
    assert not (links["from_claim"] == links["to_claim"]).any()


def test_everything_reaches_thesis(tables: dict) -> None:
    reached = _reaches("T01", tables["claim_links"])
    missing = sorted(set(tables["claims"]["claim_id"]) - reached)
    assert not missing


def test_reachability_helper_detects_orphans() -> None:
    links = pd.DataFrame({"from_claim": ["C01", "V01", "O01"], "to_claim": ["T01", "C01", "X99"]})
    assert _reaches("T01", links) == {"T01", "C01", "V01"}


def test_evidence_ties_to_events_or_footnotes(tables: dict) -> None:
    cl = tables["claims"]
    ev = cl[cl["kind"] == "evidence"]
    assert (ev["footnotes"].notna() | ev["event_ids"].notna()).all()


def test_predictions_have_outcomes_decided_by_later_events(tables: dict) -> None:
    cl = tables["claims"]
    pred = cl[cl["kind"] == "prediction"]
    assert len(pred) >= 6
    assert pred["outcome"].notna().all() and pred["outcome_note"].notna().all()
    assert pred["verification_url"].notna().all()
    for _, row in pred.iterrows():
        ids = _items(row["outcome_event_ids"])
        assert ids and all(i.startswith("L") for i in ids), row["claim_id"]
        sides = set(_items(row["evidence_for"])) | set(_items(row["evidence_against"]))
        assert sides <= set(ids), f"{row['claim_id']}: evidence for/against must be among outcome_event_ids"
    others = cl[cl["kind"] != "prediction"]
    assert others["outcome"].isna().all() and others["outcome_event_ids"].isna().all()
    assert others["evidence_for"].isna().all() and others["evidence_against"].isna().all()
    # facts_report.md "How the forecasts held up", revised by facts_report_more.md "Forecast section"
    outcome = pred.set_index("claim_id")["outcome"].astype(str)
    assert outcome["F01"] == "held"  # proxy pressure continued (Camp Taji, Tower 22)
    assert outcome["F02"] == "partly_held"  # Vienna 2021-22 and five Oman-mediated rounds in 2025, no deal
    assert outcome["F03"] == "partly_held"  # Raisi 2021 and the 2024 Majlis, but Pezeshkian won in July 2024
    assert outcome["F04"] == "did_not_hold"  # bilateral China-brokered deal, not a Russian-style framework
    assert outcome["F06"] == "not_testable"  # Afghanistan premise vanished in 2021; absence proves nothing
    assert outcome["F08"] == "did_not_hold"  # Assad fell


def test_objections_have_urls_and_attack(tables: dict) -> None:
    cl = tables["claims"]
    obj = cl[cl["kind"] == "objection"]
    assert obj["verification_url"].notna().all()
    attackers = set(tables["claim_links"].query("relation == 'attacks'")["from_claim"])
    assert set(obj["claim_id"]) <= attackers


@pytest.mark.parametrize(("topic", "words"), sorted(OBJECTION_TOPICS.items()))
def test_disputed_points_have_objections(tables: dict, topic: str, words: list[str]) -> None:
    obj = tables["claims"].query("kind == 'objection'")
    hits = [t for t in obj["text"] if all(w.lower() in t.lower() for w in words)]
    assert hits, f"no objection covers '{topic}' (looked for {words})"
