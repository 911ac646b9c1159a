"""Old name of :mod:`brinkmanship.footnotes` (footnote analysis), kept so existing code keeps working.

``brinkmanship.sources`` collided with ``data.sources()``, the ``sources`` table every lesson holds, the
``sources`` assignment and ``datasets/sources.csv``; the module is now ``footnotes``. Importing this name
gives the very same module object.
"""

import sys

from brinkmanship import footnotes

sys.modules[__name__] = footnotes
