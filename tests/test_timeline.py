"""Timeline: filters, drawing and event detail on hand-made frames (answers worked out by hand) and on the
real data; the TimelineExplorer widget driven through its controls."""

from __future__ import annotations

import ipywidgets as w
import numpy as np
import pandas as pd
import pytest
from events_helpers import tiny_tables
from matplotlib.colors import to_rgba

from brinkmanship import timeline as tl
from brinkmanship.style import GOLDSTEIN_CMAP, alt_text, figure_title
from brinkmanship.widgets import timeline as wt


@pytest.fixture
def tiny() -> dict[str, pd.DataFrame]:
    return tiny_tables()


@pytest.fixture
def ev(tiny: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return tl.prepare_events(tiny["events"], tiny["actors"])


def ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["event_id"].astype(str))


# --- pure functions on hand-made data -------------------------------------------------------------------
def test_prepare_sorts_by_date_and_names_actors(ev: pd.DataFrame) -> None:
    assert list(ev["event_id"]) == ["C01", "E01", "E02", "E03", "E04", "E05", "L01"]
    row = ev.set_index("event_id").loc["E02"]
    assert (row["source_name"], row["target_name"]) == ("US armed forces", "Revolutionary Guard")
    assert pd.isna(ev.set_index("event_id").loc["E03", "target_name"])
    assert ev.set_index("event_id").loc["E03", "date_last"] == pd.Timestamp("2019-06-14")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, {"C01", "E01", "E02", "E03", "E04", "E05", "L01"}),
        ({"text": "tanker"}, {"E01", "E03"}),  # E01 only in notes, E03 in the title
        ({"text": "TANKER charlie"}, {"E03"}),  # case-insensitive, every term must match
        ({"text": "one thing"}, {"E02"}),  # the disputed note is searched too
        ({"text": "   "}, {"C01", "E01", "E02", "E03", "E04", "E05", "L01"}),
        ({"start": "2019-06-14", "end": "2019-06-30"}, {"E03"}),  # multi-day E03 overlaps the range
        ({"start": "2019-06-15", "end": "2019-06-30"}, set()),
        ({"start": "2019-07-01", "end": "2019-07-01"}, {"E04"}),  # both ends inclusive
        ({"actors": ["kh"]}, {"E04"}),
        ({"actors": ["usa"]}, {"E01", "E04", "E05", "L01"}),  # source or target; children not included
        ({"actors": ["usa", "irq"]}, {"C01", "E01", "E04", "E05", "L01"}),
        ({"theatres": "gulf_waters"}, {"E02", "E03"}),
        ({"theatres": ["iraq", "iran"]}, {"E01", "E04"}),
        ({"quad_class": 4}, {"E02", "E03", "E04"}),
        ({"acled_type": "Explosions/Remote violence"}, {"E03", "E04"}),
        ({"periods": "later"}, {"L01"}),
        ({"periods": ["context", "later"]}, {"C01", "L01"}),
        ({"periods": "article", "theatres": "gulf_waters", "text": "tanker"}, {"E03"}),
    ],
)
def test_filter_events(ev: pd.DataFrame, kwargs: dict, expected: set[str]) -> None:
    assert ids(tl.filter_events(ev, **kwargs)) == expected


def test_filter_accepts_unprepared_frames(tiny: dict[str, pd.DataFrame]) -> None:
    assert ids(tl.filter_events(tiny["events"], theatres="iraq")) == {"E04"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"theatres": "atlantis"}, "atlantis"),
        ({"periods": "future"}, "future"),
        ({"actors": ["nobody"]}, "nobody"),
        ({"quad_class": 7}, "quad_class"),
        ({"acled_type": "Skirmish"}, "Skirmish"),
        ({"start": "2020-01-01", "end": "2019-01-01"}, "inverted"),
    ],
)
def test_filter_rejects_bad_input_with_a_named_error(ev: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tl.filter_events(ev, **kwargs)


def test_missing_column_is_named(tiny: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(ValueError, match="theatre"):
        tl.prepare_events(tiny["events"].drop(columns="theatre"))


def test_event_type_options_and_keys(ev: pd.DataFrame) -> None:
    keys = [k for _, k in tl.event_type_options(ev)]
    assert keys == ["quad:1", "quad:3", "quad:4", "acled:Explosions/Remote violence", "acled:Strategic developments"]
    assert tl.parse_event_type("quad:3") == (3, None)
    assert tl.parse_event_type("acled:Riots") == (None, "Riots")
    assert tl.parse_event_type("") == (None, None)
    with pytest.raises(ValueError, match="unknown event type"):
        tl.parse_event_type("quad:9")


def test_format_date_respects_precision() -> None:
    assert tl.format_date("2019-05-08") == "8 May 2019"
    assert tl.format_date("2018-11-01", "month") == "November 2018"
    assert tl.format_date("2018-01-01", "year") == "2018"


def test_event_table_formats_rows(ev: pd.DataFrame) -> None:
    table = tl.event_table(tl.filter_events(ev, periods="later"))
    assert table.to_dict("records") == [
        {
            "event": "L01",
            "date": "April 2021",
            "what": "Foxtrot negotiations",
            "who": "United States → Iran",
            "theatre": "diplomatic",
            "goldstein": 4.0,
        }
    ]


def test_event_detail_has_sources_verification_and_dispute(tiny: dict[str, pd.DataFrame]) -> None:
    d = tl.event_detail(tiny["events"], "E01", tiny["sources"], tiny["actors"])
    assert d["who"] == {"source": "Iran", "target": "United States", "source_id": "irn", "target_id": "usa"}
    assert d["date"] == "8 May 2019"
    assert [(f["footnote"], f["title"], f["url"]) for f in d["footnotes"]] == [
        (1, "Source one title", "https://example.org/one"),
        (2, "Source two title", None),
    ]
    assert d["verification_url"] == "https://example.org/E01"
    assert d["disputed"] is None and "Disputed" not in d["markdown"]
    assert "Source one title" in d["markdown"] and "https://example.org/one" in d["markdown"]
    assert "(no public URL)" in d["markdown"]

    d2 = tl.event_detail(tiny["events"], "E02", tiny["sources"], tiny["actors"])
    assert d2["disputed"] == "Side X says one thing, side Y another."
    assert "**Disputed:** Side X says one thing" in d2["markdown"]
    assert d2["cameo"]["goldstein"] == -7.2

    d3 = tl.event_detail(tiny["events"], "E03", tiny["sources"], tiny["actors"])
    assert d3["date"] == "13 June 2019 to 14 June 2019"
    assert d3["footnotes"] == [] and "none (the article gives no footnote for it)" in d3["markdown"]
    background = tiny["events"].assign(in_article=pd.array([False] * len(tiny["events"]), dtype="boolean"))
    d4 = tl.event_detail(background, "E03", tiny["sources"], tiny["actors"])
    assert "the article does not use this event" in d4["markdown"]
    assert d3["who"]["target"] is None


def test_event_detail_unknown_id_and_unknown_footnote(tiny: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(KeyError, match="E99"):
        tl.event_detail(tiny["events"], "E99", tiny["sources"], tiny["actors"])
    missing = tl.footnote_sources("1;9", tiny["sources"])
    assert [f["footnote"] for f in missing] == [1, 9] and missing[1]["title"] is None
    assert "[9] (not in sources.csv)" in tl.detail_markdown(
        {**tl.event_detail(tiny["events"], "E01", tiny["sources"], tiny["actors"]), "footnotes": missing}
    )
    with pytest.raises(ValueError, match="x"):
        tl.footnote_sources("1;x", tiny["sources"])


def test_draw_timeline_by_theatre_places_and_colours_points(ev: pd.DataFrame) -> None:
    fig = tl.draw_timeline(ev, lanes="theatre")
    ax = fig.axes[0]
    points = ax.collections[0]
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    assert lanes == ["diplomatic", "iran", "gulf waters", "iraq"]  # order of first appearance
    assert len(points.get_offsets()) == len(ev)
    # the E04 point (Delta rocket fire, iraq, -10) sits in lane 3 and has the darkest conflict colour
    y = np.asarray(points.get_offsets())[:, 1]
    assert list(y) == [0, 1, 2, 2, 3, 0, 0]
    cmap = matplotlib_cmap()
    assert list(points.get_array()) == [4.0, -4.0, -7.2, -9.2, -10.0, -2.0, 4.0]
    assert np.allclose(points.to_rgba(points.get_array())[4], cmap(tl.GOLDSTEIN_NORM(-10.0)))
    assert points.get_sizes()[4] == pytest.approx(20 + 10 * 10)
    assert figure_title(fig) and "7 events" in alt_text(fig) and "Delta rocket fire" in alt_text(fig)


def matplotlib_cmap():
    import matplotlib

    return matplotlib.colormaps[GOLDSTEIN_CMAP]


def test_draw_timeline_by_actor_draws_source_and_target_marks(ev: pd.DataFrame, tiny) -> None:
    names = tl.actor_names(tiny["actors"])
    fig = tl.draw_timeline(ev, lanes="actor", actors=["usa", "irn"], actor_labels=names)
    ax = fig.axes[0]
    filled, hollow = ax.collections[0], ax.collections[1]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["United States", "Iran"]
    # sources among {usa, irn}: E01 irn, E05 irn, L01 usa; targets: C01 irn, E01 usa, E04 usa, E05 usa, L01 irn
    assert len(filled.get_offsets()) == 3
    assert len(hollow.get_offsets()) == 5
    assert all(to_rgba(c)[3] == 0 for c in hollow.get_facecolors())  # hollow: no fill
    assert list(filled.get_array()) == [-4.0, -2.0, 4.0]  # E01, E05, L01 coloured by Goldstein


def test_draw_timeline_reuses_canvas_and_handles_empty(ev: pd.DataFrame) -> None:
    canvas = tl.new_canvas()
    fig1 = tl.draw_timeline(ev, canvas=canvas)
    fig2 = tl.draw_timeline(ev.iloc[:0], canvas=canvas)
    assert fig1 is fig2 is canvas.figure
    assert len(fig2.axes[0].collections[0].get_offsets()) == 0
    assert alt_text(fig2).startswith("Empty timeline")
    with pytest.raises(ValueError, match="lanes"):
        tl.draw_timeline(ev, lanes="country")


# --- real data ------------------------------------------------------------------------------------------
def test_real_filters_partition_the_events(tables: dict[str, pd.DataFrame]) -> None:
    ev = tl.prepare_events(tables["events"], tables["actors"])
    assert len(tl.filter_events(ev)) == len(ev) > 0
    by_period = sum(len(tl.filter_events(ev, periods=p)) for p in tl.PERIODS)
    assert by_period == len(ev)
    for theatre, n in ev["theatre"].astype(str).value_counts().items():
        assert len(tl.filter_events(ev, theatres=theatre)) == n
    by_quad = sum(len(tl.filter_events(ev, quad_class=q)) for q in tl.QUAD_CLASSES)
    assert by_quad == len(ev)


def test_real_search_finds_an_event_by_a_word_of_its_title(tables: dict[str, pd.DataFrame]) -> None:
    ev = tl.prepare_events(tables["events"], tables["actors"])
    row = ev.iloc[len(ev) // 2]
    word = max(str(row["title"]).split(), key=len)
    assert row["event_id"] in ids(tl.filter_events(ev, text=word))


def test_real_actor_filter_matches_source_or_target(tables: dict[str, pd.DataFrame]) -> None:
    ev = tables["events"]
    actor = ev["source_actor_id"].astype(str).value_counts().index[0]
    found = tl.filter_events(ev, actors=[actor])
    involved = (ev["source_actor_id"].astype(str) == actor) | (ev["target_actor_id"].astype(str) == actor)
    assert ids(found) == set(ev.loc[involved.fillna(False), "event_id"].astype(str))


def test_real_event_details_cite_sources_csv(tables: dict[str, pd.DataFrame]) -> None:
    src_titles = dict(
        zip(tables["sources"]["footnote"].astype(int), tables["sources"]["title"].astype(str), strict=True)
    )
    with_notes = 0
    for event_id in tables["events"]["event_id"].astype(str):
        d = tl.event_detail(tables["events"], event_id, tables["sources"], tables["actors"])
        assert d["verification_url"].startswith("http") and d["verification_url"] in d["markdown"]
        for f in d["footnotes"]:
            with_notes += 1
            assert f["title"] == src_titles[f["footnote"]]
            assert f"[{f['footnote']}]" in d["markdown"]
    assert with_notes > 0


def test_real_disputed_events_show_the_dispute(tables: dict[str, pd.DataFrame]) -> None:
    ev = tables["events"]
    disputed = ev[ev["disputed"].notna()]
    for event_id in disputed["event_id"].astype(str):
        assert "**Disputed:**" in tl.event_detail(ev, event_id, tables["sources"], tables["actors"])["markdown"]


# --- widget ---------------------------------------------------------------------------------------------
def table_ids(view: wt.TimelineExplorer) -> list[str]:
    return list(view.result.table["event"])


def test_widget_every_control_is_labelled_and_figure_accessible(tiny) -> None:
    view = wt.make_view(tiny)
    for name, control in view.controls.items():
        assert control.description.strip(), name
    assert figure_title(view.result.figure) and alt_text(view.result.figure)
    assert isinstance(view.layout(), w.VBox)


def test_widget_theatre_filter_updates_table_figure_status_and_detail(tiny) -> None:
    view = wt.make_view(tiny)
    assert view.result.n == 7 and view.result.chosen == "C01"
    view.controls["theatre"].value = "gulf_waters"
    r = view.result
    assert table_ids(view) == ["E02", "E03"]
    assert len(view.points.x) == 2 and r.figure is view.canvas  # the live figure is updated, not rebuilt
    assert "Matching events: 2" in view.status.value
    assert [v for _, v in view.controls["event"].options] == ["E02", "E03"]
    assert view.controls["event"].value == "E02" and r.detail["title"] == "Bravo deployment"
    assert "2 events" in figure_title(r.figure) and "2 events" in alt_text(r.figure)


def test_widget_event_choice_changes_only_the_detail(tiny) -> None:
    view = wt.make_view(tiny)
    before = view.result.events
    view.controls["event"].value = "E04"
    assert view.result.detail["title"] == "Delta rocket fire"
    assert view.result.events is before  # no refiltering for a detail change


def test_widget_search_period_type_and_actor_lanes(tiny) -> None:
    view = wt.make_view(tiny)
    view.controls["search"].value = "tanker"
    assert table_ids(view) == ["E01", "E03"]
    view.controls["search"].value = ""
    view.controls["period"].value = "context"
    assert table_ids(view) == ["C01"]
    view.controls["period"].value = ""
    view.controls["event_type"].value = "acled:Explosions/Remote violence"
    assert table_ids(view) == ["E03", "E04"]
    view.set_values(event_type="", actors=("kh", "usa"), lanes="actor")
    assert list(view.ax_y.tick_labels.values()) == ["Militia K", "United States"]
    assert len(view.targets.x) > 0  # acted-upon marks drawn hollow in actor lanes
    assert table_ids(view) == ["E01", "E04", "E05", "L01"]


def test_widget_date_slider_and_play_step_the_end_date(tiny) -> None:
    view = wt.make_view(tiny)
    months = view.months
    assert months[0] == pd.Timestamp("2018-01-01") and months[-1] == pd.Timestamp("2021-04-01")
    view.controls["dates"].index = (months.index(pd.Timestamp("2019-05-01")), months.index(pd.Timestamp("2019-06-01")))
    assert table_ids(view) == ["E01", "E02", "E03"]  # June's end is included
    view.controls["play"].value = 0  # cannot go before the range start
    assert view.result.end == pd.Timestamp("2019-05-31") and table_ids(view) == ["E01", "E02"]
    view.step_play()
    assert view.result.end == pd.Timestamp("2019-06-30") and table_ids(view) == ["E01", "E02", "E03"]
    view.step_play()
    assert table_ids(view) == ["E01", "E02", "E03", "E04", "E05"]


def test_widget_play_is_disabled_headless(tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRINKMANSHIP_HEADLESS", "1")
    view = wt.make_view(tiny)
    assert view.controls["play"].disabled is True
    assert view.result.n == 7  # still computed headless
    monkeypatch.delenv("BRINKMANSHIP_HEADLESS")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert wt.make_view(tiny).controls["play"].disabled is False


def test_widget_empty_result_is_explained(tiny) -> None:
    view = wt.make_view(tiny)
    view.set_values(theatre="iraq", period="later")
    assert view.result.n == 0 and view.result.detail is None and view.result.chosen is None
    assert "Matching events: 0" in view.status.value and "Nothing to show" in view.status.value
    assert alt_text(view.result.figure).startswith("Empty timeline")


def test_widget_on_real_data_runs_every_benchmark_step(tables) -> None:
    view = wt.make_view(tables)
    n_all = view.result.n
    assert n_all == len(tables["events"])
    seen = set()
    for step in wt.BENCHMARK_STEPS:
        for name, value in step.items():
            view.controls[name].value = value
        assert len(view.result.table) == view.result.n
        assert len(view.points.x) <= view.result.n
        seen.add(view.result.n)
    assert len(seen) > 1  # the steps really change the selection
    view.controls["theatre"].value = "iraq"
    assert set(view.result.events["theatre"].astype(str)) == {"iraq"}


def test_widget_period_zooms_the_dates_and_actors_clear(tiny) -> None:
    view = wt.make_view(tiny)
    view.controls["period"].value = "later"
    lo, hi = view.controls["dates"].value
    assert pd.Timestamp(lo) == pd.Timestamp("2021-04-01") and pd.Timestamp(hi) == pd.Timestamp("2021-04-01")
    view.controls["period"].value = ""
    assert view.controls["dates"].index == (0, len(view.months) - 1)
    view.controls["actors"].value = ("kh",)
    view.clear_actors.click()
    assert view.controls["actors"].value == () and view.result.n == 7


def test_widget_play_starts_at_the_range_and_stop_keeps_it(tiny) -> None:
    view = wt.make_view(tiny)
    months = view.months
    start = months.index(pd.Timestamp("2019-05-01"))
    view.controls["dates"].index = (start, months.index(pd.Timestamp("2019-07-01")))
    play = view.controls["play"]
    assert play.min == start  # a wrap-around restarts at the range start, not in 2018
    play.playing = True
    play.value = start  # what the Stop button does in the browser
    play.playing = False
    assert view.controls["dates"].index == (start, months.index(pd.Timestamp("2019-07-01")))


def test_widget_click_on_a_dot_opens_the_event(tiny) -> None:
    view = wt.make_view(tiny)
    i = view._point_ids.index("E04")
    view._on_click(view.points, {"data": {"index": i}})
    assert view.result.chosen == "E04" and view.result.detail["title"] == "Delta rocket fire"


def test_event_detail_has_no_placeholder_country(tables) -> None:
    events = tables["events"]
    xxx = events.loc[events["country_iso3"].astype(str) == "XXX", "event_id"]
    for event_id in xxx.astype(str):
        markdown = tl.event_detail(events, event_id, tables["sources"], tables["actors"])["markdown"]
        where = next(line for line in markdown.splitlines() if line.startswith("**Where:**"))
        assert "XXX" not in where
