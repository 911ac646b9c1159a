"""The timeline explorer and the escalation view in a real JupyterLab, in headless Debian Chromium (Playwright).

Follows the course's browser notes: isolated Jupyter config/runtime/settings/workspace dirs, the news toast
off, ``windowingMode`` none, ``expose_app_in_browser`` for a reliable kernel-ready wait, every JavaScript
await raced against a timeout, every non-localhost request aborted, SIGTERM then SIGKILL at teardown.
Screenshots go to test-artifacts/ (git-ignored). Without /usr/bin/chromium the test is skipped, except on CI
(env CI set), which installs Chromium and must not skip silently.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from brinkmanship import data
from brinkmanship.escalation import escalation_index
from brinkmanship.timeline import filter_events
from brinkmanship.widgets.escalation import dyad_choices

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = Path(__file__).parent / "notebooks" / "timeline_browser.ipynb"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
KERNEL_READY_JS = """() => {
  const app = window.jupyterapp;
  if (!app) return false;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.sessionContext || !panel.context || !panel.context.path.endsWith('.ipynb')) return false;
  const sc = panel.sessionContext;
  const kernel = sc.session && sc.session.kernel;
  return sc.isReady && !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""
RUN_ALL_JS = """async (ms) => Promise.race([
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => 'done'),
  new Promise((_, reject) => setTimeout(() => reject(new Error('run-all-cells timed out after ' + ms + ' ms'
      + ' (a hidden dialog, e.g. Select Kernel?)')), ms)),
])"""


def _need_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package is not installed (pip install -e '.[test]')")
    if missing:
        reason = "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run on CI: {reason}")
        pytest.skip(f"browser test needs a system Chromium and Playwright: {reason}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings: Path) -> None:
    plugins = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for rel, content in plugins.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM lets jupyter shut its kernels down (they run in their own sessions); SIGKILL if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict]:
    """A JupyterLab server on a free port serving a fresh copy of the test notebook (no saved outputs)."""
    _need_browser()
    root, state = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    env = {k: v for k, v in os.environ.items() if k not in ("BRINKMANSHIP_HEADLESS", "NBGRADER_EXECUTION")}
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
    ):
        (state / sub).mkdir(parents=True)
        env[var] = str(state / sub)
    _write_settings(state / "settings")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp_path / "jupyter.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited early:\n{(tmp_path / 'jupyter.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("jupyter lab did not answer /api/status within 60 s")
            time.sleep(0.3)
        yield {"base": base, "token": token, "notebook": NOTEBOOK.name, "log": tmp_path / "jupyter.log"}
    finally:
        _stop(proc)
        log.close()


@pytest.fixture
def page(lab: dict) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 2400})

            def only_localhost(route) -> None:
                url = route.request.url
                if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                    route.continue_()
                else:
                    route.abort()

            context.route("**/*", only_localhost)
            pg = context.new_page()
            pg.set_default_timeout(60_000)
            yield pg
        finally:
            browser.close()


def _shot(locator, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(ARTIFACTS / name))


def test_timeline_filters_through_the_browser(lab: dict, page) -> None:
    from playwright.sync_api import expect

    tables = data.load_all()
    events = tables["events"]
    n_all = len(events)
    theatre = events["theatre"].astype(str).value_counts().index[0]
    n_theatre = len(filter_events(events, theatres=theatre))
    assert 0 < n_theatre < n_all, "pick a theatre that really narrows the table"

    page.goto(f"{lab['base']}/lab/tree/{lab['notebook']}?reset&token={lab['token']}")
    page.wait_for_function(KERNEL_READY_JS, timeout=90_000)
    assert page.evaluate(RUN_ALL_JS, 120_000) == "done"

    count = page.locator(".brink-count").filter(has_text="Matching events")
    explorer = page.locator(".widget-vbox").filter(has=count).first
    expect(count).to_have_text(f"Matching events: {n_all}", timeout=60_000)
    figure = explorer.locator(".widget-output img[src^='data:image/png']").first
    expect(figure).to_be_visible()
    rows = page.locator("table.brink-table tbody tr")
    expect(rows).to_have_count(n_all)
    before_png = figure.get_attribute("src")
    _shot(explorer, "timeline-all.png")

    # pick a theatre in the dropdown: the count, the table and the figure follow
    theatre_select = explorer.locator(".widget-dropdown").filter(has=page.locator("label", has_text="Theatre"))
    theatre_select.locator("select").select_option(label=theatre.replace("_", " "))
    expect(count).to_have_text(f"Matching events: {n_theatre}")
    expect(rows).to_have_count(n_theatre)
    expect(page.locator(".widget-output img[src^='data:image/png']").first).not_to_have_attribute("src", before_png)
    alt = explorer.locator(".brink-alt").first
    expect(alt).to_contain_text(f"{n_theatre} event")
    _shot(explorer, "timeline-theatre.png")

    # type a word from the first matching title into the search box and press Enter
    subset = filter_events(events, theatres=theatre)
    word = max(str(subset.iloc[0]["title"]).split(), key=len).strip(",.;:()'\"")
    n_word = len(filter_events(events, theatres=theatre, text=word))
    search = explorer.locator(".widget-text").filter(has=page.locator("label", has_text="Search")).locator("input")
    search.fill(word)
    search.press("Enter")
    expect(count).to_have_text(f"Matching events: {n_word}")
    expect(rows).to_have_count(n_word)
    _shot(explorer, "timeline-search.png")

    # the escalation view below it: switch months to weeks with its toggle button
    dyads = dyad_choices(events, tables["actors"])
    side_a, side_b = next(iter(dyads.values())).side_a, next(iter(dyads.values())).side_b
    months = len(escalation_index(events, tables["actors"], side_a, side_b, freq="MS"))
    weeks = len(escalation_index(events, tables["actors"], side_a, side_b, freq="W"))
    periods = page.locator(".brink-count").filter(has_text="Periods:")
    escalation = page.locator(".widget-vbox").filter(has=periods).first
    expect(periods).to_contain_text(f"Periods: {months};")
    before_png = escalation.locator(".widget-output img[src^='data:image/png']").first.get_attribute("src")
    escalation.locator(".widget-toggle-buttons button", has_text="Week").click()
    expect(periods).to_contain_text(f"Periods: {weeks};")
    expect(escalation.locator(".widget-output img[src^='data:image/png']").first).not_to_have_attribute(
        "src", before_png
    )
    _shot(escalation, "escalation-weekly.png")
