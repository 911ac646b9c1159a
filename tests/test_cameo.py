"""CAMEO helpers and the events' codes: every stored root, QuadClass and Goldstein score agrees with GDELT's table."""

from __future__ import annotations

import pytest

from brinkmanship import cameo


def test_leading_zeros_matter() -> None:
    assert cameo.root("036") == "03" and cameo.quad_class("036") == 1
    assert cameo.goldstein("036") == 4.0
    assert cameo.goldstein("10") == -5.0  # '10' Demand is not '010' Make statement
    assert cameo.goldstein("010") == 0.0


@pytest.mark.parametrize(
    ("code", "quad"), [("057", 1), ("0871", 2), ("1312", 3), ("145", 3), ("163", 4), ("195", 4), ("200", 4)]
)
def test_quad_class(code: str, quad: int) -> None:
    assert cameo.quad_class(code) == quad


def test_known_scores_from_the_conventions_table() -> None:
    # domain conventions, section 1: assassinate -10, sanctions -8, seize -9.2, mediate 5, ceasefire 9
    assert [cameo.goldstein(c) for c in ("186", "163", "171", "045", "0871")] == [-10.0, -8.0, -9.2, 5.0, 9.0]


@pytest.mark.parametrize("bad", [36, "36a", "3", "", "2101"])
def test_bad_codes_raise(bad: object) -> None:
    with pytest.raises(ValueError):
        cameo.goldstein(bad) if bad != "3" else cameo.root(bad)  # type: ignore[arg-type]


def test_every_event_is_coded_consistently(tables: dict) -> None:
    events = tables["events"]
    wrong = [
        (r.event_id, r.cameo_code, r.goldstein)
        for r in events.itertuples()
        if r.goldstein != cameo.goldstein(r.cameo_code)
        or r.quad_class != cameo.quad_class(r.cameo_code)
        or r.cameo_root != cameo.root(r.cameo_code)
    ]
    assert wrong == []
