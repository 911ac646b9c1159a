"""The common shape of every interactive view, so tests, benchmarks and notebooks drive them the same way.

A view is built as ``XView(tables)``. It owns named controls (``view.controls["actors"]``), recomputes a
frozen result on every change (``view.result``: a :class:`ViewResult` subclass with ``.figure``, ``.title``
and ``.alt_text``) and draws it. Tests set ``control.value`` and assert on ``view.result``; the browser test
clicks the same controls in JupyterLab.

Why the figures are drawn in the browser: measured in JupyterLab in Chromium on the course's 2-core machine,
a matplotlib PNG per change took 220-410 ms from the control change to the new image in the page (the kernel
round trip alone was 20-50 ms; rendering and encoding the PNG and moving it through an Output widget were the
rest). The live figures are bqplot Figures, created once: a change sends only the new numbers and the
browser redraws its SVG (see benchmarks/browser.py and the README's performance section).
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
from IPython.core.interactiveshell import InteractiveShell

from brinkmanship.style import alt_text, figure_title


def headless() -> bool:
    """True while nbgrader autogrades/validates or a notebook runs in CI without a browser.

    nbgrader sets NBGRADER_EXECUTION; BRINKMANSHIP_HEADLESS lets test runners ask for the same.
    Views still compute their result headless, they only skip live callbacks and play timers.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION") or os.environ.get("BRINKMANSHIP_HEADLESS"))


@dataclass(frozen=True)
class ViewResult:
    """What one update computed. Every view's result has these three; each view adds its own fields."""

    figure: Any
    title: str
    alt_text: str


def new_canvas(
    scales: Mapping[str, Any], axes: list[Any], marks: list[Any], *, height: int = 420, margin: dict | None = None
) -> bq.Figure:
    """A live figure, made once per view; updates change its marks' data, never the figure itself."""
    fig = bq.Figure(
        marks=marks,
        axes=axes,
        animation_duration=0,
        fig_margin=margin or {"top": 50, "bottom": 45, "left": 150, "right": 80},
        layout=w.Layout(width="100%", max_width="1100px", height=f"{height}px"),
        title_style={"font-size": "15px"},
        legend_style={"font-size": "12px"},
        background_style={"fill": "white"},
    )
    fig.add_class("brink-figure")
    del scales  # the scales live on the marks and axes; accepted so callers name them together
    return fig


class View:
    """Base class: subclasses fill ``controls`` and implement :meth:`compute` and :meth:`render`."""

    title: str = "View"

    def __init__(self, controls: Mapping[str, w.Widget]) -> None:
        for name, control in controls.items():
            if isinstance(control, w.ValueWidget | w.Button) and not getattr(control, "description", ""):
                raise ValueError(f"control {name!r} of {type(self).__name__} has no label (description)")
        self.controls: dict[str, w.Widget] = dict(controls)
        self.result: Any = None
        self.caption = w.HTML(value="")
        self.caption.add_class("brink-alt")
        self.table_out = w.Output()
        self.detail_out = w.Output()
        self.status = w.HTML(value="")
        self._suspended = False
        for control in self.controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
        self.update()

    # --- to implement -------------------------------------------------------------------------------
    def compute(self) -> ViewResult:
        """Computation from the current control values; draws the live figure, writes no output area."""
        raise NotImplementedError

    def render(self) -> None:
        """Show ``self.result`` in the status line, caption, table and detail areas."""
        raise NotImplementedError

    # --- shared machinery -----------------------------------------------------------------------------
    @property
    def fig(self) -> Any:
        """The live figure (the same object on every update)."""
        return self.result.figure

    def values(self) -> dict[str, Any]:
        """Current control values by name."""
        return {k: c.value for k, c in self.controls.items() if hasattr(c, "value")}

    def update(self) -> ViewResult:
        """Recompute and redraw; returns the new result."""
        self.result = self.compute()
        self.render()
        return self.result

    def start(self, **values: Any) -> View:
        """Set some controls before the learner sees the view (one update); returns the view."""
        if values:
            self.set_values(**values)
        return self

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        if not self._suspended:
            self.update()

    def set_values(self, **values: Any) -> ViewResult:
        """Change several controls at once with a single update (benchmarks and tests use this)."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no control(s) {unknown}; it has {sorted(self.controls)}")
        self._suspended = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._suspended = False
        return self.update()

    def show_caption(self) -> None:
        """The figure's title and alt text in words, under the figure (screen readers read it; so can anyone)."""
        fig = self.result.figure
        self.caption.value = (
            f'<p class="brink-alt" role="note"><b>Figure: {html.escape(figure_title(fig))}.</b> '
            f"{html.escape(alt_text(fig) or '')}</p>"
        )

    @staticmethod
    def show(out: w.Output, *objs: Any) -> None:
        """Replace an output area's content with ``objs``.

        The rendered outputs are written straight into the widget's ``outputs`` state (as ipywidgets'
        ``append_display_data`` does) instead of capturing ``display`` calls with ``with out:``. Capturing
        makes headless runners (nbclient, nbgrader) wait out their whole cell timeout now and then
        (jupyter/nbclient#312); a state update does not. Without an IPython shell (plain pytest,
        benchmarks) there is nowhere to display to: skip it. Results are computed either way.
        """
        if not InteractiveShell.initialized():
            return
        formatter = InteractiveShell.instance().display_formatter
        outputs = []
        for obj in objs:
            data, metadata = formatter.format(obj)
            if data:
                outputs.append({"output_type": "display_data", "data": data, "metadata": metadata})
        out.outputs = tuple(outputs)

    def layout(self) -> w.Widget:
        """The assembled widget; subclasses override it to arrange their controls."""
        controls = list(self.controls.values())
        return self.frame([w.HBox(controls[:4]), w.HBox(controls[4:])])

    def frame(self, controls: list[w.Widget], after: list[w.Widget] | None = None) -> w.VBox:
        """Title, controls, status line, figure, caption, then tables and details: the same order in every view."""
        return w.VBox(
            [
                w.HTML(f"<h3>{html.escape(self.title)}</h3>"),
                *controls,
                self.status,
                self.result.figure,
                self.caption,
                *(after if after is not None else [self.table_out, self.detail_out]),
            ],
            layout=w.Layout(width="100%"),
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        box = self.layout()
        box.add_class("brink-view")
        return box._repr_mimebundle_(**kwargs)


def esc(text: Any) -> str:
    """HTML-escape any value (the one escaping helper of the views)."""
    return html.escape(str(text))


def empty_note(text: str) -> str:
    """A status line that says in words that nothing matches, and what to try."""
    return f'<p class="brink-empty" role="status"><b>Nothing to show:</b> {esc(text)}</p>'


def _same(a: Any, b: Any) -> bool:
    try:
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            a, b = np.asarray(a), np.asarray(b)
            return (
                a.shape == b.shape and a.dtype.kind == b.dtype.kind and bool(np.all((a == b) | ((a != a) & (b != b))))
            )
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def put(widget: Any, **values: Any) -> None:
    """Set only the traits whose value changed: an unchanged mark sends nothing and the browser redraws less."""
    for name, value in values.items():
        if not _same(getattr(widget, name), value):
            setattr(widget, name, value)


def segments(rows: Any) -> tuple[np.ndarray, np.ndarray]:
    """Line segments (x0, y0, x1, y1) as ONE broken line: a gap (NaN) between segments. The browser then
    draws one SVG path per link type instead of one per link, which keeps a 200-link map quick to redraw."""
    a = np.asarray(rows, dtype=float).reshape(-1, 4)
    if not len(a):
        return np.array([]), np.array([])
    gap = np.full(len(a), np.nan)
    return np.column_stack([a[:, 0], a[:, 2], gap]).ravel(), np.column_stack([a[:, 1], a[:, 3], gap]).ravel()
