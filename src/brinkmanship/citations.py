"""The article's 24 footnotes as CSL-JSON and BibTeX, generated from datasets/sources.csv.

Why generated: sources.csv is the single place where citation facts and Admiralty grades live; the committed
``sources.json`` and ``sources.bib`` are derived from it so a reference manager gets the same data, and a test
checks that the committed files still equal a fresh build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from brinkmanship import data
from brinkmanship.paths import datasets_dir

__all__ = ["BIB_FILE", "JSON_FILE", "to_bibtex", "to_csl_json", "write_citation_files"]

JSON_FILE = "sources.json"
BIB_FILE = "sources.bib"

# CSL type -> BibTeX entry type (plain BibTeX types, so both bibtex and biber accept them)
_BIB_TYPE = {
    "article-newspaper": "article",
    "article-magazine": "article",
    "article-journal": "article",
    "report": "techreport",
    "webpage": "misc",
    "post-weblog": "misc",
    "post": "misc",
    "interview": "misc",
    "personal_communication": "misc",
}
_REQUIRED = ("footnote", "csl_type", "title", "container_title", "issued", "issued_precision")
_BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _text(value: Any) -> str:
    """A cell as text; missing cells (None, NaN, pd.NA) become ''."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def _check_columns(sources_df: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in sources_df.columns]
    if missing:
        raise ValueError(f"sources table lacks column(s) {', '.join(missing)} needed for citations")


def _date_parts(row: pd.Series) -> list[int]:
    issued = row["issued"]
    footnote = _text(row["footnote"])
    try:
        stamp = pd.Timestamp(issued)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"sources.csv footnote {footnote}: 'issued' value {issued!r} is not a date") from exc
    if pd.isna(stamp):
        raise ValueError(f"sources.csv footnote {footnote}: 'issued' is empty")
    if _text(row["issued_precision"]) == "month":
        return [stamp.year, stamp.month]
    return [stamp.year, stamp.month, stamp.day]


def _authors(cell: str) -> list[dict[str, str]]:
    """'Family, Given;Family, Given' -> CSL name objects; a name without a comma is kept as a literal."""
    names = []
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        family, sep, given = part.partition(",")
        names.append({"family": family.strip(), "given": given.strip()} if sep else {"literal": part})
    return names


def _admiralty(row: pd.Series) -> str:
    return f"{_text(row.get('reliability'))}{_text(row.get('credibility'))}"


def _bool(value: Any) -> bool | None:
    text = _text(value).lower()
    return {"true": True, "false": False}.get(text)


def to_csl_json(sources_df: pd.DataFrame) -> list[dict[str, Any]]:
    """CSL-JSON items, one per footnote, ordered by footnote number; course grades go under ``custom``."""
    _check_columns(sources_df)
    items = []
    for _, row in sources_df.sort_values("footnote").iterrows():
        n = int(row["footnote"])
        item: dict[str, Any] = {
            "id": f"fn{n:02d}",
            "type": _text(row["csl_type"]),
            "title": _text(row["title"]),
            "container-title": _text(row["container_title"]),
            "issued": {"date-parts": [_date_parts(row)]},
        }
        authors = _authors(_text(row.get("author")))
        if authors:
            item["author"] = authors
        for key, column in (("publisher", "publisher"), ("URL", "url")):
            if _text(row.get(column)):
                item[key] = _text(row.get(column))
        grade = _admiralty(row)
        item["note"] = (
            f"Dorsey (2020) footnote {n}. Course Admiralty grade {grade}: {_text(row.get('admiralty_rationale'))}"
        )
        item["custom"] = {
            "footnote": n,
            "source_type": _text(row.get("source_type")),
            "self_citation": _bool(row.get("self_citation")),
            "author_own_material": _bool(row.get("author_own_material")),
            "admiralty": grade,
            "reliability": _text(row.get("reliability")),
            "credibility": int(row["credibility"]) if _text(row.get("credibility")) else None,
            "verification_status": _text(row.get("verification_status")),
        }
        items.append(item)
    return items


def _bib_escape(text: str) -> str:
    return "".join(_BIB_SPECIAL.get(ch, ch) for ch in text)


def to_bibtex(sources_df: pd.DataFrame) -> str:
    """BibTeX entries (keys fn01..fn24) built from the same rows as :func:`to_csl_json`."""
    entries = []
    for item in to_csl_json(sources_df):
        parts = item["issued"]["date-parts"][0]
        fields: list[tuple[str, str]] = []
        if "author" in item:
            names = [n.get("literal") or f"{n['family']}, {n['given']}" for n in item["author"]]
            fields.append(("author", " and ".join(_bib_escape(n) for n in names)))
        fields.append(("title", "{" + _bib_escape(item["title"]) + "}"))
        btype = _BIB_TYPE.get(item["type"], "misc")
        container = _bib_escape(item["container-title"])
        if btype == "article":
            fields.append(("journal", container))
        elif btype == "techreport":
            fields.append(("institution", _bib_escape(item.get("publisher", item["container-title"]))))
            fields.append(("number", container))
        else:
            fields.append(("howpublished", container))
        fields.append(("year", str(parts[0])))
        fields.append(("month", str(parts[1])))
        if len(parts) == 3:
            fields.append(("day", str(parts[2])))
        if "URL" in item:
            fields.append(("url", item["URL"]))
        fields.append(("note", _bib_escape(item["note"])))
        body = ",\n".join(f"  {key} = {{{value}}}" for key, value in fields)
        entries.append(f"@{btype}{{{item['id']},\n{body}\n}}\n")
    return "\n".join(entries)


def write_citation_files(directory: Path | str | None = None) -> tuple[Path, Path]:
    """Regenerate sources.json and sources.bib next to sources.csv; returns the two paths."""
    directory = Path(directory) if directory else datasets_dir()
    table = data.sources(directory)
    json_path, bib_path = directory / JSON_FILE, directory / BIB_FILE
    text = json.dumps(to_csl_json(table), indent=2, ensure_ascii=False) + "\n"
    json_path.write_text(text, encoding="utf-8")
    bib_path.write_text(to_bibtex(table), encoding="utf-8")
    return json_path, bib_path


if __name__ == "__main__":  # python -m brinkmanship.citations
    for path in write_citation_files():
        print(f"wrote {path}")
