"""Old home of helpers the lessons share; each now lives in the module it belongs to.

Kept so code written against it keeps working: ``with_camps`` is :func:`brinkmanship.escalation.with_camps`,
``dispute_table`` and ``event_strip`` are in :mod:`brinkmanship.timeline`, ``footnote_table`` and
``footnote_counts`` in :mod:`brinkmanship.footnotes`.
"""

from brinkmanship.escalation import with_camps
from brinkmanship.footnotes import footnote_counts, footnote_table
from brinkmanship.timeline import dispute_table, event_strip

__all__ = ["dispute_table", "event_strip", "footnote_counts", "footnote_table", "with_camps"]
