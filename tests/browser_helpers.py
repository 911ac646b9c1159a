"""A real JupyterLab in headless Debian Chromium, for the browser test and the browser benchmark.

Follows the course's browser notes: isolated Jupyter config/runtime/settings/workspace dirs, the news toast
off, ``windowingMode`` none (every cell stays in the DOM), ``expose_app_in_browser`` for a reliable
kernel-ready wait, every JavaScript await raced against a timeout, every non-localhost request aborted,
SIGTERM then SIGKILL at teardown. Nothing here sleeps for a fixed time to let the page "catch up": every
wait is on a condition.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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
# every code cell has run (a number in its prompt) and the kernel is idle again
ALL_RUN_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return cells.every(c => c.model.executionCount !== null) && kernel && kernel.status === 'idle';
}"""
DIRTY_JS = "() => window.jupyterapp.shell.currentWidget.context.model.dirty"


def missing_browser() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package is not installed (pip install -e '.[test]')")
    return "; ".join(missing) or None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_settings(settings: Path) -> None:
    """User settings of a fresh student machine, minus the news toast, with every cell kept in the DOM."""
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


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM lets jupyter shut its kernels down (they run in their own sessions); SIGKILL if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@dataclass
class Lab:
    base: str
    token: str
    root: Path
    log: Path
    env: dict[str, str]

    def url(self, path: str) -> str:
        return f"{self.base}/lab/tree/{path}?reset&token={self.token}"


def lab_env(state: Path) -> dict[str, str]:
    """The environment of a fresh student machine: isolated Jupyter dirs, no headless switch."""
    env = {k: v for k, v in os.environ.items() if k not in ("BRINKMANSHIP_HEADLESS", "NBGRADER_EXECUTION")}
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
    ):
        (state / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(state / sub)
    write_settings(state / "settings")
    return env


@contextmanager
def running_lab(
    root: Path,
    state: Path,
    extra_args: list[str] | None = None,
    env: dict | None = None,
    add_venv_to_path: bool = True,
) -> Iterator[Lab]:
    """``jupyter lab`` on a free port serving ``root``, with no tty; stopped (kernels included) on exit."""
    env = dict(env) if env is not None else lab_env(state)
    if add_venv_to_path:
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    port, token = free_port(), secrets.token_hex(16)
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
        *(extra_args or []),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = state / "jupyter.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        cmd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=root
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("jupyter lab did not answer /api/status within 90 s")
            time.sleep(0.3)  # polling interval of a condition wait, not a timing assumption
        yield Lab(base, token, root, log_path, env)
    finally:
        stop(proc)
        log.close()


@contextmanager
def browser_page(width: int = 1400, height: int = 1800) -> Iterator:
    """A Chromium page that can reach only 127.0.0.1; console errors are collected in ``page.errors``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})

            def only_localhost(route) -> None:
                url = route.request.url
                if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                    route.continue_()
                else:
                    route.abort()

            context.route("**/*", only_localhost)
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.errors = []  # type: ignore[attr-defined]
            page.blocked = []  # type: ignore[attr-defined]
            page.on("pageerror", lambda exc: page.errors.append(str(exc)))
            page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
            page.on(
                "requestfailed",
                lambda req: page.blocked.append(req.url) if not req.url.startswith("http://127.0.0.1") else None,
            )
            yield page
        finally:
            browser.close()


def open_notebook(page, lab: Lab, path: str) -> None:
    """Open a notebook and wait for its kernel to be connected and idle."""
    page.goto(lab.url(path))
    page.wait_for_function(KERNEL_READY_JS, timeout=120_000)


def run_all(page, timeout_ms: int = 240_000) -> None:
    """Run all cells and wait until every code cell has run and the kernel is idle again."""
    assert page.evaluate(RUN_ALL_JS, timeout_ms) == "done"
    page.wait_for_function(ALL_RUN_JS, timeout=timeout_ms)


def shot(locator, name: str) -> Path:
    """Screenshot of one element into test-artifacts/ (JupyterLab scrolls inside its own panel)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path))
    return path


# Times one control change in the page: from the change to the last DOM mutation of the view's figure area,
# once the figure area has been quiet for `quiet` ms (a redraw can take several mutations). `act` names what
# to do: {kind: 'select', label, value} | {kind: 'toggle', label, text} | {kind: 'checkbox', label}
# | {kind: 'key', label, key}.
REDRAW_JS = """async ({view, act, quiet, timeout}) => {
  const root = document.querySelectorAll('.brink-view')[view];
  if (!root) throw new Error('no view number ' + view);
  const fig = root.querySelector('.brink-figure');
  const boxes = root.querySelectorAll('.widget-inline-hbox, .widget-toggle-buttons, .widget-checkbox');
  const control = [...boxes].find(el => {
    const l = el.querySelector(':scope > .widget-label');
    const text = el.textContent.replace(/\u200b/g, '').trim();
    const box = el.classList.contains('widget-checkbox');
    return (l && l.textContent.trim() === act.label) || (box && text === act.label);
  });
  if (!control) throw new Error('no control labelled ' + act.label);
  let last = null;
  const obs = new MutationObserver(() => { last = performance.now(); });
  obs.observe(fig, {subtree: true, childList: true, attributes: true, characterData: true});
  const t0 = performance.now();
  if (act.kind === 'select') {
    const sel = control.querySelector('select');
    const opt = [...sel.options].find(o => o.textContent.trim() === act.value || o.value === act.value);
    if (!opt) throw new Error('no option ' + act.value + ' in ' + act.label);
    sel.value = opt.value;
    sel.dispatchEvent(new Event('change', {bubbles: true}));
  } else if (act.kind === 'toggle') {
    const b = [...control.querySelectorAll('button')].find(b => b.textContent.trim() === act.text);
    if (!b) throw new Error('no button ' + act.text + ' in ' + act.label);
    b.click();
  } else if (act.kind === 'checkbox') {
    control.querySelector('input[type=checkbox]').click();
  } else if (act.kind === 'key') {
    const h = control.querySelector('.noUi-handle, input, [role=slider]');
    h.focus();
    h.dispatchEvent(new KeyboardEvent('keydown', {key: act.key, bubbles: true}));
    h.dispatchEvent(new KeyboardEvent('keyup', {key: act.key, bubbles: true}));
  }
  const started = performance.now();
  while (true) {
    await new Promise(r => setTimeout(r, 10));
    const now = performance.now();
    if (last !== null && now - last >= quiet) break;
    if (now - started > timeout) {
      obs.disconnect();
      throw new Error('no redraw within ' + timeout + ' ms after ' + JSON.stringify(act));
    }
  }
  obs.disconnect();
  return last - t0;
}"""
