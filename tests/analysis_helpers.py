"""A small hand-made world for the analysis tests: few enough rows to compute every answer by hand.

The tables are written as CSV next to a copy of the real datapackage.json and read back with
``data.load_all``, so they carry exactly the dtypes the course data has (categoricals, nullable booleans,
datetimes) and the fixture itself is checked against the schema.

Hand-computed facts the tests rely on are stated next to the rows that produce them.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd

from brinkmanship import data

REPO = Path(__file__).resolve().parents[1]

ACTORS = [
    # actor_id, name, kind, alignment, country, parent, footnotes
    ("usa", "United States", "state", "us_camp", "USA", "", ""),
    ("irn", "Iran", "state", "iran_camp", "IRN", "", ""),
    ("irn_qf", "Quds Force", "armed_force", "iran_camp", "IRN", "irn", ""),
    ("kh", "Kataib Hezbollah", "militia", "iran_camp", "IRQ", "", ""),
    ("hzb", "Hezbollah", "militia", "iran_camp", "LBN", "", ""),
    ("houthis", "Houthis", "militant_group", "iran_camp", "YEM", "", ""),
    ("irq", "Iraq", "state", "mediator", "IRQ", "", ""),
    ("sau", "Saudi Arabia", "state", "us_camp", "SAU", "", ""),
    ("soleimani", "Soleimani", "official", "iran_camp", "IRN", "irn_qf", ""),
    ("qaani", "Qaani", "official", "iran_camp", "IRN", "", ""),
    ("expert_a", "Expert A", "expert", "other", "USA", "", "3"),
    ("expert_b", "Expert B", "expert", "other", "", "", "4;5"),
]

RELATIONS = [
    # relation_id, source, target, relation, valid_from, valid_to, support_types
    ("R001", "irn_qf", "kh", "sponsors", "2003-01-01", "", "arms;money"),
    ("R002", "kh", "irn_qf", "proxy_of", "", "", "training"),  # same pair as R001, other end
    ("R003", "irn", "hzb", "sponsors", "", "", ""),
    ("R004", "houthis", "irn", "proxy_of", "2015-03-01", "", ""),
    ("R005", "usa", "sau", "ally", "", "", ""),
    ("R006", "usa", "irn", "adversary", "", "", ""),
    ("R007", "irq", "sau", "mediates", "2019-06-01", "2020-01-03", ""),
    ("R008", "soleimani", "irn_qf", "commands", "", "2020-01-03", ""),
    ("R009", "qaani", "soleimani", "succeeds", "2020-01-03", "", ""),
    ("R010", "qaani", "irn_qf", "commands", "2020-01-03", "", ""),
]

SOURCES = [
    # footnote, source_type, issued, precision, self_citation, own_material, reliability, credibility
    (1, "own_writing", "2020-01-09", "day", True, True, "C", 3),
    (2, "news_report", "2020-02-21", "day", False, False, "B", 2),
    (3, "opinion", "2019-09-05", "day", False, False, "C", 3),
    (4, "think_tank", "2020-01-01", "month", False, False, "B", 2),  # January 2020: order vs killing unknown
    (5, "own_writing", "2020-01-09", "day", True, True, "C", 3),  # repeats fn 1 (argument.SAME_WORK)
    (6, "interview", "2019-10-30", "day", False, True, "F", 6),  # the author's own unpublished interview
]

CLAIMS = [
    # claim_id, kind, section, footnotes, outcome, outcome_event_ids
    ("T01", "thesis", "summary", "", "", ""),
    ("C01", "claim", "strategic_patience", "1", "", ""),
    ("C02", "claim", "mushrooming_risks", "2", "", ""),
    ("V01", "evidence", "strategic_patience", "5", "", ""),
    ("V02", "evidence", "mushrooming_risks", "3;4", "", ""),
    ("F01", "prediction", "conclusion", "", "held", "L01"),
    ("F02", "prediction", "multilateral", "6", "did_not_hold", "L02;L03"),
    ("O01", "objection", "mushrooming_risks", "2", "", ""),  # criticises fn2; its evidence is a URL
    ("P01", "premise", "mushrooming_risks", "", "", ""),  # no footnote anywhere beneath it
]

LINKS = [
    ("A001", "C01", "T01", "supports"),
    ("A002", "C02", "T01", "supports"),
    ("A003", "V01", "C01", "supports"),
    ("A004", "V02", "C02", "supports"),
    ("A005", "F01", "T01", "supports"),
    ("A006", "F02", "T01", "supports"),
    ("A007", "O01", "C02", "attacks"),
    ("A008", "V02", "F01", "supports"),
    ("A009", "P01", "C02", "supports"),
]

EVENTS = [
    ("E01", "2020-01-03", "article", "Killing near Baghdad airport", "usa", "irn", "186", "-10"),
    ("L01", "2020-03-11", "later", "Rocket attack on a base", "kh", "usa", "183", "-10"),
    ("L02", "2023-03-10", "later", "Deal brokered in Beijing", "sau", "irn", "057", "8"),
    ("L03", "2021-04-06", "later", "Indirect talks open", "irn", "usa", "046", "7"),
]

PUBLICATION = pd.Timestamp("2020-03-01")


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({f: row.get(f, "") for f in fields})


def write_mini_datasets(target: Path, edit: dict[str, list[dict]] | None = None) -> Path:
    """Write the mini world as a dataset folder; ``edit`` replaces whole tables (rows as dicts)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "datasets" / "datapackage.json", target / "datapackage.json")
    schema = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    fields = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in schema["resources"]}
    url = "https://example.org/check"
    tables: dict[str, list[dict]] = {
        "actors": [
            dict(
                actor_id=a,
                name=n,
                kind=k,
                alignment=al,
                country_iso3=c,
                parent_id=p,
                footnotes=fn,
                cameo_code="USAGOV",
                role_in_article="test actor",
            )
            for a, n, k, al, c, p, fn in ACTORS
        ],
        "relations": [
            dict(
                relation_id=r,
                source_id=s,
                target_id=t,
                relation=rel,
                valid_from=vf,
                valid_to=vt,
                support_types=st,
                evidence="test tie",
                confidence="high",
            )
            for r, s, t, rel, vf, vt, st in RELATIONS
        ],
        "sources": [
            dict(
                footnote=fn,
                csl_type="webpage",
                author="Dorsey, James M." if own else "Writer, A.",
                author_named_in_footnote="true",
                title=f"Work {fn}",
                container_title=f"Outlet {fn}",
                issued=issued,
                issued_precision=prec,
                source_type=st,
                self_citation=str(selfc).lower(),
                author_own_material=str(own).lower(),
                # codebook rule: a month-only date predates the killing only if the whole month is earlier
                predates_killing=str(_last_day(issued, prec) < pd.Timestamp("2020-01-03")).lower(),
                days_before_publication=(PUBLICATION - pd.Timestamp(issued)).days,
                reliability=rel,
                credibility=cred,
                admiralty_rationale="test grade",
                verification_status="confirmed",
            )
            for fn, st, issued, prec, selfc, own, rel, cred in SOURCES
        ],
        "claims": [
            dict(
                claim_id=c,
                kind=k,
                text=f"Paraphrase of {c}",
                article_section=s,
                footnotes=fn,
                outcome=o,
                outcome_event_ids=oe,
                outcome_note=f"Why {c} was judged so" if o else "",
                verification_url="https://example.org/objection" if k == "objection" else "",
            )
            for c, k, s, fn, o, oe in CLAIMS
        ],
        "claim_links": [dict(link_id=lid, from_claim=f, to_claim=t, relation=r) for lid, f, t, r in LINKS],
        "events": [
            dict(
                event_id=e,
                date=d,
                date_precision="day",
                period=p,
                in_article="true",
                title=title,
                description="test event",
                source_actor_id=s,
                target_actor_id=t,
                cameo_code=code,
                cameo_root=code[:2],
                quad_class=4 if int(code[:2]) >= 15 else 1,
                goldstein=g,
                location="somewhere",
                country_iso3="IRQ",
                theatre="iraq",
                verification_url=url,
                confidence="high",
            )
            for e, d, p, title, s, t, code, g in EVENTS
        ],
        "strategies": [],
    }
    tables.update(edit or {})
    for name, rows in tables.items():
        _write(target / f"{name}.csv", fields[name], rows)
    return target


def mini_tables(tmp_dir: Path) -> dict[str, pd.DataFrame]:
    """The mini world loaded through the course loader (validated against the real schema)."""
    return data.load_all(write_mini_datasets(tmp_dir))


def _last_day(issued: str, precision: str) -> pd.Timestamp:
    """Last day the date can stand for: the month's end for month-precision dates."""
    day = pd.Timestamp(issued)
    return day + pd.offsets.MonthEnd(0) if precision == "month" else day
