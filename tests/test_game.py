"""The chicken game: exact textbook answers, algebra cross-checked with nashpy, validation, and the widget."""

from __future__ import annotations

import math
from fractions import Fraction

import matplotlib.pyplot as plt
import nashpy as nash
import numpy as np
import pytest

from brinkmanship import game
from brinkmanship.style import alt_text, figure_title
from brinkmanship.widgets import game as game_widget

TEXTBOOK = game.ChickenPayoffs()  # gain 1, cost of backing down 1, cost of war 10, both sides


@pytest.fixture(autouse=True)
def _close_figures():
    """Views and figure helpers open pyplot figures; close them so the suite does not pile them up."""
    yield
    plt.close("all")


def test_textbook_matrix_matches_the_conventions_table():
    a, b = game.payoff_matrices(TEXTBOOK)
    # rows/cols (swerve, straight); cells (row, col) = (0,0) (-1,1) / (1,-1) (-10,-10)
    assert a.tolist() == [[0, -1], [1, -10]]
    assert b.tolist() == [[0, 1], [-1, -10]]
    assert game.matrix_table(TEXTBOOK).to_numpy().tolist() == [["(0, 0)", "(-1, 1)"], ["(1, -1)", "(-10, -10)"]]


def test_textbook_equilibria_are_exact():
    a, b = game.payoff_matrices(TEXTBOOK)
    assert game.pure_equilibria(a, b) == [("swerve", "straight"), ("straight", "swerve")]
    eq = game.mixed_equilibrium(a, b)
    assert eq.us_mix == (Fraction(9, 10), Fraction(1, 10))
    assert eq.iran_mix == (Fraction(9, 10), Fraction(1, 10))
    assert eq.us_payoff == Fraction(-1, 10) and eq.iran_payoff == Fraction(-1, 10)
    assert eq.p_war == Fraction(1, 100)
    assert game.p_war(TEXTBOOK) == Fraction(1, 100)


def test_asymmetric_case_by_hand():
    # US: g=2, b=1, w=5; Iran: g=3, b=2, w=5.
    # Iran's P(straight) q = g_US / (g_US + w_US - b_US) = 2 / 6 = 1/3
    # US P(straight)    p = g_IR / (g_IR + w_IR - b_IR) = 3 / 6 = 1/2
    # US payoff = -b_US * q = -1/3; Iran payoff = -b_IR * p = -1; P(war) = 1/6
    p = game.ChickenPayoffs(2, 1, 5, 3, 2, 5)
    eq = game.mixed_equilibrium(*game.payoff_matrices(p))
    assert (eq.us_straight, eq.iran_straight) == (Fraction(1, 2), Fraction(1, 3))
    assert (eq.us_payoff, eq.iran_payoff) == (Fraction(-1, 3), Fraction(-1))
    assert eq.p_war == Fraction(1, 6)


@pytest.mark.parametrize(
    "stakes", [(1, 1, 10, 1, 1, 10), (2, 1, 5, 3, 2, 8), (0.5, 2.5, 20, 7, 0.5, 3.5), (10, 9.5, 50, 0.5, 0.5, 1)]
)
def test_equilibria_agree_with_nashpy_support_enumeration(stakes):
    p = game.ChickenPayoffs(*stakes)
    a, b = game.payoff_matrices(p)
    found = list(nash.Game(a.astype(float), b.astype(float)).support_enumeration())
    assert len(found) == 3
    pure = sorted(
        (game.STRATEGIES[int(np.argmax(r))], game.STRATEGIES[int(np.argmax(c))])
        for r, c in found
        if max(r) == 1 and max(c) == 1
    )
    assert pure == sorted(game.pure_equilibria(a, b))
    ((r_mix, c_mix),) = [(r, c) for r, c in found if 0 < r[1] < 1]
    eq = game.mixed_equilibrium(a, b)
    assert r_mix[1] == pytest.approx(float(eq.us_straight))
    assert c_mix[1] == pytest.approx(float(eq.iran_straight))


def test_floats_are_read_by_their_decimal_text():
    p = game.ChickenPayoffs(us_gain=0.1)
    assert p.us_gain == Fraction(1, 10)
    # q = 0.1 / (0.1 + 10 - 1) = 1/91
    assert game.mixed_equilibrium(*game.payoff_matrices(p)).iran_straight == Fraction(1, 91)


def test_not_chicken_is_explained_not_crashed():
    # Iran's cost of backing down exceeds its cost of war: holding firm always pays for Iran.
    p = game.ChickenPayoffs(iran_backdown_cost=12)
    assert not game.is_chicken(p)
    problems = game.chicken_problems(p)
    assert len(problems) == 1 and problems[0].startswith("Iran:") and "backing down" in problems[0]
    with pytest.raises(game.NotChickenError, match="T > R > S > P"):
        game.check_chicken(p)
    with pytest.raises(game.NotChickenError):
        game.p_war(p)
    analysis = game.analyse(p)
    assert not analysis.chicken
    assert analysis.pure == [("swerve", "straight")]  # only the US can blink
    # at equality holding firm is only weakly better, so the US-prevails cell is a (weak) equilibrium too
    assert len(game.analyse(game.ChickenPayoffs(iran_backdown_cost=10)).pure) == 2


def test_when_neither_side_prefers_compromise_to_war_the_only_equilibrium_is_war():
    p = game.ChickenPayoffs(us_backdown_cost=12, iran_backdown_cost=12)
    analysis = game.analyse(p)
    assert analysis.pure == [("straight", "straight")]
    assert analysis.mixed is None
    assert {m.split(":")[0] for m in analysis.problems} == {"US", "Iran"}


def test_zero_gain_and_zero_backdown_are_flagged():
    problems = game.chicken_problems(game.ChickenPayoffs(us_gain=0, us_backdown_cost=0))
    assert any("gain" in m for m in problems) and any("cost of backing down" in m for m in problems)


@pytest.mark.parametrize("bad", [math.inf, math.nan, "3", None, True])
def test_bad_stake_values_raise_a_clear_error(bad):
    with pytest.raises(ValueError, match="us_war_cost"):
        game.ChickenPayoffs(us_war_cost=bad)


def test_mixed_equilibrium_none_without_a_fully_mixed_solution():
    # prisoner's dilemma: defection dominant, no fully mixed equilibrium
    a = np.array([[3, 0], [5, 1]], dtype=object)
    assert game.mixed_equilibrium(a, a.T) is None


def test_p_war_curve_matches_the_exact_equilibrium():
    p = game.ChickenPayoffs(2, 1, 5, 3, 2, 8)
    curve = game.p_war_curve(p, [0.5, 5, 8, 30])
    for cost, vary_us, vary_ir in curve.itertuples(index=False):
        for varied, value in (("us_war_cost", vary_us), ("iran_war_cost", vary_ir)):
            changed = game.ChickenPayoffs(**{**_stakes(p), varied: cost})
            if game.is_chicken(changed):
                assert value == pytest.approx(float(game.p_war(changed)))
            else:
                assert math.isnan(value)
    # cost of war 0.5 is below the US cost of backing down (1): not chicken there
    assert math.isnan(curve.iloc[0]["p_war_vary_us"])


def _stakes(p: game.ChickenPayoffs) -> dict:
    return {
        k: getattr(p, k)
        for k in ("us_gain", "us_backdown_cost", "us_war_cost", "iran_gain", "iran_backdown_cost", "iran_war_cost")
    }


def test_figure_has_title_alt_text_and_current_point():
    fig = game.p_war_figure(TEXTBOOK)
    assert figure_title(fig) and alt_text(fig)
    assert "0.010" in alt_text(fig)
    us_dot = fig.axes[0].lines[2]
    assert list(us_dot.get_xdata()) == [10.0] and us_dot.get_ydata()[0] == pytest.approx(0.01)


# --- widget ----------------------------------------------------------------------------------------------


@pytest.fixture
def view():
    return game_widget.make_view()


def test_every_control_is_labelled(view):
    assert len(view.controls) == 6
    for name, control in view.controls.items():
        assert control.description.strip(), name
    labels = {c.description for c in view.controls.values()}
    assert {"US cost of war", "Iran cost of war", "US gain from prevailing"} <= labels


def test_initial_view_is_the_textbook_case(view):
    mixed = view.result["analysis"].mixed
    assert mixed.p_war == Fraction(1, 100)
    assert "0.0100" in view.status.value
    assert "<caption>" in game_widget.matrix_html(view.result["table"])


def test_moving_a_slider_updates_table_status_and_figure(view):
    fig = view.result["figure"]
    before_line = np.array(view.curve_iran.y, dtype=float)
    view.controls["us_gain"].value = 3.0
    assert view.result["figure"] is fig  # the figure is reused, not rebuilt
    assert view.result["table"].iloc[1, 0] == "(3, -1)"
    # Iran's P(straight) = 3 / (3 + 10 - 1) = 1/4; US P(straight) = 1/10; P(war) = 1/40
    assert view.result["analysis"].mixed.iran_straight == Fraction(1, 4)
    assert view.result["analysis"].mixed.us_straight == Fraction(1, 10)
    assert view.result["analysis"].mixed.p_war == Fraction(1, 40)
    assert "0.0250" in view.status.value
    assert not np.allclose(np.array(view.curve_iran.y, dtype=float), before_line, equal_nan=True)


def test_not_chicken_settings_show_the_reason(view):
    view.set_values(iran_backdown_cost=10.0, iran_war_cost=5.0)
    assert "Not a game of chicken" in view.status.value
    assert "Iran" in view.status.value
    assert "no mixed equilibrium" in alt_text(view.result["figure"])
    assert len(view.dot_us.x) == 0 and "disappears" in view.status.value  # the missing dot is explained


def test_exercise_7_3_stake_is_on_the_slider(view):
    view.set_values(iran_backdown_cost=12.0)
    assert view.controls["iran_backdown_cost"].value == 12.0


def test_benchmark_steps_are_valid_and_return_to_start(view):
    start = view.values()
    for step in game_widget.BENCHMARK_STEPS:
        view.set_values(**step)
    assert view.values() == start


def test_note_is_present_and_in_own_words():
    assert "blinks first" in game_widget.NOTE
    assert "cost of backing down" in game_widget.NOTE


def test_result_is_frozen_and_reads_as_mapping(view):
    import dataclasses

    assert view.result.figure is view.result["figure"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.result.summary = "changed"
