"""Escalation index: dyads, aggregation, smoothing and drawing on hand-made frames (values computed by hand)
and on the real data; the EscalationView widget driven through its controls."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from events_helpers import tiny_tables

from brinkmanship import escalation as es
from brinkmanship.style import alt_text, figure_title
from brinkmanship.widgets import escalation as we


@pytest.fixture
def tiny() -> dict[str, pd.DataFrame]:
    return tiny_tables()


def ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["event_id"].astype(str))


def at(index: pd.DataFrame, month: str, column: str = "index") -> float:
    return float(index.loc[pd.Timestamp(month), column])


# --- sides and dyads ------------------------------------------------------------------------------------
def test_resolve_side_by_alignment_and_by_ids(tiny) -> None:
    a = tiny["actors"]
    assert es.resolve_side(a, "iran_camp") == {"irn", "irn_irgc", "kh"}
    assert es.resolve_side(a, ["usa"]) == {"usa", "usa_mil"}  # children follow their parent
    assert es.resolve_side(a, ["usa"], include_children=False) == {"usa"}
    assert es.resolve_side(a, "irq") == {"irq"}  # a single id string
    with pytest.raises(ValueError, match="nobody"):
        es.resolve_side(a, ["usa", "nobody"])
    with pytest.raises(ValueError, match="at least one"):
        es.resolve_side(a, [])


def test_dyad_events_by_direction(tiny) -> None:
    ev, a = tiny["events"], tiny["actors"]
    both = es.dyad_events(ev, a, "us_camp", "iran_camp")
    # E03 has no target, C01 involves a mediator: neither belongs to the dyad
    assert ids(both) == {"E01", "E02", "E04", "E05", "L01"}
    assert dict(zip(both["event_id"].astype(str), both["direction"], strict=True)) == {
        "E01": "b_to_a",
        "E02": "a_to_b",
        "E04": "b_to_a",
        "E05": "b_to_a",
        "L01": "a_to_b",
    }
    assert ids(es.dyad_events(ev, a, "us_camp", "iran_camp", "a_to_b")) == {"E02", "L01"}
    assert ids(es.dyad_events(ev, a, "us_camp", "iran_camp", "b_to_a")) == {"E01", "E04", "E05"}
    assert ids(es.dyad_events(ev, a, ["usa"], ["irn"])) == {"E01", "E02", "E05", "L01"}
    assert ids(es.dyad_events(ev, a, ["usa"], ["irn"], include_children=False)) == {"E01", "E05", "L01"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ev, a: es.dyad_events(ev, a, "us_camp", ["usa_mil"]), "overlap"),
        (lambda ev, a: es.dyad_events(ev, a, "us_camp", "iran_camp", "sideways"), "direction"),
        (lambda ev, a: es.escalation_index(ev, a, how="median"), "how"),
        (lambda ev, a: es.escalation_index(ev, a, window=0), "window"),
        (lambda ev, a: es.escalation_index(ev, a, window=1.5), "window"),
        (lambda ev, a: es.escalation_index(ev, a, freq="fortnight"), "freq"),
        (lambda ev, a: es.escalation_index(ev, a, start="2020-01-01", end="2019-01-01"), "after"),
        (lambda ev, a: es.escalation_index(ev.drop(columns="goldstein"), a), "goldstein"),
    ],
)
def test_bad_input_gets_a_named_error(tiny, call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(tiny["events"], tiny["actors"])


# --- the index ------------------------------------------------------------------------------------------
def test_monthly_sum_by_hand(tiny) -> None:
    idx = es.escalation_index(tiny["events"], tiny["actors"], "us_camp", "iran_camp")
    assert idx.index[0] == pd.Timestamp("2019-05-01") and idx.index[-1] == pd.Timestamp("2021-04-01")
    assert len(idx) == 24  # quiet months are rows too
    assert at(idx, "2019-05-01") == pytest.approx(-11.2)  # E01 -4 + E02 -7.2
    assert at(idx, "2019-06-01") == 0.0
    assert at(idx, "2019-07-01") == pytest.approx(-12.0)  # E04 -10 + E05 -2
    assert at(idx, "2021-04-01") == pytest.approx(4.0)
    assert list(idx["events"].iloc[:3]) == [2, 0, 2]
    assert at(idx, "2019-05-01", "goldstein_mean") == pytest.approx(-5.6)
    assert math.isnan(at(idx, "2019-06-01", "goldstein_mean"))
    assert at(idx, "2019-05-01", "a_to_b") == pytest.approx(-7.2)
    assert at(idx, "2019-05-01", "b_to_a") == pytest.approx(-4.0)
    assert idx["index"].sum() == pytest.approx(-19.2)


def test_count_mean_and_direction(tiny) -> None:
    ev, a = tiny["events"], tiny["actors"]
    count = es.escalation_index(ev, a, how="count")
    assert at(count, "2019-05-01") == 2 and at(count, "2019-06-01") == 0
    mean = es.escalation_index(ev, a, how="mean")
    assert at(mean, "2019-07-01") == pytest.approx(-6.0) and math.isnan(at(mean, "2019-06-01"))
    ab = es.escalation_index(ev, a, direction="a_to_b")
    assert at(ab, "2019-05-01") == pytest.approx(-7.2) and at(ab, "2019-07-01") == 0.0
    assert list(ab["events"].iloc[:3]) == [1, 0, 0]  # raw figures follow the direction too
    assert at(ab, "2019-05-01", "goldstein_sum") == pytest.approx(-7.2)


def test_rolling_window_by_hand(tiny) -> None:
    ev, a = tiny["events"], tiny["actors"]
    s = es.escalation_index(ev, a, how="sum", window=2)
    assert [round(v, 6) for v in s["index"].iloc[:5]] == [-11.2, -5.6, -6.0, -6.0, 0.0]
    m = es.escalation_index(ev, a, how="mean", window=2)
    # event-weighted: June's window holds May's two events (-11.2 / 2); September's window is empty
    got = list(m["index"].iloc[:5])
    assert got[:4] == pytest.approx([-5.6, -5.6, -6.0, -6.0]) and math.isnan(got[4])
    # weighting matters when periods hold different numbers of events: Iran camp -> US camp, 3-month window
    # ending July 2019 holds E01 (-4, May) and E04, E05 (-10, -2, July): -16 / 3, not the mean of means -5
    b = es.escalation_index(ev, a, how="mean", window=3, direction="b_to_a")
    assert at(b, "2019-07-01") == pytest.approx(-16 / 3)
    assert at(b, "2019-07-01", "b_to_a") == pytest.approx(-16 / 3)
    c = es.escalation_index(ev, a, how="count", window=3)
    assert list(c["index"].iloc[:4]) == pytest.approx([2.0, 1.0, 4 / 3, 2 / 3])


def test_weekly_periods_start_on_monday(tiny) -> None:
    idx = es.escalation_index(tiny["events"], tiny["actors"], freq="W")
    assert idx.index[0] == pd.Timestamp("2019-05-06")  # E01 on Wednesday 8 May 2019
    assert all(d.dayofweek == 0 for d in idx.index)
    assert at(idx, "2019-05-06") == -4.0 and at(idx, "2019-05-13") == 0.0 and at(idx, "2019-05-20") == -7.2
    assert es.escalation_index(tiny["events"], tiny["actors"], freq="week").equals(idx)


def test_explicit_span_and_empty_dyad(tiny) -> None:
    ev, a = tiny["events"], tiny["actors"]
    idx = es.escalation_index(ev, a, start="2019-06-01", end="2019-08-31")
    assert list(idx.index) == list(pd.date_range("2019-06-01", "2019-08-01", freq="MS"))
    assert list(idx["index"]) == [0.0, -12.0, 0.0]
    empty = es.escalation_index(ev, a, "us_camp", "outside_power")
    assert empty.empty and "index" in empty.columns


def test_key_events_are_the_most_extreme(tiny) -> None:
    dy = es.dyad_events(tiny["events"], tiny["actors"], "us_camp", "iran_camp")
    key = es.key_events(dy, 3)
    # |-10|, |-7.2|, then |-4| (E01) ties |+4| (L01): E01 has two footnotes, L01 none; sorted by date
    assert list(key["event_id"]) == ["E01", "E02", "E04"]
    # one per month: E01 shares May 2019 with E02, so the next in rank is L01
    assert list(es.key_events(dy, 3, freq="MS")["event_id"]) == ["E02", "E04", "L01"]
    # ties go to events the article uses, then to better documented (more footnotes), then deadlier ones
    tweaked = dy.assign(in_article=pd.array([x != "E01" for x in dy["event_id"]], dtype="boolean"))
    assert list(es.key_events(tweaked, 3)["event_id"]) == ["E02", "E04", "L01"]
    cited = dy.assign(footnotes=pd.array(["1;2;3" if x == "L01" else None for x in dy["event_id"]], dtype="string"))
    assert list(es.key_events(cited, 3)["event_id"]) == ["E02", "E04", "L01"]
    uncited = dy.assign(footnotes=pd.array([None] * len(dy), dtype="string"))
    assert list(es.key_events(uncited, 3)["event_id"]) == ["E01", "E02", "E04"]  # then the earlier
    deadly = uncited.assign(fatalities=pd.array([5 if x == "L01" else None for x in dy["event_id"]], dtype="Int64"))
    assert list(es.key_events(deadly, 3)["event_id"]) == ["E02", "E04", "L01"]
    assert es.key_events(dy, 0).empty
    with pytest.raises(ValueError):
        es.key_events(dy, -1)


def test_change_point_by_hand() -> None:
    s = pd.Series([0.0, 0.0, 0.0, 5.0, 5.0], index=pd.date_range("2019-01-01", periods=5, freq="MS"))
    cp = es.change_point(s)
    assert cp == {"at": pd.Timestamp("2019-04-01"), "before": 0.0, "after": 5.0}
    s2 = pd.Series([-1.0, np.nan, -1.0, -9.0, -9.0, -8.0])
    assert es.change_point(s2)["at"] == 3
    with pytest.raises(ValueError, match="two"):
        es.change_point(pd.Series([1.0, np.nan]))
    # one odd last value is a "shift" of its own unless each side must hold a few values
    s3 = pd.Series([-1.0, -2.0, -1.0, -2.0, -1.0, -2.0, 9.0])
    assert es.change_point(s3)["at"] == 6
    assert es.change_point(s3, min_size=3)["at"] in (3, 4)
    with pytest.raises(ValueError, match="6"):
        es.change_point(s3.iloc[:5], min_size=3)


def test_change_point_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        x = rng.normal(size=rng.integers(2, 40))
        x[rng.integers(0, len(x)) :] += rng.normal(0, 5)
        errs = [((x[:k] - x[:k].mean()) ** 2).sum() + ((x[k:] - x[k:].mean()) ** 2).sum() for k in range(1, len(x))]
        best = 1 + int(np.argmin(errs))
        cp = es.change_point(pd.Series(x))
        assert cp["at"] == best
        assert cp["before"] == pytest.approx(x[:best].mean()) and cp["after"] == pytest.approx(x[best:].mean())


def test_draw_escalation_draws_the_index(tiny) -> None:
    ev, a = tiny["events"], tiny["actors"]
    idx = es.escalation_index(ev, a)
    key = es.key_events(es.dyad_events(ev, a, "us_camp", "iran_camp"), 2)
    fig = es.draw_escalation(idx, key=key, label_a="US camp", label_b="Iran camp")
    ax = fig.axes[0]
    line = next(ln for ln in ax.lines if ln.get_gid() == "index")
    assert np.allclose(line.get_ydata(), idx["index"].to_numpy())
    periods = [c for c in ax.collections if c.get_gid() == "periods"]
    assert len(periods) == 1  # the per-period area is drawn for both directions
    assert [t.get_text() for t in ax.texts] == ["1", "2"]  # numbers at the points, the list below the axes
    listed = "\n".join(t.get_text() for t in fig.texts if t.get_gid() == "key-list")
    assert listed == "1. 20 May 2019: Bravo deployment\n2. 1 Jul 2019: Delta rocket fire"
    assert figure_title(fig).startswith("Escalation index")
    assert "5 events in all" in alt_text(fig)
    assert "Delta rocket fire" in alt_text(fig) and "May 2019" in alt_text(fig)
    again = es.draw_escalation(idx.iloc[:0], fig=fig)
    assert again is fig and alt_text(fig).startswith("Empty chart")
    assert not [t for t in fig.texts if t.get_gid() == "key-list"]  # old labels removed on reuse


# --- real data ------------------------------------------------------------------------------------------
def test_real_index_conserves_the_events(tables) -> None:
    ev, a = tables["events"], tables["actors"]
    dy = es.dyad_events(ev, a, "us_camp", "iran_camp")
    assert len(dy) > 0
    for freq in ("MS", "W"):
        idx = es.escalation_index(ev, a, freq=freq)
        assert idx["events"].sum() == len(dy)
        assert idx["index"].sum() == pytest.approx(dy["goldstein"].astype(float).sum())
        assert np.allclose(idx["a_to_b"] + idx["b_to_a"], idx["index"])
    smooth = es.escalation_index(ev, a, window=3)
    assert smooth["index"].min() >= es.escalation_index(ev, a)["index"].min() - 1e-9


def test_real_article_period_is_more_conflictual_than_cooperative(tables) -> None:
    ev, a = tables["events"], tables["actors"]
    art = ev[ev["period"].astype(str) == "article"]
    idx = es.escalation_index(ev, a, start=art["date"].min(), end=art["date"].max())
    assert idx["goldstein_sum"].sum() < 0  # the article's story is one of escalation (sanity check on coding)


# --- widget ---------------------------------------------------------------------------------------------
def index_line(view: we.EscalationView) -> np.ndarray:
    return np.asarray(view.line.y, dtype=float)


def test_widget_labels_and_accessibility(tiny) -> None:
    view = we.make_view(tiny)
    for name, control in view.controls.items():
        assert control.description.strip(), name
    assert figure_title(view.result.figure) and alt_text(view.result.figure)
    assert list(view.dyads) == ["us_camp|iran_camp", "iran_camp|mediator", "irn|usa", "irn|irq"]


def test_widget_controls_change_the_series(tiny) -> None:
    view = we.make_view(tiny, span="")
    assert index_line(view)[:3] == pytest.approx([-11.2, 0.0, -12.0])
    assert "Periods: 24; events: 5" in view.status.value
    view.controls["how"].value = "count"
    assert index_line(view)[:3] == pytest.approx([2, 0, 2])
    view.controls["freq"].value = "week"
    assert len(view.result.index) == len(index_line(view)) > 24
    view.set_values(freq="month", how="sum", window=2)
    assert index_line(view)[:3] == pytest.approx([-11.2, -5.6, -6.0])
    view.set_values(window=1, direction="a_to_b")
    assert index_line(view)[:1] == pytest.approx([-7.2])
    assert "events: 2" in view.status.value
    view.controls["n_key"].value = 1
    assert list(view.key_labels.text) == ["1"] and len(view.keys.x) == 1
    assert "<ol><li>20 May 2019: Bravo deployment (E02, Goldstein -7.2)</li></ol>" in view.key_list_html()
    view.controls["n_key"].value = 0
    assert view.key_list_html() == "<p>No key events shown.</p>" and not len(view.key_labels.text)


def test_widget_count_axis_is_whole_numbers_from_zero(tiny) -> None:
    view = we.make_view(tiny, span="", how="count")
    assert view.sy.min == 0
    assert all(float(t).is_integer() for t in view.ax_y.tick_values)


def test_widget_opens_on_the_crisis_months_and_explains_an_empty_dyad(tiny) -> None:
    view = we.make_view(tiny)
    assert view.controls["span"].value == "crisis"
    assert view.result.index.index[0] == pd.Timestamp("2019-05-01")
    view.set_values(dyad="irn|irq")
    if not len(view.result.dyad_events):
        assert "Nothing to show" in view.status.value
    view.set_values(direction="b_to_a", dyad="iran_camp|mediator")
    assert (len(view.result.dyad_events) == 0) == ("Nothing to show" in view.status.value)


def test_widget_reports_no_level_shift_from_a_single_period(tables) -> None:
    view = we.make_view(tables)
    for key in view.dyads:
        view.set_values(dyad=key)
        if int((view.result.index["events"] > 0).sum()) < 4:
            assert view.result.change is None and "level shift" not in view.status.value


def test_widget_dyad_and_span(tiny) -> None:
    view = we.make_view(tiny, span="")
    view.controls["dyad"].value = "irn|usa"
    assert set(view.result.dyad_events["event_id"].astype(str)) == {"E01", "E02", "E05", "L01"}
    assert "Iran" in figure_title(view.result.figure)
    view.controls["span"].value = "article"
    assert view.result.index.index[0] == pd.Timestamp("2019-05-01")
    assert view.result.index.index[-1] == pd.Timestamp("2019-07-01")
    assert "L01" not in set(view.result.dyad_events["event_id"].astype(str))


def test_widget_on_real_data_runs_every_benchmark_step(tables) -> None:
    view = we.make_view(tables)
    seen = set()
    for step in we.BENCHMARK_STEPS:
        for name, value in step.items():
            view.controls[name].value = value
        assert len(index_line(view)) == len(view.result.index)
        assert view.result.index["events"].sum() == len(view.result.dyad_events)
        assert f"events: {len(view.result.dyad_events)}" in view.status.value
        seen.add(round(float(np.nansum(index_line(view))), 6))
    assert len(seen) > 1
