"""Thin ipywidgets fronts over the analysis modules: one view per module, all built on :class:`View`.

Learners reach them through :mod:`brinkmanship.views` (``bm.views.timeline(tables)``).
"""

from brinkmanship.widgets.base import View, headless

__all__ = ["View", "headless"]
