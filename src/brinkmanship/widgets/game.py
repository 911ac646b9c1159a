"""Brinkmanship explorer: six sliders set each side's stakes; the view shows the 2x2 game of chicken,
its equilibria and the chance of war when both sides randomise.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import HTML

from brinkmanship.game import Analysis, ChickenPayoffs, analyse, is_chicken, matrix_table, p_war, p_war_curve
from brinkmanship.style import CAMP_COLOURS, set_accessible
from brinkmanship.widgets.base import View, ViewResult, new_canvas

__all__ = ["BENCHMARK_STEPS", "GameResult", "GameView", "make_view"]

_SLIDERS: tuple[tuple[str, str, float, float, float], ...] = (
    # name, label, min, max, default
    ("us_gain", "US gain from prevailing", 0.0, 10.0, 1.0),
    ("us_backdown_cost", "US cost of backing down", 0.0, 20.0, 1.0),
    ("us_war_cost", "US cost of war", 0.5, 50.0, 10.0),
    ("iran_gain", "Iran gain from prevailing", 0.0, 10.0, 1.0),
    ("iran_backdown_cost", "Iran cost of backing down", 0.0, 20.0, 1.0),
    ("iran_war_cost", "Iran cost of war", 0.5, 50.0, 10.0),
)

# A cycle of slider moves for the latency benchmark; it ends where it started (the textbook case).
BENCHMARK_STEPS: list[dict[str, Any]] = [
    {"us_war_cost": 20.0},
    {"iran_gain": 3.0},
    {"us_backdown_cost": 2.5},
    {"iran_war_cost": 5.0},
    {"iran_backdown_cost": 6.0},  # Iran: backing down now costs more than war -> not chicken
    {"us_war_cost": 10.0, "iran_gain": 1.0, "us_backdown_cost": 1.0, "iran_war_cost": 10.0, "iran_backdown_cost": 1.0},
]

# Own words; ties the model to the article's closing image of a contest over who blinks first.
NOTE = (
    "<p><b>Reading the model against the article.</b> Dorsey ends by describing the stand-off as a "
    "high-stakes contest over who blinks first, in which neither government thinks giving way would cost "
    "it less than a war. In this model, that belief is the point where a side's cost of backing down "
    "reaches its cost of war. Push one side's sliders there and the game is no longer chicken: holding "
    "firm is never worse for that side, so only the other side can blink. Push both there and the "
    "only equilibrium left is both holding firm, which here means war. The chance of war printed above "
    "only exists while both sides still prefer backing down to fighting.</p>"
)


@dataclass(frozen=True)
class GameResult(ViewResult):
    """One update: the stakes, their analysis (equilibria, P(war)), the payoff table and the curves drawn."""

    payoffs: ChickenPayoffs
    analysis: Analysis
    table: pd.DataFrame
    curve: pd.DataFrame
    summary: str

    def __getitem__(self, key: str) -> object:  # result["analysis"] as well as result.analysis
        return getattr(self, key)


class GameView(View):
    """Sliders -> :func:`brinkmanship.game.analyse`; the two P(war) curves follow in the browser."""

    title = "Brinkmanship as a game of chicken"

    def __init__(self, tables: Mapping[str, Any] | None = None) -> None:
        """``tables`` is accepted so every view is built the same way; the game needs no data."""
        self._setup_figure()
        style = {"description_width": "initial"}
        controls = {
            name: w.FloatSlider(
                value=default,
                min=lo,
                max=hi,
                step=0.5,
                description=label,
                style=style,
                continuous_update=False,
                layout=w.Layout(width="420px"),
                readout_format=".1f",
            )
            for name, label, lo, hi, default in _SLIDERS
        }
        super().__init__(controls)

    def _setup_figure(self) -> None:
        self.sx, self.sy = bq.LinearScale(min=1, max=50), bq.LinearScale(min=0)
        scales = {"x": self.sx, "y": self.sy}
        self.curve_us = bq.Lines(
            x=[],
            y=[],
            scales=scales,
            colors=[CAMP_COLOURS["us_camp"]],
            stroke_width=2.5,
            labels=["vary the US cost of war"],
            display_legend=True,
        )
        self.curve_iran = bq.Lines(
            x=[],
            y=[],
            scales=scales,
            colors=[CAMP_COLOURS["iran_camp"]],
            stroke_width=2.5,
            line_style="dashed",
            labels=["vary Iran's cost of war"],
            display_legend=True,
        )
        self.dot_us = bq.Scatter(
            x=[],
            y=[],
            scales=scales,
            colors=[CAMP_COLOURS["us_camp"]],
            marker="circle",
            default_size=90,
            labels=["current US cost"],
            display_legend=True,
            stroke="black",
        )
        self.dot_iran = bq.Scatter(
            x=[],
            y=[],
            scales=scales,
            colors=[CAMP_COLOURS["iran_camp"]],
            marker="square",
            default_size=90,
            labels=["current Iran cost"],
            display_legend=True,
            stroke="black",
        )
        axes = [
            bq.Axis(
                scale=self.sx,
                label="cost of war (same units as the other stakes)",
                grid_lines="solid",
                grid_color="#e5e5e5",
            ),
            bq.Axis(
                scale=self.sy,
                orientation="vertical",
                label="P(war) at the mixed equilibrium",
                tick_format=".2f",
                grid_lines="solid",
                grid_color="#e5e5e5",
            ),
        ]
        self.canvas = new_canvas(
            scales,
            axes,
            [self.curve_us, self.curve_iran, self.dot_us, self.dot_iran],
            height=360,
            margin={"top": 50, "bottom": 50, "left": 80, "right": 30},
        )
        self.canvas.legend_location = "top-right"

    def compute(self) -> GameResult:
        payoffs = ChickenPayoffs(**{name: self.controls[name].value for name, *_ in _SLIDERS})
        analysis = analyse(payoffs)
        curve = p_war_curve(payoffs)
        current = float(p_war(payoffs)) if is_chicken(payoffs) else float("nan")
        with self.curve_us.hold_sync(), self.curve_iran.hold_sync(), self.dot_us.hold_sync(), self.dot_iran.hold_sync():
            x = curve["war_cost"].to_numpy(dtype=float)
            self.curve_us.x, self.curve_us.y = x, curve["p_war_vary_us"].to_numpy(dtype=float)
            self.curve_iran.x, self.curve_iran.y = x, curve["p_war_vary_iran"].to_numpy(dtype=float)
            ok = not np.isnan(current)
            self.dot_us.x = np.array([float(payoffs.us_war_cost)] if ok else [])
            self.dot_us.y = np.array([current] if ok else [])
            self.dot_iran.x = np.array([float(payoffs.iran_war_cost)] if ok else [])
            self.dot_iran.y = np.array([current] if ok else [])
            ys = curve[["p_war_vary_us", "p_war_vary_iran"]].to_numpy(dtype=float)
            top = np.nanmax(ys) if np.isfinite(ys).any() else 0.0
            self.sy.max = float(max(0.05, max(top, current if ok else 0.0) * 1.1))
        set_accessible(self.canvas, "Probability of war as the cost of war changes", _alt(payoffs, curve, current))
        return GameResult(
            self.canvas,
            self.canvas.title,
            self.canvas.alt_text,
            payoffs,
            analysis,
            matrix_table(payoffs),
            curve,
            summary_html(analysis),
        )

    def render(self) -> None:
        self.status.value = self.result.summary
        self.show_caption()
        self.show(self.table_out, HTML(matrix_html(self.result.table)))
        self.show(self.detail_out, HTML(NOTE))

    def layout(self) -> w.Widget:
        us = [self.controls[n] for n, *_ in _SLIDERS[:3]]
        iran = [self.controls[n] for n, *_ in _SLIDERS[3:]]
        sliders = w.HBox(
            [
                w.VBox([w.HTML("<b>United States (rows)</b>"), *us]),
                w.VBox([w.HTML("<b>Iran (columns)</b>"), *iran]),
            ]
        )
        return w.VBox(
            [
                w.HTML(f"<h3>{html.escape(self.title)}</h3>"),
                sliders,
                self.table_out,
                self.status,
                self.result.figure,
                self.caption,
                self.detail_out,
            ],
            layout=w.Layout(width="100%"),
        )


def _alt(p: ChickenPayoffs, curve: pd.DataFrame, current: float) -> str:
    if np.isnan(current):
        missing = [
            side
            for side, col in (("US", "p_war_vary_us"), ("Iran", "p_war_vary_iran"))
            if not np.isfinite(curve[col].to_numpy(dtype=float)).any()
        ]
        gone = (
            f" The {' and '.join(missing)} curve{'s are' if len(missing) > 1 else ' is'} missing: " if missing else " "
        )
        return (
            "Line chart of the probability of war against each side's cost of war. With the current sliders the "
            f"game is not chicken, so there is no mixed equilibrium to mark.{gone}wherever a side's cost of war is "
            "not above its cost of backing down (or a gain or cost is zero), no mix exists."
        )
    return (
        "Line chart of the probability of war at the mixed equilibrium (vertical axis) against the cost of war "
        "(horizontal axis), one line varying the US cost (solid) and one varying Iran's (dashed). Both lines fall "
        f"as the cost of war rises. At the current values (US {float(p.us_war_cost):g}, Iran "
        f"{float(p.iran_war_cost):g}) P(war) is {current:.3f}."
    )


def matrix_html(table: Any) -> str:
    """The payoff matrix as an accessible HTML table (caption, header scopes)."""
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in table.columns)
    body = "".join(
        f'<tr><th scope="row">{html.escape(str(idx))}</th>'
        + "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        + "</tr>"
        for idx, row in zip(table.index, table.to_numpy(), strict=True)
    )
    return (
        '<table class="brink-matrix"><caption>Payoffs as (US, Iran); the US picks a row, Iran a column'
        f'</caption><tr><th scope="col">US \\ Iran</th>{head}</tr>{body}</table>'
    )


def summary_html(analysis: Any) -> str:
    """Equilibria and P(war) in words, or why the payoffs are not a game of chicken."""
    parts = []
    if not analysis.chicken:
        parts.append(
            "<p><b>Not a game of chicken:</b> " + "; ".join(html.escape(p) for p in analysis.problems) + ". "
            "So there is no chance of war to mark: a curve or its dot disappears where its side no longer "
            "prefers backing down to war.</p>"
        )
    pure = ", ".join(f"US {u} / Iran {i}" for u, i in analysis.pure) or "none"
    parts.append(f"<p><b>Pure equilibria:</b> {html.escape(pure)}.</p>")
    mixed = analysis.mixed
    if mixed is None:
        parts.append("<p><b>Mixed equilibrium:</b> none (no mix makes both sides indifferent).</p>")
    else:
        parts.append(
            f"<p><b>Mixed equilibrium:</b> the US goes straight with probability {float(mixed.us_straight):.3f}"
            f" (expected payoff {float(mixed.us_payoff):.3f}); Iran goes straight with probability "
            f"{float(mixed.iran_straight):.3f} (expected payoff {float(mixed.iran_payoff):.3f}). "
            f"<b>P(war)</b> = {float(mixed.us_straight):.3f} x {float(mixed.iran_straight):.3f} = "
            f"{float(mixed.p_war):.4f}.</p>"
        )
    return "".join(parts)


def make_view(tables: Mapping[str, Any] | None = None, **values: Any) -> GameView:
    """The game view (it needs no data tables), its sliders set to ``values``."""
    return GameView(tables).start(**values)
