"""Thin ipywidgets fronts over the analysis modules: one view per module, all built on :class:`View`."""

from brinkmanship.widgets.base import View, headless

__all__ = ["View", "headless"]
