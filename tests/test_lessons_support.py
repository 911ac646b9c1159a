"""The helpers lessons share (now in the modules they belong to): a bad id is named, figures stay accessible.

``brinkmanship.lessons_support`` is kept as an alias of their old home; the last test pins that.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from brinkmanship import escalation, footnotes, lessons_support, timeline
from brinkmanship.style import alt_text, figure_title


def test_with_camps_maps_source_and_target_alignment(tables: dict) -> None:
    camps = escalation.with_camps(tables["events"], tables["actors"]).set_index("event_id")
    alignment = tables["actors"].set_index("actor_id")["alignment"]
    row = camps.loc["E19"]
    assert row["source_camp"] == alignment[row["source_actor_id"]]
    assert row["target_camp"] == alignment[row["target_actor_id"]]
    no_target = camps[camps["target_actor_id"].isna()]
    assert no_target["target_camp"].isna().all()


def test_dispute_table_keeps_order_and_names_unknown_ids(tables: dict) -> None:
    table = timeline.dispute_table(tables["events"], ["E33", "E30"])
    assert list(table["event_id"]) == ["E33", "E30"]
    assert {"disputed", "verification_url"} <= set(table.columns)
    with pytest.raises(KeyError, match="E999"):
        timeline.dispute_table(tables["events"], ["E30", "E999"])


def test_footnote_table_grades_and_rejects_missing_footnotes(tables: dict) -> None:
    table = footnotes.footnote_table(tables["sources"], [5, 1])
    assert list(table["footnote"]) == [1, 5]
    src = tables["sources"].set_index("footnote")
    assert table.loc[1, "admiralty"] == f"{src.loc[5, 'reliability']}{src.loc[5, 'credibility']}"
    assert not table["author"].astype("string").str.contains(";[^ ]", regex=True).any()
    with pytest.raises(KeyError, match="25"):
        footnotes.footnote_table(tables["sources"], [1, 25])


def test_event_strip_is_titled_and_alt_text_lists_events_in_date_order(tables: dict) -> None:
    fig = timeline.event_strip(tables["events"], ["E11", "E09"], "Order of two events", actors=tables["actors"])
    try:
        assert figure_title(fig) == "Order of two events"
        text = alt_text(fig) or ""
        assert text.index("E09") < text.index("E11")  # E09 (Jul 2019) precedes E11 (Sep 2019)
    finally:
        plt.close(fig)


def test_footnote_counts_match_a_plain_count(tables: dict) -> None:
    counts = footnotes.footnote_counts(tables["events"])
    lists = tables["events"]["footnotes"].fillna("").str.split(";")
    for footnote in (1, 11, 17):
        assert counts[footnote] == sum(str(footnote) in cell for cell in lists)
    assert counts.is_monotonic_decreasing


def test_old_home_still_works() -> None:
    assert lessons_support.with_camps is escalation.with_camps
    assert lessons_support.footnote_table is footnotes.footnote_table
    assert lessons_support.event_strip is timeline.event_strip
