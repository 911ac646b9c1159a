"""The course's JupyterLab server settings, shared by ``make lab`` and ``brinkmanship lab``.

The terminal: JupyterLab starts it as a login shell, and a login shell's /etc/profile resets PATH on Debian
and Ubuntu, so the venv put first on PATH is gone and ``brinkmanship check`` is "command not found" (always
so when the server has no tty: an IDE's run button, ``make lab &> log &``). The shell command below still
starts a login shell, then puts this server's venv first on PATH and starts an interactive shell in it, so
the terminal finds ``brinkmanship``, ``jupyter`` and ``python`` of the course.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any


def configure(c: Any) -> None:
    """Apply the course's server settings to the traitlets config ``c`` of a Jupyter config file."""
    bindir = Path(sys.executable).parent
    shell = shutil.which("bash") or os.environ.get("SHELL") or "/bin/sh"
    c.ServerApp.terminado_settings = {
        "shell_command": [
            shell,
            "-l",
            "-c",
            f'PATH="{bindir}:$PATH"; VIRTUAL_ENV="{bindir.parent}"; export PATH VIRTUAL_ENV; exec "{shell}" -i',
        ]
    }
