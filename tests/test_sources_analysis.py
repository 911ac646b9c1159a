"""Footnote analysis: types, self-citation, ages, pre-killing sources, experts, Admiralty grades, figure.

Mini sources (analysis_helpers): fn1 own writing 2020-01-09; fn2 news 2020-02-21; fn3 opinion 2019-09-05;
fn4 think tank January 2020 (month only); fn5 own writing 2020-01-09 (= fn1); fn6 the author's interview
2019-10-30. Killing 2020-01-03; inferred publication 2020-03-01 (2020 is a leap year).
"""

from __future__ import annotations

import pandas as pd
import pytest

from brinkmanship import sources
from brinkmanship.style import alt_text, figure_title


def test_counts_by_type_lists_all_types(mini):
    counts = sources.counts_by_type(mini["sources"])
    assert list(counts.index) == list(sources.SOURCE_TYPES)
    assert counts.loc["own_writing", "n_footnotes"] == 2 and counts.loc["own_writing", "footnotes"] == [1, 5]
    assert counts.loc["social_media", "n_footnotes"] == 0
    assert counts["share"].sum() == pytest.approx(1.0)


def test_self_citation_two_measures(mini):
    table = sources.self_citation(mini["sources"])
    assert table.loc["self_citation", ["n", "total"]].tolist() == [2, 6]
    assert table.loc["author_own_material", "footnotes"] == [1, 5, 6]
    note = sources.self_citation_note(mini["sources"])
    assert note.startswith("2 of 6 footnotes (33%)")
    assert "(fn 6)" in note and "3 of 6 (50%)" in note


def test_ages_by_hand(mini):
    ages = sources.source_ages(mini["sources"])
    assert ages["days_before_publication"].to_dict() == {1: 52, 2: 9, 3: 178, 4: 60, 5: 52, 6: 123}
    assert ages["days_before_killing"].to_dict() == {1: -6, 2: -49, 3: 120, 4: 2, 5: -6, 6: 65}
    # fn4 is dated to January 2020 only: it may be from before or after 3 January, so by the codebook's rule
    # (the whole month must be earlier) it does not count as predating the killing
    assert ages.index[ages["predates_killing"]].tolist() == [3, 6]
    assert ages.index[~ages["killing_order_certain"]].tolist() == [4]
    assert sources.check_source_ages(mini["sources"]) == []


def test_stale_recorded_age_is_reported(mini):
    edited = mini["sources"].copy()
    edited.loc[edited["footnote"] == 3, "days_before_publication"] = 100
    edited.loc[edited["footnote"] == 6, "predates_killing"] = False
    problems = sources.check_source_ages(edited)
    assert problems == [
        "fn 3: days_before_publication is 100 but issued 2019-09-05 gives 178",
        "fn 6: predates_killing is False but issued 2019-10-30",
    ]


def test_missing_date_is_named(mini):
    edited = mini["sources"].copy()
    edited.loc[edited["footnote"] == 2, "issued"] = pd.NaT
    with pytest.raises(ValueError, match=r"footnote\(s\) 2 have no readable 'issued' date"):
        sources.source_ages(edited)


def test_sources_predating_killing_oldest_first(mini):
    assert sources.sources_predating_killing(mini["sources"]).index.tolist() == [3, 6]


def test_claims_resting_only_on_own_work(mini):
    table = sources.own_work_only_claims(mini)
    assert table.index.tolist() == ["C01", "V01", "F02"]
    assert table.loc["C01", "text"] == "Paraphrase of C01"


def test_experts_and_when_they_wrote(mini):
    table = sources.experts_before_killing(mini)
    assert table[["actor_id", "footnote", "days_before_killing"]].values.tolist() == [
        ["expert_a", 3, 120],
        ["expert_b", 4, 2],
        ["expert_b", 5, -6],
    ]
    assert table["predates_killing"].tolist() == [True, False, False]
    assert table["killing_order_certain"].tolist() == [True, False, True]
    assert set(sources.experts_before_killing(mini, author_id="expert_b")["actor_id"]) == {"expert_a"}


@pytest.mark.parametrize(
    ("rel", "cred", "code"), [("B", 2, "B2"), ("a", 1, "A1"), ("F", "6", "F6"), (" c ", 3.0, "C3")]
)
def test_admiralty_code(rel, cred, code):
    assert sources.admiralty_code(rel, cred) == code
    assert sources.parse_admiralty(code) == (code[0], int(code[1]))


@pytest.mark.parametrize(
    ("rel", "cred", "message"),
    [
        ("G", 2, "reliability must be one letter A-F"),
        ("", 2, "reliability"),
        (2, "B", "reliability"),
        ("B", 0, "credibility must be a whole number 1-6"),
        ("B", 7, "credibility"),
        ("B", 2.5, "credibility"),
        ("B", True, "credibility"),
        ("B", None, "credibility"),
        ("AB", 1, "reliability"),
    ],
)
def test_admiralty_code_rejects_bad_grades(rel, cred, message):
    with pytest.raises(ValueError, match=message):
        sources.admiralty_code(rel, cred)


@pytest.mark.parametrize("code", ["B", "B22", "2B", "", None])
def test_parse_admiralty_rejects_bad_codes(code):
    with pytest.raises(ValueError):
        sources.parse_admiralty(code)


def test_admiralty_grades_and_matrix(mini):
    grades = sources.admiralty_grades(mini["sources"])
    assert grades["code"].to_dict() == {1: "C3", 2: "B2", 3: "C3", 4: "B2", 5: "C3", 6: "F6"}
    assert grades.loc[6, "credibility_meaning"] == "truth cannot be judged"
    grid = sources.admiralty_matrix(mini["sources"])
    assert grid.shape == (6, 6) and int(grid.to_numpy().sum()) == 6
    assert (grid.loc["C", 3], grid.loc["B", 2], grid.loc["F", 6]) == (3, 2, 1)


def test_bad_grade_in_table_names_the_footnote(mini):
    edited = mini["sources"].copy()
    edited["reliability"] = edited["reliability"].astype("string")
    edited.loc[edited["footnote"] == 4, "reliability"] = "Z"
    with pytest.raises(ValueError, match="footnote 4: reliability"):
        sources.admiralty_grades(edited)


def test_figure_has_title_alt_text_and_every_footnote(mini):
    fig = sources.source_age_figure(mini["sources"])
    assert figure_title(fig) == "When were the article's sources published?"
    text = alt_text(fig)
    assert "2 of 6 sources predate the killing" in text and "1 more dated only to the killing's own month" in text
    assert "oldest is fn 3 (September 2019, opinion)" in text
    plotted = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert plotted == 6
    again = sources.source_age_figure(mini["sources"], fig=fig)  # redraw in place, no stacking
    assert again is fig and len(fig.axes) == 1


# --- real data (facts from the course fact sheet: fn 1, 5, 13, 14, 19 self-cited; fn 20 interview) -------


def test_real_self_citation_is_5_of_24_and_fn20_makes_6(tables):
    table = sources.self_citation(tables["sources"])
    assert table.loc["self_citation", "footnotes"] == [1, 5, 13, 14, 19]
    assert table.loc["self_citation", "total"] == 24
    assert table.loc["author_own_material", "footnotes"] == [1, 5, 13, 14, 19, 20]
    note = sources.self_citation_note(tables["sources"])
    assert note.startswith("5 of 24 footnotes (21%)") and "(fn 20)" in note and "6 of 24 (25%)" in note


def test_real_recorded_ages_are_consistent(tables):
    assert sources.check_source_ages(tables["sources"]) == []
    # footnote 6 is dated only to January 2020: not counted as predating the killing (codebook rule)
    assert not sources.source_ages(tables["sources"]).loc[6, "predates_killing"]


def test_real_quoted_experts_wrote_before_the_killing(tables):
    table = sources.experts_before_killing(tables)
    by_fn = table.set_index("footnote")
    # Mamedov (fn 22), Razavi (fn 24), Katz (fn 21) and the Grigoryev interview (fn 20) all predate it
    for fn in (20, 21, 22, 24):
        assert by_fn.loc[fn, "predates_killing"] and by_fn.loc[fn, "killing_order_certain"]
    assert sources.AUTHOR_ID not in set(table["actor_id"])


def test_real_figure(tables):
    fig = sources.source_age_figure(tables["sources"])
    assert "of 24 sources predate the killing" in alt_text(fig)
    assert sources.counts_by_type(tables["sources"])["n_footnotes"].sum() == 24
