"""The common shape of every interactive view, so tests, benchmarks and notebooks drive them the same way.

A view owns named controls (``view.controls["actors"]``), recomputes a pure-Python result on every change
(``view.result``: whatever the analysis module returned, e.g. a filtered DataFrame and a Figure) and renders
it into output areas. Tests set ``control.value`` and assert on ``view.result``; the browser test clicks the
same controls in JupyterLab.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import HTML, Image
from matplotlib.figure import Figure

from brinkmanship.style import FIXED_LAYOUT_KEY, alt_text, figure_png, figure_title


def headless() -> bool:
    """True while nbgrader autogrades/validates or a notebook runs in CI without a browser.

    nbgrader sets NBGRADER_EXECUTION; BRINKMANSHIP_HEADLESS lets test runners ask for the same.
    Views still compute their result headless, they only skip live callbacks and play timers.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION") or os.environ.get("BRINKMANSHIP_HEADLESS"))


class View:
    """Base class: subclasses fill ``controls`` and implement :meth:`compute` and :meth:`render`."""

    title: str = "View"

    def __init__(self, controls: Mapping[str, w.Widget]) -> None:
        for name, control in controls.items():
            if isinstance(control, w.ValueWidget | w.Button) and not getattr(control, "description", ""):
                raise ValueError(f"control {name!r} of {type(self).__name__} has no label (description)")
        self.controls: dict[str, w.Widget] = dict(controls)
        self.result: Any = None
        self.figure_out = w.Output(layout=w.Layout(min_height="120px"))
        self.figure_out.add_class("brink-figure")
        self.table_out = w.Output()
        self.detail_out = w.Output()
        self.status = w.HTML(value="")
        self._suspended = False
        for control in self.controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
        self.update()

    # --- to implement -------------------------------------------------------------------------------
    def compute(self) -> Any:
        """Pure computation from the current control values (no drawing to outputs)."""
        raise NotImplementedError

    def render(self) -> None:
        """Draw ``self.result`` into the output areas."""
        raise NotImplementedError

    # --- shared machinery -----------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """Current control values by name."""
        return {k: c.value for k, c in self.controls.items() if hasattr(c, "value")}

    def update(self) -> Any:
        """Recompute and redraw; returns the new result."""
        previous = self.result
        self.result = self.compute()
        if previous is not None:
            for fig in _figures(previous):
                if fig not in _figures(self.result):
                    plt.close(fig)
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

    def set_values(self, **values: Any) -> Any:
        """Change several controls at once with a single update (benchmarks and tests use this)."""
        self._suspended = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._suspended = False
        return self.update()

    def show_figure(self, fig: Figure) -> None:
        """Put a figure in the figure area with its alt text visible next to it (screen readers read both)."""
        if not InteractiveShell.initialized():
            return  # nowhere to display (see show); skip the PNG encoding too
        text = alt_text(fig) or ""
        # figures with hand-placed axes go out as ready PNG bytes (no tight-bbox pass); others as the inline
        # backend renders them
        shown = Image(data=figure_png(fig), format="png") if getattr(fig, FIXED_LAYOUT_KEY, False) else fig
        self.show(
            self.figure_out,
            shown,
            HTML(f'<p class="brink-alt" role="note"><b>Figure: {_esc(figure_title(fig))}.</b> {_esc(text)}</p>'),
        )

    @staticmethod
    def show(out: w.Output, *objs: Any) -> None:
        """Replace an output area's content with ``objs``.

        The rendered outputs are written straight into the widget's ``outputs`` state (as ipywidgets'
        ``append_display_data`` does) instead of capturing ``display`` calls with ``with out:``. Capturing
        makes headless runners (nbclient, nbgrader) wait out their whole cell timeout now and then
        (jupyter/nbclient#312; measured here: 30 s stalls with a 30 s timeout under load); a state update does
        not. Without an IPython shell (plain pytest, benchmarks) there is nowhere to display to: skip it.
        Results are computed either way.
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
        """The assembled widget; subclasses may override for a custom arrangement."""
        controls = [c for c in self.controls.values()]
        return w.VBox(
            [
                w.HTML(f"<h3>{_esc(self.title)}</h3>"),
                w.HBox(controls[:4]),
                w.HBox(controls[4:]),
                self.status,
                self.figure_out,
                self.table_out,
                self.detail_out,
            ]
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        box = self.layout()
        box.add_class("brink-view")
        return box._repr_mimebundle_(**kwargs)


def _figures(result: Any) -> list[Figure]:
    if isinstance(result, Figure):
        return [result]
    if isinstance(result, Mapping):
        return [v for v in result.values() if isinstance(v, Figure)]
    if isinstance(result, tuple | list):
        return [v for v in result if isinstance(v, Figure)]
    return [v for v in vars(result).values() if isinstance(v, Figure)] if hasattr(result, "__dict__") else []


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))
