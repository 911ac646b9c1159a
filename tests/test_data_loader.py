"""The loader: typed tables, and one readable error (file, line, column, rule) for every kind of broken CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from brinkmanship import data


def _rewrite(path: Path, edit) -> None:
    """Apply ``edit(header, rows)`` to a CSV in place (rows are lists of cells)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    header, body = edit(header, body)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    path.write_text(out.getvalue(), encoding="utf-8")


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    def edit(header, body):
        body[row][header.index(column)] = value
        return header, body

    _rewrite(path, edit)


def _error(directory: Path) -> data.DataValidationError:
    with pytest.raises(data.DataValidationError) as info:
        data.load_all(directory)
    return info.value


def test_real_package_is_valid(datasets_dir: Path) -> None:
    assert data.validate(datasets_dir) == []


def test_tables_have_the_schema_types(tables: dict) -> None:
    events = tables["events"]
    assert pd.api.types.is_datetime64_any_dtype(events["date"])
    assert isinstance(events["period"].dtype, pd.CategoricalDtype)
    assert list(events["period"].cat.categories) == ["context", "article", "later"]
    assert events["cameo_code"].dtype == "string"
    assert events["quad_class"].dtype == "Int64"
    assert events["in_article"].dtype == "boolean"
    assert events["goldstein"].dtype == "float64"
    # CAMEO codes keep their leading zeros ('036' must not become 36)
    assert events["cameo_code"].str.len().min() >= 2
    assert (events["cameo_root"] == events["cameo_code"].str[:2]).all()
    assert tables["sources"]["footnote"].dtype == "Int64"


def test_single_table_functions_match_load_all(tables: dict) -> None:
    for name in data.TABLES:
        pd.testing.assert_frame_equal(getattr(data, name)(), tables[name])


def test_returned_frames_are_copies(datasets_dir: Path) -> None:
    first = data.events(datasets_dir)
    first.loc[first.index[0], "title"] = "changed by a learner"
    assert data.events(datasets_dir).loc[first.index[0], "title"] != "changed by a learner"


def test_bad_date_names_file_line_column_rule(broken_datasets: Path) -> None:
    _set_cell(broken_datasets / "events.csv", 2, "date", "2019-13-45")
    err = _error(broken_datasets)
    assert (err.file, err.line, err.column, err.rule) == ("events.csv", 4, "date", "type: date")
    msg = str(err)
    assert msg.startswith("events.csv, line 4 (data row 3, event_id=")
    assert "column 'date': '2019-13-45' is not a real date" in msg
    assert msg.endswith("[rule: type: date]")


def test_date_in_wrong_format(broken_datasets: Path) -> None:
    _set_cell(broken_datasets / "events.csv", 0, "date", "14/07/2015")
    assert "'14/07/2015' is not an ISO date YYYY-MM-DD" in str(_error(broken_datasets))


def test_unknown_actor_id_breaks_the_foreign_key(broken_datasets: Path) -> None:
    _set_cell(broken_datasets / "events.csv", 5, "source_actor_id", "no_such_actor")
    err = _error(broken_datasets)
    assert (err.file, err.line, err.column) == ("events.csv", 7, "source_actor_id")
    assert err.rule == "foreign key -> actors.actor_id"
    assert "'no_such_actor' is not a known actor_id in actors.csv" in str(err)


def test_unknown_footnote_in_a_list_column(broken_datasets: Path) -> None:
    _set_cell(broken_datasets / "claims.csv", 0, "footnotes", "1;99")
    err = _error(broken_datasets)
    assert (err.file, err.column, err.rule) == ("claims.csv", "footnotes", "list reference -> sources.footnote")
    assert "item '99' is not a known footnote" in str(err)


def test_missing_column(broken_datasets: Path) -> None:
    def drop(header, body):
        i = header.index("confidence")
        return header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in body]

    _rewrite(broken_datasets / "relations.csv", drop)
    err = _error(broken_datasets)
    assert (err.file, err.line, err.column, err.rule) == ("relations.csv", 1, "confidence", "schema: required column")
    assert "the header has no column 'confidence'" in str(err)


def test_unknown_extra_column(broken_datasets: Path) -> None:
    def add(header, body):
        return [*header, "my_notes"], [[*r, "x"] for r in body]

    _rewrite(broken_datasets / "actors.csv", add)
    err = _error(broken_datasets)
    assert (err.column, err.rule) == ("my_notes", "schema: unknown column")


def test_wrong_enum_value(broken_datasets: Path) -> None:
    _set_cell(broken_datasets / "actors.csv", 1, "kind", "superpower")
    err = _error(broken_datasets)
    assert (err.file, err.line, err.column, err.rule) == ("actors.csv", 3, "kind", "enum")
    assert "'superpower' is not one of: state, state_organ" in str(err)


def test_duplicate_id(broken_datasets: Path) -> None:
    rows = (broken_datasets / "sources.csv").read_text(encoding="utf-8").splitlines()
    (broken_datasets / "sources.csv").write_text("\n".join([*rows, rows[1]]) + "\n", encoding="utf-8")
    err = _error(broken_datasets)
    assert (err.file, err.column, err.rule) == ("sources.csv", "footnote", "unique")
    assert err.line == len(rows) + 1
    assert "already appears on line 2" in str(err)


def test_required_cell_empty_and_out_of_range(broken_datasets: Path) -> None:
    _set_cell(broken_datasets / "events.csv", 0, "title", "")
    _set_cell(broken_datasets / "events.csv", 1, "goldstein", "-12")
    err = _error(broken_datasets)
    rules = [(p.line, p.column, p.rule) for p in err.problems]
    assert (2, "title", "required") in rules
    assert (3, "goldstein", "minimum") in rules
    assert "(and 1 more problem(s))" in str(err)


def test_cameo_code_pattern_and_whole_numbers(broken_datasets: Path) -> None:
    _set_cell(broken_datasets / "events.csv", 0, "cameo_code", "36a")
    _set_cell(broken_datasets / "events.csv", 0, "quad_class", "2.5")
    problems = {(p.column, p.rule) for p in _error(broken_datasets).problems}
    assert ("cameo_code", "pattern") in problems
    assert ("quad_class", "type: integer") in problems


def test_ragged_row_and_bad_boolean(broken_datasets: Path) -> None:
    path = broken_datasets / "events.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + ",surplus"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _set_cell(broken_datasets / "sources.csv", 0, "self_citation", "yes")
    problems = _error(broken_datasets).problems
    assert any(p.file == "events.csv" and p.line == 4 and p.rule == "row length" for p in problems)
    assert any(
        p.file == "sources.csv"
        and p.column == "self_citation"
        and p.rule == "type: boolean"
        and "'yes' is not true or false" in p.message
        for p in problems
    )


def test_missing_file_and_bad_encoding(broken_datasets: Path) -> None:
    (broken_datasets / "strategies.csv").unlink()
    (broken_datasets / "claim_links.csv").write_bytes(b"link_id,from_claim\n\xff\xfe\n")
    problems = _error(broken_datasets).problems
    assert any(p.file == "strategies.csv" and p.rule == "file" and "file not found" in p.message for p in problems)
    assert any(p.file == "claim_links.csv" and p.rule == "encoding: utf-8" for p in problems)


def test_validate_lists_every_problem_without_raising(broken_datasets: Path) -> None:
    _set_cell(broken_datasets / "events.csv", 0, "confidence", "certain")
    _set_cell(broken_datasets / "events.csv", 1, "confidence", "sure")
    problems = data.validate(broken_datasets)
    assert [(p.line, p.rule) for p in problems] == [(2, "enum"), (3, "enum")]


def test_env_var_points_the_loader_at_another_copy(broken_datasets: Path, monkeypatch) -> None:
    _set_cell(broken_datasets / "actors.csv", 0, "name", "Renamed for the test")
    monkeypatch.setenv("BRINKMANSHIP_DATA_DIR", str(broken_datasets))
    assert data.actors()["name"].iloc[0] == "Renamed for the test"


def test_cache_notices_an_edited_file(broken_datasets: Path) -> None:
    import os

    assert data.validate(broken_datasets) == []
    data.load_all(broken_datasets)
    _set_cell(broken_datasets / "events.csv", 0, "date_precision", "hour")
    path = broken_datasets / "events.csv"
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert _error(broken_datasets).rule == "enum"


def test_split_list() -> None:
    s = pd.Series(["1;5", pd.NA, "16"], dtype="string")
    assert data.split_list(s).tolist() == [["1", "5"], [], ["16"]]


def test_typed_frame_matches_loaded_dtypes(tables: dict) -> None:
    records = [{"event_id": "E99", "date": "2020-01-03", "cameo_code": "036", "period": "article", "in_article": True}]
    frame = data.typed_frame("events", records)
    assert list(frame.columns) == list(tables["events"].columns)
    assert frame.dtypes.astype(str).to_dict() == tables["events"].dtypes.astype(str).to_dict()
    assert frame.loc[0, "cameo_code"] == "036" and frame.loc[0, "date"] == pd.Timestamp("2020-01-03")
