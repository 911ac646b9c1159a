"""The course's JupyterLab server settings (``make lab`` passes this file; ``jupyter lab`` run here reads it too).

The terminal: JupyterLab starts it as a login shell, and a login shell's /etc/profile resets PATH on Debian
and Ubuntu, so the venv that ``make lab`` put first on PATH is gone and ``brinkmanship check`` is "command
not found" (always so when the server has no tty: an IDE's run button, ``make lab &> log &``). The shell
command below still starts a login shell, then puts this server's venv first on PATH and starts an
interactive shell in it, so the terminal finds ``brinkmanship``, ``jupyter`` and ``python`` of the course.
"""

import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by Jupyter when it loads this file

_bin = Path(sys.executable).parent
_shell = shutil.which("bash") or os.environ.get("SHELL") or "/bin/sh"
c.ServerApp.terminado_settings = {
    "shell_command": [
        _shell,
        "-l",
        "-c",
        f'PATH="{_bin}:$PATH"; VIRTUAL_ENV="{_bin.parent}"; export PATH VIRTUAL_ENV; exec "{_shell}" -i',
    ]
}
