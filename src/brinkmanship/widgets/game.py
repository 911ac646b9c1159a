"""Brinkmanship explorer: six sliders set each side's stakes; the view shows the 2x2 game of chicken,
its equilibria and the chance of war when both sides randomise.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as w
from IPython.display import HTML
from matplotlib.figure import Figure

from brinkmanship.game import ChickenPayoffs, analyse, matrix_table, p_war_figure
from brinkmanship.style import mark_fixed_layout
from brinkmanship.widgets.base import View
from brinkmanship.widgets.result import Result

__all__ = ["BENCHMARK_STEPS", "GameView", "make_view"]

_SLIDERS: tuple[tuple[str, str, float, float, float], ...] = (
    # name, label, min, max, default
    ("us_gain", "US gain from prevailing", 0.0, 10.0, 1.0),
    ("us_backdown_cost", "US cost of backing down", 0.0, 10.0, 1.0),
    ("us_war_cost", "US cost of war", 0.5, 50.0, 10.0),
    ("iran_gain", "Iran gain from prevailing", 0.0, 10.0, 1.0),
    ("iran_backdown_cost", "Iran cost of backing down", 0.0, 10.0, 1.0),
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


class GameView(View):
    """Sliders -> :func:`brinkmanship.game.analyse`; the figure is drawn once and updated in place."""

    title = "Brinkmanship as a game of chicken"

    def __init__(self, tables: Mapping[str, Any] | None = None) -> None:
        """``tables`` is accepted so every view is built the same way; the game needs no data."""
        self._fig = Figure(figsize=(6.5, 3.6))
        mark_fixed_layout(self._fig)  # axes placed by hand: no tight-box pass per update
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
                layout=w.Layout(width="380px"),
                readout_format=".1f",
            )
            for name, label, lo, hi, default in _SLIDERS
        }
        super().__init__(controls)

    def compute(self) -> Result:
        payoffs = ChickenPayoffs(**{name: self.controls[name].value for name, *_ in _SLIDERS})
        analysis = analyse(payoffs)
        return Result(
            {
                "analysis": analysis,
                "table": matrix_table(payoffs),
                "figure": p_war_figure(payoffs, self._fig),
                "summary": summary_html(analysis),
            }
        )

    def render(self) -> None:
        self.status.value = self.result["summary"]
        self.show(self.table_out, HTML(matrix_html(self.result["table"])))
        self.show_figure(self.result["figure"])
        self.show(self.detail_out, HTML(NOTE))

    def layout(self) -> w.Widget:
        us = [self.controls[n] for n, *_ in _SLIDERS[:3]]
        iran = [self.controls[n] for n, *_ in _SLIDERS[3:]]
        return w.VBox(
            [
                w.HTML(f"<h3>{html.escape(self.title)}</h3>"),
                w.HBox(
                    [
                        w.VBox([w.HTML("<b>United States (rows)</b>"), *us]),
                        w.VBox([w.HTML("<b>Iran (columns)</b>"), *iran]),
                    ]
                ),
                self.table_out,
                self.status,
                self.figure_out,
                self.detail_out,
            ]
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
            "<p><b>Not a game of chicken:</b> " + "; ".join(html.escape(p) for p in analysis.problems) + ".</p>"
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
