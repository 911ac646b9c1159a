"""Footnote analysis: what kinds of sources the article uses, how old they were, whose they were.

The article was written weeks after the killing of Qassem Soleimani (2020-01-03) and argues about what
follows from it. A source written before the killing cannot report on its aftermath, and a claim resting
only on the author's own earlier writing has no outside check. These helpers make both visible, and give
the Admiralty grading (source reliability A-F, information credibility 1-6) a validated form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
from matplotlib.figure import Figure

from brinkmanship.argument import claim_support
from brinkmanship.data import split_list
from brinkmanship.style import OKABE_ITO, set_accessible

__all__ = [
    "AUTHOR_ID",
    "CREDIBILITY",
    "KILLING_DATE",
    "PUBLICATION_DATE",
    "RELIABILITY",
    "SOURCE_TYPES",
    "TYPE_COLOURS",
    "admiralty_code",
    "admiralty_grades",
    "admiralty_matrix",
    "check_source_ages",
    "counts_by_type",
    "experts_before_killing",
    "footnote_counts",
    "footnote_table",
    "own_work_only_claims",
    "parse_admiralty",
    "self_citation",
    "self_citation_note",
    "source_age_figure",
    "source_ages",
    "sources_predating_killing",
]

# Soleimani and al-Muhandis were killed near Baghdad airport on 3 Jan 2020 (local date; events.csv).
KILLING_DATE = pd.Timestamp("2020-01-03")
# First day of the month the article is inferred to have appeared (events.csv E35, low confidence);
# sources.days_before_publication is counted to this day.
PUBLICATION_DATE = pd.Timestamp("2020-03-01")
# The article's author as an actor id in actors.csv (kind expert).
AUTHOR_ID = "dorsey"
SOURCE_TYPES: tuple[str, ...] = ("news_report", "opinion", "think_tank", "own_writing", "interview", "social_media")
RELIABILITY: dict[str, str] = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY: dict[int, str] = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}
_TYPE_STYLE: dict[str, tuple[str, str]] = {  # colour and marker: the type is never told by colour alone
    "news_report": (OKABE_ITO["blue"], "o"),
    "opinion": (OKABE_ITO["orange"], "s"),
    "think_tank": (OKABE_ITO["bluish_green"], "^"),
    "own_writing": (OKABE_ITO["vermillion"], "D"),
    "interview": (OKABE_ITO["reddish_purple"], "P"),
    "social_media": (OKABE_ITO["sky_blue"], "v"),
}
# the colour of each source type in every footnote figure
TYPE_COLOURS: dict[str, str] = {kind: colour for kind, (colour, _) in _TYPE_STYLE.items()}


def _require(frame: pd.DataFrame, columns: tuple[str, ...], table: str = "sources") -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {table} table lacks column(s) {', '.join(missing)}")


# ---------------------------------------------------------------------------------------------------------
# counts and self-citation


def counts_by_type(sources: pd.DataFrame) -> pd.DataFrame:
    """Footnotes per source type (all six types listed, zeros included), with share and footnote numbers."""
    _require(sources, ("footnote", "source_type"))
    kinds = sources["source_type"].astype(str)
    unknown = sorted(set(kinds) - set(SOURCE_TYPES))
    if unknown:
        raise ValueError(f"unknown source_type value(s) {', '.join(unknown)} in sources")
    total = len(sources)
    rows = []
    for kind in SOURCE_TYPES:
        fns = sorted(int(f) for f in sources.loc[kinds == kind, "footnote"])
        rows.append(
            {
                "source_type": kind,
                "n_footnotes": len(fns),
                "share": len(fns) / total if total else float("nan"),
                "footnotes": fns,
            }
        )
    return pd.DataFrame(rows).set_index("source_type")


def self_citation(sources: pd.DataFrame) -> pd.DataFrame:
    """Two measures of reliance on the author's own work, by footnote.

    ``self_citation`` counts his published writing only; ``author_own_material`` adds material only he
    holds (the unpublished interview of fn 20), which a reader can check even less.
    """
    _require(sources, ("footnote", "self_citation", "author_own_material"))
    total = len(sources)
    rows = []
    for column, label in (
        ("self_citation", "the author's own published writing"),
        ("author_own_material", "the author's own material (writing or interview)"),
    ):
        flag = sources[column].astype("boolean").fillna(False).astype(bool)
        fns = sorted(int(f) for f in sources.loc[flag, "footnote"])
        rows.append(
            {
                "measure": column,
                "label": label,
                "n": len(fns),
                "total": total,
                "share": len(fns) / total if total else float("nan"),
                "footnotes": fns,
            }
        )
    return pd.DataFrame(rows).set_index("measure")


def self_citation_note(sources: pd.DataFrame) -> str:
    """One sentence on self-citation, built from the data, saying what the interview footnote(s) add."""
    table = self_citation(sources)
    written, own = table.loc["self_citation"], table.loc["author_own_material"]
    added = sorted(set(own["footnotes"]) - set(written["footnotes"]))
    text = (
        f"{written['n']} of {written['total']} footnotes ({written['share']:.0%}) cite the author's own "
        f"published writing (fn {', '.join(map(str, written['footnotes']))})."
    )
    if added:
        text += (
            f" Counting material only he holds (fn {', '.join(map(str, added))}) as his own raises it "
            f"to {own['n']} of {own['total']} ({own['share']:.0%})."
        )
    return text


# ---------------------------------------------------------------------------------------------------------
# ages


def source_ages(
    sources: pd.DataFrame, publication: object = PUBLICATION_DATE, killing: object = KILLING_DATE
) -> pd.DataFrame:
    """Per footnote: days before the (inferred) publication and days before the killing (negative = after).

    ``predates_killing`` is recomputed from ``issued`` with the codebook's rule: a month-precision date
    predates the killing only if the whole month is earlier (the last day of the month is compared), so a
    source dated "January 2020" does not count. ``killing_order_certain`` is False when a month-precision
    date falls in the killing's own month, where the order cannot be told.
    """
    _require(sources, ("footnote", "source_type", "issued", "issued_precision"))
    pub, kill = pd.Timestamp(publication), pd.Timestamp(killing)
    issued = pd.to_datetime(sources["issued"], errors="coerce")
    bad = sources.loc[issued.isna(), "footnote"].tolist()
    if bad:
        raise ValueError(f"sources: footnote(s) {', '.join(map(str, bad))} have no readable 'issued' date")
    precision = sources["issued_precision"].astype(str)
    same_month = (issued.dt.year == kill.year) & (issued.dt.month == kill.month)
    last_possible_day = issued.where(precision != "month", issued + pd.offsets.MonthEnd(0))
    out = pd.DataFrame(
        {
            "footnote": sources["footnote"].astype(int).to_numpy(),
            "source_type": sources["source_type"].astype(str).to_numpy(),
            "issued": issued.to_numpy(),
            "issued_precision": precision.to_numpy(),
            "days_before_publication": (pub - issued).dt.days.to_numpy(),
            "days_before_killing": (kill - issued).dt.days.to_numpy(),
            "predates_killing": (last_possible_day < kill).to_numpy(),
            "killing_order_certain": ~((precision == "month") & same_month).to_numpy(),
        }
    )
    if "author_own_material" in sources:
        out["author_own_material"] = sources["author_own_material"].astype("boolean").fillna(False).to_numpy()
    return out.set_index("footnote")


def check_source_ages(sources: pd.DataFrame) -> list[str]:
    """Rows where the recorded ``days_before_publication`` or ``predates_killing`` disagree with ``issued``.

    Empty when the table is consistent; the data tests use it so an edited date cannot leave stale ages.
    """
    ages = source_ages(sources)
    problems = []
    recorded = sources.set_index(sources["footnote"].astype(int))
    for fn, row in ages.iterrows():
        if "days_before_publication" in recorded:
            rec = recorded.at[fn, "days_before_publication"]
            if pd.notna(rec) and int(rec) != int(row["days_before_publication"]):
                problems.append(
                    f"fn {fn}: days_before_publication is {rec} but issued "
                    f"{row['issued']:%Y-%m-%d} gives {row['days_before_publication']}"
                )
        if "predates_killing" in recorded:
            rec = recorded.at[fn, "predates_killing"]
            if pd.notna(rec) and bool(rec) != bool(row["predates_killing"]):
                problems.append(f"fn {fn}: predates_killing is {rec} but issued {row['issued']:%Y-%m-%d}")
    return problems


def sources_predating_killing(sources: pd.DataFrame) -> pd.DataFrame:
    """Footnotes published (or, for the interview, held) before the killing, oldest first."""
    ages = source_ages(sources)
    return ages[ages["predates_killing"]].sort_values(["issued"])


def own_work_only_claims(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Claims whose every footnote, own or inherited from supporting claims, is the author's own material."""
    support = claim_support(tables)
    claims = tables["claims"].set_index(tables["claims"]["claim_id"].astype(str))
    out = support[support["own_work_only"]].copy()
    out.insert(0, "text", claims.loc[out.index, "text"].astype(str))
    return out[["text", "kind", "article_section", "footnotes", "n_sources", "single_source"]]


def experts_before_killing(tables: Mapping[str, pd.DataFrame], author_id: str | None = AUTHOR_ID) -> pd.DataFrame:
    """Experts (actors of kind ``expert``) and the footnotes quoting them, with how long before the killing.

    Answers: were the experts the article uses on the post-killing situation speaking about it? The
    article's author is also an ``expert`` actor, linked to his own writing; he is left out (``author_id``)
    because citing oneself is not quoting an expert (see :func:`self_citation`).
    """
    for name in ("actors", "sources"):
        if name not in tables:
            raise ValueError(f"tables has no '{name}' table")
    actors, sources = tables["actors"], tables["sources"]
    experts = actors[(actors["kind"].astype(str) == "expert") & (actors["actor_id"].astype(str) != author_id)]
    ages = source_ages(sources)
    rows = []
    for (_, actor), fns in zip(experts.iterrows(), split_list(experts["footnotes"]), strict=True):
        for fn in fns:
            fn_int = int(fn)
            if fn_int not in ages.index:
                raise ValueError(f"actor {actor['actor_id']} names footnote {fn}, which is not in sources")
            age = ages.loc[fn_int]
            rows.append(
                {
                    "actor_id": str(actor["actor_id"]),
                    "name": str(actor["name"]),
                    "footnote": fn_int,
                    "source_type": age["source_type"],
                    "issued": age["issued"],
                    "days_before_killing": int(age["days_before_killing"]),
                    "predates_killing": bool(age["predates_killing"]),
                    "killing_order_certain": bool(age["killing_order_certain"]),
                }
            )
    columns = [
        "actor_id",
        "name",
        "footnote",
        "source_type",
        "issued",
        "days_before_killing",
        "predates_killing",
        "killing_order_certain",
    ]
    return pd.DataFrame(rows, columns=columns).sort_values(["issued", "actor_id"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------
# Admiralty grades


def admiralty_code(reliability: object, credibility: object) -> str:
    """The two Admiralty grades written together, e.g. ``admiralty_code("B", 2) == "B2"``.

    The grades are judged independently (a reliable source can pass on doubtful information), so both are
    required and checked: reliability one letter A-F, credibility a whole number 1-6.
    """
    if not isinstance(reliability, str) or reliability.strip().upper() not in RELIABILITY:
        raise ValueError(f"reliability must be one letter A-F (source reliability), got {reliability!r}")
    if isinstance(credibility, bool):
        raise ValueError(f"credibility must be a whole number 1-6, got {credibility!r}")
    if isinstance(credibility, str) and credibility.strip().isdigit():
        credibility = int(credibility.strip())
    if isinstance(credibility, float) and credibility.is_integer():
        credibility = int(credibility)
    if not isinstance(credibility, int) or credibility not in CREDIBILITY:
        raise ValueError(f"credibility must be a whole number 1-6 (information credibility), got {credibility!r}")
    return f"{reliability.strip().upper()}{credibility}"


def parse_admiralty(code: str) -> tuple[str, int]:
    """``"B2"`` -> ``("B", 2)``, with the same checks as :func:`admiralty_code`."""
    if not isinstance(code, str) or len(code.strip()) != 2:
        raise ValueError(f"an Admiralty code is one letter A-F and one digit 1-6, like 'B2'; got {code!r}")
    code = code.strip()
    admiralty_code(code[0], code[1])
    return code[0].upper(), int(code[1])


def admiralty_grades(sources: pd.DataFrame) -> pd.DataFrame:
    """Per footnote: the code and what its two parts mean. A bad grade raises naming the footnote."""
    _require(sources, ("footnote", "reliability", "credibility"))
    rows = []
    for fn, rel, cred in zip(sources["footnote"], sources["reliability"], sources["credibility"], strict=True):
        try:
            code = admiralty_code(None if pd.isna(rel) else str(rel), None if pd.isna(cred) else int(cred))
        except ValueError as exc:
            raise ValueError(f"sources, footnote {fn}: {exc}") from None
        rows.append(
            {
                "footnote": int(fn),
                "code": code,
                "reliability": code[0],
                "reliability_meaning": RELIABILITY[code[0]],
                "credibility": int(code[1]),
                "credibility_meaning": CREDIBILITY[int(code[1])],
            }
        )
    return pd.DataFrame(rows).set_index("footnote")


def admiralty_matrix(sources: pd.DataFrame) -> pd.DataFrame:
    """Footnote counts on the full 6 x 6 Admiralty grid (reliability rows, credibility columns)."""
    grades = admiralty_grades(sources)
    grid = pd.crosstab(
        pd.Categorical(grades["reliability"], categories=list(RELIABILITY)),
        pd.Categorical(grades["credibility"], categories=list(CREDIBILITY)),
        dropna=False,
    )
    grid.index.name, grid.columns.name = "reliability", "credibility"
    return grid.astype("int64")


def footnote_table(sources: pd.DataFrame, footnotes: Iterable[int]) -> pd.DataFrame:
    """The cited works behind some footnotes with the course's checks: type, own work, grade, verification."""
    wanted = [int(f) for f in footnotes]
    unknown = sorted(set(wanted) - set(sources["footnote"].astype(int)))
    if unknown:
        raise KeyError(f"no footnote(s) {unknown} in sources.csv (the article has 1-24)")
    rows = sources[sources["footnote"].isin(wanted)].copy()
    rows["admiralty"] = [
        admiralty_code(str(r), int(c)) for r, c in zip(rows["reliability"], rows["credibility"], strict=True)
    ]
    rows["author"] = rows["author"].astype("string").str.replace(";", "; ", regex=False)
    columns = [
        "footnote",
        "author",
        "title",
        "container_title",
        "issued",
        "source_type",
        "self_citation",
        "admiralty",
        "verification_status",
    ]
    return rows[columns].sort_values("footnote").reset_index(drop=True)


def footnote_counts(events: pd.DataFrame) -> pd.Series:
    """How many events each footnote is attached to (footnotes as ints, most-used first, ties by number)."""
    exploded = split_list(events["footnotes"]).explode().dropna().astype(int)
    counts = exploded.value_counts()
    return counts.sort_index().sort_values(ascending=False, kind="stable").rename("events")


# ---------------------------------------------------------------------------------------------------------
# figure


def source_age_figure(sources: pd.DataFrame, fig: Figure | None = None) -> Figure:
    """Each footnote on a time line of its publication date, by type, with the killing and the
    (inferred) publication marked, so the share of pre-killing sources can be seen at a glance.
    """
    ages = source_ages(sources)
    if fig is None:
        fig = Figure(figsize=(8, 5.5))
    fig.clear()
    ax = fig.add_subplot(1, 1, 1)
    for kind in SOURCE_TYPES:
        part = ages[ages["source_type"] == kind]
        if part.empty:
            continue
        colour, marker = _TYPE_STYLE[kind]
        ax.scatter(
            part["issued"],
            part.index,
            color=colour,
            marker=marker,
            s=60,
            edgecolors="black",
            linewidths=0.6,
            label=kind.replace("_", " "),
            zorder=3,
        )
    ax.axvline(
        KILLING_DATE, color=OKABE_ITO["black"], linestyle="--", linewidth=1.2, label="killing of Soleimani, 2020-01-03"
    )
    ax.axvline(
        PUBLICATION_DATE,
        color=OKABE_ITO["grey"],
        linestyle=":",
        linewidth=1.5,
        label="publication (inferred), March 2020",
    )
    ax.set_yticks(list(ages.index))
    ax.set_yticklabels([f"fn {fn}" for fn in ages.index], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("date the cited source was published (or the interview held)")
    ax.set_ylabel("footnote")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower left", fontsize=7, frameon=True)
    before = int(ages["predates_killing"].sum())
    unsure = int((~ages["killing_order_certain"]).sum())
    oldest = ages["issued"].idxmin()
    newest = ages["issued"].idxmax()
    alt = (
        f"Dot plot of the article's {len(ages)} footnotes by the date of the cited source, one row per "
        f"footnote, marker shape and colour by source type. {before} of {len(ages)} sources predate the "
        f"killing on 3 January 2020 (dashed line)"
        + (
            f"; {unsure} more dated only to the killing's own month could fall on either side and are not counted"
            if unsure
            else ""
        )
        + f". The oldest is fn {oldest} "
        f"({ages.at[oldest, 'issued']:%B %Y}, {ages.at[oldest, 'source_type'].replace('_', ' ')}); the "
        f"newest is fn {newest} ({ages.at[newest, 'issued']:%d %B %Y})."
    )
    set_accessible(fig, "When were the article's sources published?", alt)
    fig.tight_layout()
    return fig
