"""The one way to read the course's datasets: typed DataFrames, validated against datapackage.json on load.

Why our own validator and not frictionless at run time: learners edit these CSVs, and a broken file must
produce ONE readable error naming the file, the line, the column and the rule, in well under a second.
The tests also validate the package with frictionless, so the schema stays standard.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from brinkmanship.paths import datasets_dir

__all__ = [
    "TABLES",
    "DataValidationError",
    "Problem",
    "actors",
    "claim_links",
    "claims",
    "events",
    "load_all",
    "load_schema",
    "relations",
    "sources",
    "split_list",
    "strategies",
    "typed_frame",
    "validate",
]

TABLES = ("events", "actors", "relations", "strategies", "sources", "claims", "claim_links")
LIST_KEY = "x-list-reference"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "True", "TRUE", "1"}
_FALSE = {"false", "False", "FALSE", "0"}


@dataclass(frozen=True)
class Problem:
    """One broken cell (or header, or file): where it is and which rule it breaks."""

    file: str
    line: int | None  # line in the CSV file, header = line 1; None for file-level problems
    column: str | None
    rule: str
    message: str
    row_id: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line} (data row {self.line - 1}"
            where += f", {self.row_id})" if self.row_id else ")"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message} [rule: {self.rule}]"


class DataValidationError(ValueError):
    """A dataset breaks its schema; ``problems`` lists all problems, the message leads with the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}")

    @property
    def file(self) -> str:
        return self.problems[0].file

    @property
    def line(self) -> int | None:
        return self.problems[0].line

    @property
    def column(self) -> str | None:
        return self.problems[0].column

    @property
    def rule(self) -> str:
        return self.problems[0].rule


# ---------------------------------------------------------------------------------------------------------
# schema


def load_schema(directory: Path | None = None) -> dict[str, Any]:
    """The data package descriptor (datapackage.json) as a dict."""
    directory = Path(directory) if directory else datasets_dir()
    path = directory / "datapackage.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            [Problem("datapackage.json", exc.lineno, None, "json", f"not valid JSON: {exc.msg}")]
        ) from exc


def _resources(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in schema["resources"]}


# ---------------------------------------------------------------------------------------------------------
# reading and checking one table


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    name = path.name
    if not path.is_file():
        raise DataValidationError([Problem(name, None, None, "file", f"file not found at {path}")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            [Problem(name, None, None, "encoding: utf-8", f"not UTF-8 text (byte {exc.start})")]
        ) from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise DataValidationError([Problem(name, None, None, "header", "the file is empty: no header row")])
    return rows[0], rows[1:]


def _convert(value: str, ftype: str) -> Any:
    """Parse one non-empty cell; raises ValueError with a learner-friendly reason."""
    if ftype == "string":
        return value
    if ftype == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise ValueError(f"'{value}' is not a whole number")
        return int(value)
    if ftype == "number":
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a number") from None
    if ftype == "boolean":
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ValueError(f"'{value}' is not true or false")
    if ftype == "date":
        if not _DATE.match(value):
            raise ValueError(f"'{value}' is not an ISO date YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"'{value}' is not a real date ({exc})") from None
    raise ValueError(f"unsupported field type {ftype!r} in the schema")


def _check_table(resource: dict[str, Any], directory: Path) -> tuple[pd.DataFrame, list[Problem]]:
    fname = resource["path"]
    fields = resource["schema"]["fields"]
    header, rows = _read_rows(directory / fname)
    problems: list[Problem] = []
    names = [f["name"] for f in fields]
    missing = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    for n in missing:
        problems.append(
            Problem(
                fname,
                1,
                n,
                "schema: required column",
                f"the header has no column '{n}' (expected columns: {', '.join(names)})",
            )
        )
    for h in extra:
        problems.append(
            Problem(fname, 1, h, "schema: unknown column", f"column '{h}' is not described in datapackage.json")
        )
    if problems:
        raise DataValidationError(problems)
    index = {h: i for i, h in enumerate(header)}
    pk = resource["schema"].get("primaryKey", [])
    pk_col = pk[0] if len(pk) == 1 else None
    columns: dict[str, list[Any]] = {n: [] for n in names}
    seen: dict[str, dict[Any, int]] = {
        f["name"]: {} for f in fields if f.get("constraints", {}).get("unique") or f["name"] == pk_col
    }
    for r, row in enumerate(rows):
        line = r + 2
        if not any(cell.strip() for cell in row):
            problems.append(Problem(fname, line, None, "blank row", "the row is empty; delete it"))
            continue
        if len(row) != len(header):
            problems.append(
                Problem(
                    fname,
                    line,
                    None,
                    "row length",
                    f"the row has {len(row)} cells but the header has {len(header)} "
                    "(a stray or missing comma, or an unquoted comma inside a text)",
                )
            )
            continue
        row_id = f"{pk_col}={row[index[pk_col]]}" if pk_col else None
        for field in fields:
            name, ftype = field["name"], field.get("type", "string")
            cons = field.get("constraints", {})
            raw = row[index[name]]
            value: Any = None
            if raw.strip() == "":
                if cons.get("required"):
                    problems.append(Problem(fname, line, name, "required", "the cell is empty but required", row_id))
            elif raw != raw.strip():
                problems.append(
                    Problem(fname, line, name, "whitespace", f"'{raw}' has spaces at its start or end", row_id)
                )
            else:
                try:
                    value = _convert(raw, ftype)
                except ValueError as exc:
                    problems.append(Problem(fname, line, name, f"type: {ftype}", str(exc), row_id))
                else:
                    problems.extend(_check_constraints(value, raw, cons, fname, line, name, row_id))
                    if name in seen:
                        if value in seen[name]:
                            problems.append(
                                Problem(
                                    fname,
                                    line,
                                    name,
                                    "unique",
                                    f"'{raw}' already appears on line {seen[name][value]}",
                                    row_id,
                                )
                            )
                        else:
                            seen[name][value] = line
            columns[name].append(value)
    frame = _typed_frame(fields, columns)
    frame.attrs["lines"] = [
        r + 2 for r, row in enumerate(rows) if any(c.strip() for c in row) and len(row) == len(header)
    ]
    return frame, problems


def _check_constraints(
    value: Any, raw: str, cons: dict[str, Any], fname: str, line: int, name: str, row_id: str | None
) -> list[Problem]:
    out = []
    if "enum" in cons and value not in cons["enum"]:
        allowed = ", ".join(str(v) for v in cons["enum"])
        out.append(Problem(fname, line, name, "enum", f"'{raw}' is not one of: {allowed}", row_id))
    if "pattern" in cons and not re.fullmatch(cons["pattern"], raw):
        out.append(
            Problem(fname, line, name, "pattern", f"'{raw}' does not match the pattern {cons['pattern']}", row_id)
        )
    if "minimum" in cons and value < cons["minimum"]:
        out.append(Problem(fname, line, name, "minimum", f"{raw} is below the minimum {cons['minimum']}", row_id))
    if "maximum" in cons and value > cons["maximum"]:
        out.append(Problem(fname, line, name, "maximum", f"{raw} is above the maximum {cons['maximum']}", row_id))
    return out


def _typed_frame(fields: list[dict[str, Any]], columns: dict[str, list[Any]]) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for field in fields:
        name, ftype = field["name"], field.get("type", "string")
        values = columns[name]
        enum = field.get("constraints", {}).get("enum")
        if ftype == "date":
            # one resolution whatever the input (date objects or ISO strings)
            series = pd.to_datetime(pd.Series(values, dtype="object"), errors="coerce").astype("datetime64[s]")
        elif ftype == "integer":
            series = pd.Series(values, dtype="Int64")
        elif ftype == "number":
            series = pd.Series([float("nan") if v is None else v for v in values], dtype="float64")
        elif ftype == "boolean":
            series = pd.Series(values, dtype="boolean")
        elif enum is not None:
            series = pd.Series(pd.Categorical(values, categories=enum))
        else:
            series = pd.Series(values, dtype="string")
        data[name] = series
    return pd.DataFrame(data)


# ---------------------------------------------------------------------------------------------------------
# cross-table checks


def _cross_checks(schema: dict[str, Any], frames: dict[str, pd.DataFrame]) -> list[Problem]:
    problems: list[Problem] = []
    for name, resource in _resources(schema).items():
        frame = frames[name]
        fname = resource["path"]
        lines = frame.attrs.get("lines", list(range(2, len(frame) + 2)))
        pk = resource["schema"].get("primaryKey", [])
        for fk in resource["schema"].get("foreignKeys", []):
            (col,), ref = fk["fields"], fk["reference"]
            target = frames[ref["resource"]][ref["fields"][0]]
            known = set(target.dropna().astype(str))
            for i, value in enumerate(frame[col]):
                if pd.notna(value) and str(value) not in known:
                    problems.append(
                        Problem(
                            fname,
                            lines[i],
                            col,
                            f"foreign key -> {ref['resource']}.{ref['fields'][0]}",
                            f"'{value}' is not a known {ref['fields'][0]} in {ref['resource']}.csv",
                            _row_id(frame, pk, i),
                        )
                    )
        for field in resource["schema"]["fields"]:
            ref = field.get(LIST_KEY)
            if not ref:
                continue
            col = field["name"]
            known = {str(v) for v in frames[ref["resource"]][ref["field"]].dropna()}
            for i, value in enumerate(frame[col]):
                if pd.isna(value):
                    continue
                for item in str(value).split(ref.get("separator", ";")):
                    if item.strip() not in known:
                        problems.append(
                            Problem(
                                fname,
                                lines[i],
                                col,
                                f"list reference -> {ref['resource']}.{ref['field']}",
                                f"item '{item}' is not a known {ref['field']} in {ref['resource']}.csv",
                                _row_id(frame, pk, i),
                            )
                        )
    return problems


def _row_id(frame: pd.DataFrame, pk: list[str], i: int) -> str | None:
    return f"{pk[0]}={frame[pk[0]].iloc[i]}" if len(pk) == 1 else None


# ---------------------------------------------------------------------------------------------------------
# public API

_CACHE: dict[tuple[str, tuple[float, ...]], dict[str, pd.DataFrame]] = {}


def validate(directory: Path | str | None = None) -> list[Problem]:
    """Every problem in the package (empty list when valid), for tools that want them all."""
    try:
        _load(Path(directory) if directory else datasets_dir(), use_cache=False)
    except DataValidationError as exc:
        return exc.problems
    return []


def _load(directory: Path, use_cache: bool = True) -> dict[str, pd.DataFrame]:
    schema = load_schema(directory)
    resources = _resources(schema)
    stamp = tuple(
        (directory / r["path"]).stat().st_mtime if (directory / r["path"]).exists() else -1.0
        for r in resources.values()
    )
    key = (str(directory.resolve()), stamp)
    if use_cache and key in _CACHE:
        return _CACHE[key]
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name, resource in resources.items():
        try:
            frames[name], found = _check_table(resource, directory)
        except DataValidationError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(found)
    if problems:
        raise DataValidationError(problems)
    problems = _cross_checks(schema, frames)
    if problems:
        raise DataValidationError(problems)
    for frame in frames.values():
        frame.attrs.pop("lines", None)
    _CACHE.clear()
    _CACHE[key] = frames
    return frames


def load_all(directory: Path | str | None = None) -> dict[str, pd.DataFrame]:
    """All tables, validated together (foreign keys need every table), as fresh copies.

    Loaded once per process and re-read only when a CSV changes on disk.
    """
    frames = _load(Path(directory) if directory else datasets_dir())
    return {name: frame.copy() for name, frame in frames.items()}


def _table(name: str, directory: Path | str | None) -> pd.DataFrame:
    return _load(Path(directory) if directory else datasets_dir())[name].copy()


def events(directory: Path | str | None = None) -> pd.DataFrame:
    """Dated events (article, context and later), CAMEO/ACLED-coded; see datasets/README.md."""
    return _table("events", directory)


def actors(directory: Path | str | None = None) -> pd.DataFrame:
    """States, organs, officials, forces, militias, groups, bodies and quoted experts."""
    return _table("actors", directory)


def relations(directory: Path | str | None = None) -> pd.DataFrame:
    """Directed, dated ties between actors (sponsors, proxy_of, commands, succeeds, ...)."""
    return _table("relations", directory)


def strategies(directory: Path | str | None = None) -> pd.DataFrame:
    """The strategies the article names, who pursues them and which CAMEO roots signal them."""
    return _table("strategies", directory)


def sources(directory: Path | str | None = None) -> pd.DataFrame:
    """The 24 footnotes with citation fields and the course's Admiralty grades."""
    return _table("sources", directory)


def claims(directory: Path | str | None = None) -> pd.DataFrame:
    """Thesis, claims, premises, evidence, predictions and objections of the argument map."""
    return _table("claims", directory)


def claim_links(directory: Path | str | None = None) -> pd.DataFrame:
    """Supports/attacks links between claims."""
    return _table("claim_links", directory)


def typed_frame(table: str, records: Iterable[dict[str, Any]], directory: Path | str | None = None) -> pd.DataFrame:
    """A DataFrame with ``table``'s schema columns and dtypes built from in-memory records.

    For test fixtures and what-if copies that should look exactly like loaded data; it does not validate.
    """
    resource = _resources(load_schema(Path(directory) if directory else None))[table]
    rows = list(records)
    fields = resource["schema"]["fields"]
    return _typed_frame(fields, {f["name"]: [r.get(f["name"]) for r in rows] for f in fields})


def split_list(values: pd.Series | Iterable[Any], sep: str = ";") -> pd.Series:
    """Turn a ';'-separated list column into a Series of lists (empty cells become empty lists)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
    return series.map(lambda v: [] if pd.isna(v) or str(v) == "" else [s.strip() for s in str(v).split(sep)])
