"""Passed by ``brinkmanship lab`` to JupyterLab (``--config``); see :mod:`brinkmanship.labconfig`."""

from brinkmanship.labconfig import configure

configure(get_config())  # noqa: F821 - provided by Jupyter when it loads this file
