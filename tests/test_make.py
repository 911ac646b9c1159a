"""The two README commands: `make lab` serves the course, and a second run does not reinstall."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:  # a hang guard, not a speed limit
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_install_is_up_to_date_so_make_lab_starts_without_reinstalling(repo_root: Path) -> None:
    # `make -q` exits 0 only when the target needs no work: no venv creation, no pip install
    assert subprocess.run(["make", "-q", "install"], cwd=repo_root).returncode == 0
    dry = subprocess.run(["make", "-n", "lab"], cwd=repo_root, capture_output=True, text=True).stdout
    assert "pip install" not in dry and "jupyter lab" in dry


def test_make_lab_serves_the_course(repo_root: Path, tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(12)
    env = dict(os.environ)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[var] = str(tmp_path / var.lower())
    # the formgrader call below opens the gradebook: keep it out of the repository
    env["BRINKMANSHIP_DB_URL"] = f"sqlite:///{tmp_path / 'gradebook.db'}"
    env["BRINKMANSHIP_EXCHANGE"] = str(tmp_path / "exchange")  # make lab creates it (default: ./exchange)
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        ["make", "lab", f"LAB_PORT={port}", f"LAB_ARGS=--no-browser --IdentityProvider.token={token}"],
        cwd=repo_root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _body = _get(f"{base}/api/status?token={token}")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        output = (tmp_path / "lab.log").read_text()
        assert status == 200, f"JupyterLab did not answer /api/status; make printed:\n{output[-3000:]}"
        assert f"{base}/lab/tree/lessons/README.md" in output  # the URL is printed for the learner
        lab_status, _ = _get(f"{base}/lab/tree/lessons/README.md?token={token}")
        assert lab_status == 200
        # the index opens rendered: Markdown Preview is the default viewer for .md (jupyterlab-overrides.json)
        settings_status, body = _get(f"{base}/lab/api/settings/@jupyterlab/docmanager-extension:plugin?token={token}")
        assert settings_status == 200
        payload = json.loads(body)
        viewers = payload["schema"]["properties"]["defaultViewers"].get("default", {})
        assert viewers.get("markdown") == "Markdown Preview", viewers
        # the file browser gives its whole width to names (lesson names were cut to "00-orientation.i…")
        _, body = _get(f"{base}/lab/api/settings/@jupyterlab/filebrowser-extension:browser?token={token}")
        columns = json.loads(body)["schema"]["properties"]["showLastModifiedColumn"]
        assert columns.get("default") is False, columns
        # nbgrader's formgrader is served from the course root (nbgrader_config.py is found)
        formgrader, _ = _get(f"{base}/formgrader/api/assignments?token={token}")
        assert formgrader == 200
        # ... with a working exchange: the course's own folder, so no "exchange directory ... does not exist" banner
        page_status, body = _get(f"{base}/formgrader/manage_assignments?token={token}")
        page = body.decode("utf-8", "replace")
        assert page_status == 200 and "Manage Assignments" in page
        assert 'id="warning-exchange"' not in page and 'id="warning-course-id"' not in page, page[:3000]
        assert (tmp_path / "exchange").is_dir()
        assert (tmp_path / "gradebook.db").is_file()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
