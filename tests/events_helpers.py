"""Small hand-made tables (synthetic, not course facts) whose filter and index results are worked out by hand.

They are typed from datasets/datapackage.json the way ``brinkmanship.data`` types the real tables (dates as
datetime64, enums as categoricals, integers as Int64, booleans as boolean), so the analysis code meets the
same dtypes as in the course.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from brinkmanship import data

SCHEMA = Path(__file__).resolve().parents[1] / "datasets" / "datapackage.json"

ACTORS = [
    # actor_id, name, kind, alignment, parent_id
    ("usa", "United States", "state", "us_camp", None),
    ("usa_mil", "US armed forces", "armed_force", "us_camp", "usa"),
    ("irn", "Iran", "state", "iran_camp", None),
    ("irn_irgc", "Revolutionary Guard", "armed_force", "iran_camp", "irn"),
    ("kh", "Militia K", "militia", "iran_camp", None),
    ("irq", "Iraq", "state", "mediator", None),
    ("rus", "Russia", "state", "outside_power", None),
]

EVENTS = [
    # id, date, date_end, precision, period, source, target, theatre, quad, goldstein, acled, title,
    # description, notes, disputed, footnotes
    (
        "E01",
        "2019-05-08",
        None,
        "day",
        "article",
        "irn",
        "usa",
        "iran",
        3,
        -4.0,
        None,
        "Alpha statement",
        "First synthetic event.",
        "mentions a tanker",
        None,
        "1;2",
    ),
    (
        "E02",
        "2019-05-20",
        None,
        "day",
        "article",
        "usa_mil",
        "irn_irgc",
        "gulf_waters",
        4,
        -7.2,
        "Strategic developments",
        "Bravo deployment",
        "Second synthetic event.",
        None,
        "Side X says one thing, side Y another.",
        "3",
    ),
    (
        "E03",
        "2019-06-13",
        "2019-06-14",
        "day",
        "article",
        "irn_irgc",
        None,
        "gulf_waters",
        4,
        -9.2,
        "Explosions/Remote violence",
        "Charlie tanker attack",
        "Third synthetic event.",
        None,
        None,
        None,
    ),
    (
        "E04",
        "2019-07-01",
        None,
        "day",
        "article",
        "kh",
        "usa",
        "iraq",
        4,
        -10.0,
        "Explosions/Remote violence",
        "Delta rocket fire",
        "Fourth synthetic event.",
        None,
        None,
        None,
    ),
    (
        "C01",
        "2018-01-15",
        None,
        "day",
        "context",
        "irq",
        "irn",
        "diplomatic",
        1,
        4.0,
        None,
        "Echo talks",
        "Fifth synthetic event.",
        None,
        None,
        None,
    ),
    (
        "L01",
        "2021-04-01",
        None,
        "month",
        "later",
        "usa",
        "irn",
        "diplomatic",
        1,
        4.0,
        None,
        "Foxtrot negotiations",
        "Sixth synthetic event.",
        None,
        None,
        None,
    ),
    (
        "E05",
        "2019-07-03",
        None,
        "day",
        "article",
        "irn",
        "usa",
        "diplomatic",
        3,
        -2.0,
        None,
        "Golf criticism",
        "Seventh synthetic event.",
        None,
        None,
        None,
    ),
]

SOURCES = [
    # footnote, title, container, issued, url
    (1, "Source one title", "Outlet One", "2019-05-09", "https://example.org/one"),
    (2, "Source two title", "Outlet Two", "2019-06-01", None),
    (3, "Source three title", "Outlet Three", "2019-05-21", "https://example.org/three"),
]


def typed(resource: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame with every schema column of ``resource``, typed exactly as brinkmanship.data types it."""
    return data.typed_frame(resource, rows, SCHEMA.parent)


def tiny_tables() -> dict[str, pd.DataFrame]:
    actors = typed(
        "actors",
        [
            {
                "actor_id": a,
                "name": n,
                "kind": k,
                "alignment": al,
                "parent_id": p,
                "cameo_code": "XXX",
                "role_in_article": "synthetic",
            }
            for a, n, k, al, p in ACTORS
        ],
    )
    events = typed(
        "events",
        [
            {
                "event_id": i,
                "date": d,
                "date_end": de,
                "date_precision": pr,
                "period": pe,
                "in_article": True,
                "title": t,
                "description": de_,
                "source_actor_id": s,
                "target_actor_id": tg,
                "cameo_code": "1900",
                "cameo_root": "19",
                "quad_class": q,
                "goldstein": g,
                "acled_event_type": ac,
                "location": "Somewhere",
                "country_iso3": "XXX",
                "theatre": th,
                "footnotes": fn,
                "notes": no,
                "disputed": di,
                "verification_url": f"https://example.org/{i}",
                "confidence": "high",
            }
            for i, d, de, pr, pe, s, tg, th, q, g, ac, t, de_, no, di, fn in EVENTS
        ],
    )
    sources = typed(
        "sources",
        [
            {"footnote": n, "title": t, "container_title": c, "issued": iss, "url": u, "csl_type": "webpage"}
            for n, t, c, iss, u in SOURCES
        ],
    )
    return {"events": events, "actors": actors, "sources": sources}
