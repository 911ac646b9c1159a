"""A view result readable both ways: ``view.result["figure"]`` and ``view.result.figure``.

The network, argument and game views return one of these, so notebooks can use attribute access like the
other views' dataclass results, while tests and the benchmark can treat it as a plain mapping.
"""

from __future__ import annotations

from typing import Any


class Result(dict):
    """A dict whose keys are also attributes (read-only access; set items with ``result[key] = ...``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"this view's result has no {name!r}; it has: {', '.join(self)}") from None
