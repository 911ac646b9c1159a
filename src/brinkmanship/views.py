"""The course's interactive views, one per analysis module, all built on ``brinkmanship.widgets.View``.

Every view is built the same way, ``XView(tables)``, and so is every shortcut here: ``bm.views.timeline(tables,
period="later")`` builds the view over ``tables`` (default: the course data) with some controls already set.
The modules are imported on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from brinkmanship.widgets.base import View

__all__ = ["VIEWS", "argument", "escalation", "game", "network", "timeline"]
VIEWS = ("timeline", "escalation", "network", "argument", "game")


def _make(name: str, tables: Mapping[str, Any] | None, values: dict[str, Any]) -> View:
    return importlib.import_module(f"brinkmanship.widgets.{name}").make_view(tables, **values)


def timeline(tables: Mapping[str, Any] | None = None, **values: Any) -> View:
    """Timeline explorer: filter events by dates, actors, theatre, type, period and words."""
    return _make("timeline", tables, values)


def escalation(tables: Mapping[str, Any] | None = None, **values: Any) -> View:
    """Escalation index of two sides over time, with its key events."""
    return _make("escalation", tables, values)


def network(tables: Mapping[str, Any] | None = None, **values: Any) -> View:
    """Who backs whom: the actor network on a date."""
    return _make("network", tables, values)


def argument(tables: Mapping[str, Any] | None = None, **values: Any) -> View:
    """The argument map: what each claim rests on."""
    return _make("argument", tables, values)


def game(tables: Mapping[str, Any] | None = None, **values: Any) -> View:
    """Brinkmanship as a game of chicken, one slider per stake."""
    return _make("game", tables, values)
