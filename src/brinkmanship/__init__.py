"""brinkmanship: a Jupyter course on one article of strategic analysis (Dorsey, RSIS CTTA 12(2), 2020).

Data flows one way: CSV -> ``brinkmanship.data`` (validated, typed) -> analysis -> widgets -> notebooks.

Every lesson opens with the same two lines::

    import brinkmanship as bm
    tables = bm.load()

and then reaches everything through ``bm``: the analysis modules (``bm.timeline``, ``bm.escalation``,
``bm.network``, ``bm.argument``, ``bm.footnotes``, ``bm.game``), the interactive views (``bm.views.timeline
(tables)``...), self-checks (``bm.check(...)``) and captioned charts (``bm.bar_chart(...)``, ``bm.chart(fig)``).
Nothing is imported until it is first used (PEP 562), so ``brinkmanship`` on the command line does not pay
for pandas and matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

ARTICLE_URL = (
    "https://www.rsis.edu.sg/rsis-ctta-article/rsis/killing-of-iranian-general-us-reaps-more-than-it-wished-for/"
)
ARTICLE_CITATION = (
    'Dorsey, James M. (2020). "Killing of Iranian General: US Reaps More Than It Wished For." '
    "Counter Terrorist Trends and Analyses 12(2). S. Rajaratnam School of International Studies (RSIS)."
)

_MODULES = {
    "argument": "brinkmanship.argument",
    "cameo": "brinkmanship.cameo",
    "checks": "brinkmanship.checks",
    "citations": "brinkmanship.citations",
    "data": "brinkmanship.data",
    "escalation": "brinkmanship.escalation",
    "footnotes": "brinkmanship.footnotes",
    "game": "brinkmanship.game",
    "network": "brinkmanship.network",
    "sources": "brinkmanship.footnotes",  # the old name of footnotes
    "style": "brinkmanship.style",
    "timeline": "brinkmanship.timeline",
    "views": "brinkmanship.views",
    "widgets": "brinkmanship.widgets",
}
_NAMES = {
    "bar_chart": ("brinkmanship.style", "bar_chart"),
    "chart": ("brinkmanship.style", "chart"),
    "check": ("brinkmanship.checks", "check"),
    "KILLING_DATE": ("brinkmanship.footnotes", "KILLING_DATE"),
    "PUBLICATION_DATE": ("brinkmanship.footnotes", "PUBLICATION_DATE"),
}

__all__ = ["ARTICLE_CITATION", "ARTICLE_URL", "load", *sorted(_MODULES), *sorted(_NAMES)]


def load(directory: Any = None) -> dict[str, Any]:
    """The course's tables (events, actors, relations, strategies, sources, claims, claim_links), validated.

    Also sets this kernel's table display to the course's: whole cell text, text columns left-aligned and
    wrapped, three decimals.
    """
    from brinkmanship import data, style

    style.use_course_display()
    return data.load_all(directory)


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        module = importlib.import_module(_MODULES[name])
        globals()[name] = module
        return module
    if name in _NAMES:
        module_name, attr = _NAMES[name]
        value = getattr(importlib.import_module(module_name), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'brinkmanship' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
