"""The course's JupyterLab server settings (``make lab`` passes this file; ``jupyter lab`` run here reads it too).

They live in :mod:`brinkmanship.labconfig` so that ``brinkmanship lab`` (a wheel install, no repository)
gets the same: a JupyterLab terminal that finds the course's ``brinkmanship`` command.
"""

from brinkmanship.labconfig import configure

configure(get_config())  # noqa: F821 - provided by Jupyter when it loads this file
