"""Brinkmanship as the 2x2 game of chicken: each side can back down (swerve) or hold firm (straight).

Why exact arithmetic: the course's textbook case must come out as exactly (0.9, 0.1) with expected payoff
-0.1, and learners compare their hand algebra with the code. Payoffs are kept as ``fractions.Fraction``
(floats from sliders are read by their decimal text, so 0.1 means 1/10); probabilities convert with
``float()`` for plotting.

Row player = the United States, column player = Iran. Strategy 0 = swerve (back down), 1 = straight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from fractions import Fraction
from numbers import Real

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from brinkmanship.style import CAMP_COLOURS, OKABE_ITO, set_accessible

__all__ = [
    "STRATEGIES",
    "ChickenPayoffs",
    "MixedEquilibrium",
    "NotChickenError",
    "analyse",
    "check_chicken",
    "chicken_problems",
    "is_chicken",
    "matrix_table",
    "mixed_equilibrium",
    "p_war",
    "p_war_curve",
    "p_war_figure",
    "payoff_matrices",
    "pure_equilibria",
]

STRATEGIES: tuple[str, str] = ("swerve", "straight")
PLAYERS: tuple[str, str] = ("US", "Iran")


def _exact(value: object, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Real | Fraction):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
        return Fraction(repr(value))
    return Fraction(value)


class NotChickenError(ValueError):
    """The payoffs do not make a game of chicken (T > R > S > P fails for at least one side)."""


@dataclass(frozen=True)
class ChickenPayoffs:
    """Each side's stakes, as positive magnitudes; the status quo (both swerve) is worth 0 to both.

    Payoffs for one side: prevail while the other swerves = ``gain`` (T), both swerve = 0 (R),
    swerve while the other holds = ``-backdown_cost`` (S), both hold = ``-war_cost`` (P).
    """

    us_gain: Fraction | float | int = 1
    us_backdown_cost: Fraction | float | int = 1
    us_war_cost: Fraction | float | int = 10
    iran_gain: Fraction | float | int = 1
    iran_backdown_cost: Fraction | float | int = 1
    iran_war_cost: Fraction | float | int = 10

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _exact(getattr(self, f.name), f.name))

    def side(self, player: str) -> tuple[Fraction, Fraction, Fraction, Fraction]:
        """(T, R, S, P) for ``"US"`` or ``"Iran"``."""
        prefix = {"US": "us", "Iran": "iran"}.get(player)
        if prefix is None:
            raise ValueError(f"player must be 'US' or 'Iran', got {player!r}")
        gain, back, war = (getattr(self, f"{prefix}_{n}") for n in ("gain", "backdown_cost", "war_cost"))
        return gain, Fraction(0), -back, -war


def payoff_matrices(p: ChickenPayoffs) -> tuple[np.ndarray, np.ndarray]:
    """(A, B): US (row) and Iran (column) payoffs as exact Fraction arrays, rows/cols (swerve, straight)."""
    t, r, s, w = p.side("US")
    a = np.array([[r, s], [t, w]], dtype=object)
    t, r, s, w = p.side("Iran")
    b = np.array([[r, t], [s, w]], dtype=object)
    return a, b


def chicken_problems(p: ChickenPayoffs) -> list[str]:
    """Why the payoffs are not chicken, one message per broken inequality (empty list if they are)."""
    problems = []
    for player in PLAYERS:
        t, r, s, w = p.side(player)
        if not t > r:
            problems.append(f"{player}: prevailing ({t}) must beat the status quo ({r}); raise the gain above 0")
        if not r > s:
            problems.append(
                f"{player}: backing down ({s}) must be worse than the status quo ({r}); "
                "the cost of backing down must be above 0"
            )
        if not s > w:
            problems.append(
                f"{player}: war ({w}) must be worse than backing down ({s}); with a cost of war "
                f"({-w}) not above the cost of backing down ({-s}), holding firm is never "
                "worse than backing down, so the game is not chicken"
            )
    return problems


def is_chicken(p: ChickenPayoffs) -> bool:
    """True when T > R > S > P holds for both sides."""
    return not chicken_problems(p)


def check_chicken(p: ChickenPayoffs) -> ChickenPayoffs:
    """Return ``p`` unchanged, or raise :class:`NotChickenError` naming each broken inequality."""
    problems = chicken_problems(p)
    if problems:
        raise NotChickenError("not a game of chicken (needs T > R > S > P for both sides): " + "; ".join(problems))
    return p


def pure_equilibria(a: np.ndarray, b: np.ndarray) -> list[tuple[str, str]]:
    """Cells where neither player gains by switching alone (weak best responses), as strategy names."""
    out = []
    for i in range(2):
        for j in range(2):
            if a[i, j] >= a[1 - i, j] and b[i, j] >= b[i, 1 - j]:
                out.append((STRATEGIES[i], STRATEGIES[j]))
    return out


@dataclass(frozen=True)
class MixedEquilibrium:
    """Each side's probability of going straight, expected payoffs, and P(war) = both go straight."""

    us_straight: Fraction
    iran_straight: Fraction
    us_payoff: Fraction
    iran_payoff: Fraction

    @property
    def p_war(self) -> Fraction:
        return self.us_straight * self.iran_straight

    @property
    def us_mix(self) -> tuple[Fraction, Fraction]:
        """(P(swerve), P(straight)) for the US."""
        return 1 - self.us_straight, self.us_straight

    @property
    def iran_mix(self) -> tuple[Fraction, Fraction]:
        """(P(swerve), P(straight)) for Iran."""
        return 1 - self.iran_straight, self.iran_straight


def mixed_equilibrium(a: np.ndarray, b: np.ndarray) -> MixedEquilibrium | None:
    """The fully mixed equilibrium of a 2x2 game by the indifference conditions, or None if there is none.

    Iran's mix q (P(straight)) makes the US indifferent: a00 (1-q) + a01 q = a10 (1-q) + a11 q, so
    q = (a10 - a00) / ((a10 - a00) + (a01 - a11)); the US's mix p likewise from Iran's payoffs.
    """
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    den_q = (a[1, 0] - a[0, 0]) + (a[0, 1] - a[1, 1])
    den_p = (b[0, 1] - b[0, 0]) + (b[1, 0] - b[1, 1])
    if den_q == 0 or den_p == 0:
        return None
    q = Fraction(a[1, 0] - a[0, 0]) / den_q
    p = Fraction(b[0, 1] - b[0, 0]) / den_p
    if not (0 < p < 1 and 0 < q < 1):
        return None
    us_payoff = a[0, 0] * (1 - q) + a[0, 1] * q
    iran_payoff = b[0, 0] * (1 - p) + b[1, 0] * p
    return MixedEquilibrium(
        us_straight=p, iran_straight=q, us_payoff=Fraction(us_payoff), iran_payoff=Fraction(iran_payoff)
    )


def p_war(p: ChickenPayoffs) -> Fraction:
    """Probability that both hold firm at the mixed equilibrium of a chicken game.

    In closed form each side's P(straight) is the OTHER side's gain / (gain + cost of war - cost of
    backing down): a side's own costs set how boldly its opponent can afford to play.
    """
    check_chicken(p)
    eq = mixed_equilibrium(*payoff_matrices(p))
    if eq is None:  # unreachable for a valid chicken game; kept as a guard against edits to the algebra
        raise ValueError("this chicken game has no fully mixed equilibrium")
    return eq.p_war


@dataclass(frozen=True)
class Analysis:
    """Everything the game view shows for one set of payoffs."""

    payoffs: ChickenPayoffs
    a: np.ndarray
    b: np.ndarray
    chicken: bool
    problems: list[str]
    pure: list[tuple[str, str]]
    mixed: MixedEquilibrium | None


def analyse(p: ChickenPayoffs) -> Analysis:
    """Matrices, the chicken check, pure and mixed equilibria; never raises for valid numbers."""
    a, b = payoff_matrices(p)
    problems = chicken_problems(p)
    return Analysis(
        payoffs=p,
        a=a,
        b=b,
        chicken=not problems,
        problems=problems,
        pure=pure_equilibria(a, b),
        mixed=mixed_equilibrium(a, b),
    )


def _fmt(x: Fraction) -> str:
    return str(int(x)) if x.denominator == 1 else f"{float(x):.3g}"


def matrix_table(p: ChickenPayoffs) -> pd.DataFrame:
    """The 2x2 game as a table of "(US payoff, Iran payoff)" strings; rows US, columns Iran."""
    a, b = payoff_matrices(p)
    cells = [[f"({_fmt(a[i, j])}, {_fmt(b[i, j])})" for j in range(2)] for i in range(2)]
    return pd.DataFrame(
        cells,
        index=pd.Index([f"US {s}" for s in STRATEGIES], name="US \\ Iran"),
        columns=[f"Iran {s}" for s in STRATEGIES],
    )


def p_war_curve(p: ChickenPayoffs, war_costs: np.ndarray | list[float] | None = None) -> pd.DataFrame:
    """P(war) at the mixed equilibrium as each side's cost of war varies, the other stakes held fixed.

    Costs of war at or below that side's cost of backing down give NaN: the game is not chicken there.
    """
    if war_costs is None:
        war_costs = np.linspace(1, 50, 50)
    costs = np.asarray(war_costs, dtype=float)
    g_us, b_us, g_ir, b_ir = (float(v) for v in (p.us_gain, p.us_backdown_cost, p.iran_gain, p.iran_backdown_cost))
    w_us, w_ir = float(p.us_war_cost), float(p.iran_war_cost)

    def pw(
        g_u: float, b_u: float, w_u: np.ndarray | float, g_i: float, b_i: float, w_i: np.ndarray | float
    ) -> np.ndarray:
        # closed form of mixed_equilibrium for chicken payoffs (checked against it in the tests)
        with np.errstate(divide="ignore", invalid="ignore"):  # invalid points are masked below
            q = g_u / (g_u + np.asarray(w_u) - b_u)  # Iran's P(straight)
            p_ = g_i / (g_i + np.asarray(w_i) - b_i)  # US P(straight)
        valid = (np.asarray(w_u) > b_u) & (np.asarray(w_i) > b_i) & (g_u > 0) & (g_i > 0) & (b_u > 0) & (b_i > 0)
        return np.where(valid, p_ * q, np.nan)

    return pd.DataFrame(
        {
            "war_cost": costs,
            "p_war_vary_us": pw(g_us, b_us, costs, g_ir, b_ir, w_ir),
            "p_war_vary_iran": pw(g_us, b_us, w_us, g_ir, b_ir, costs),
        }
    )


def p_war_figure(
    p: ChickenPayoffs, fig: Figure | None = None, war_costs: np.ndarray | list[float] | None = None
) -> Figure:
    """Line chart of P(war) against each side's cost of war, the current costs marked.

    Pass the previous figure to redraw in place (the widget reuses one figure).
    """
    curve = p_war_curve(p, war_costs)
    if fig is None:
        fig = Figure(figsize=(6.5, 3.6))
    if not fig.axes:
        ax = fig.add_subplot(1, 1, 1)
        ax.plot([], [], color=CAMP_COLOURS["us_camp"], linestyle="-", linewidth=2, label="vary the US cost of war")
        ax.plot([], [], color=CAMP_COLOURS["iran_camp"], linestyle="--", linewidth=2, label="vary Iran's cost of war")
        ax.plot([], [], linestyle="none", marker="o", color=CAMP_COLOURS["us_camp"], label="current US cost")
        ax.plot([], [], linestyle="none", marker="s", color=CAMP_COLOURS["iran_camp"], label="current Iran cost")
        ax.set_xlabel("cost of war (same units as the other stakes)")
        ax.set_ylabel("P(war) at the mixed equilibrium")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
        ax.set_title("other stakes held at the slider values", fontsize=8, color=OKABE_ITO["black"])
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.17, top=0.82)
    ax = fig.axes[0]
    us_line, ir_line, us_dot, ir_dot = ax.lines[:4]
    us_line.set_data(curve["war_cost"], curve["p_war_vary_us"])
    ir_line.set_data(curve["war_cost"], curve["p_war_vary_iran"])
    current = float(p_war(p)) if is_chicken(p) else math.nan
    us_dot.set_data([float(p.us_war_cost)], [current])
    ir_dot.set_data([float(p.iran_war_cost)], [current])
    ymax = (
        np.nanmax(curve[["p_war_vary_us", "p_war_vary_iran"]].to_numpy())
        if curve[["p_war_vary_us", "p_war_vary_iran"]].notna().any().any()
        else 1.0
    )
    ymax = max(ymax, current if not math.isnan(current) else 0.0)
    ax.set_xlim(float(curve["war_cost"].min()), float(curve["war_cost"].max()))
    ax.set_ylim(0, max(0.05, float(ymax) * 1.1))
    if math.isnan(current):
        alt = (
            "Line chart of the probability of war against each side's cost of war. With the current "
            "sliders the game is not chicken, so there is no mixed equilibrium to mark."
        )
    else:
        alt = (
            f"Line chart of the probability of war at the mixed equilibrium (vertical axis) against the "
            f"cost of war (horizontal axis), one line varying the US cost (solid) and one varying Iran's "
            f"(dashed). Both lines fall as the cost of war rises. At the current values (US {_fmt(p.us_war_cost)}, "
            f"Iran {_fmt(p.iran_war_cost)}) P(war) is {current:.3f}."
        )
    set_accessible(fig, "Probability of war as the cost of war changes", alt)
    return fig
