"""Every lesson as a student meets it: JupyterLab in headless Debian Chromium (Playwright).

Per lesson: run all cells in the page; no error output anywhere; every figure the lesson makes when nbclient
runs it (matplotlib or live view, tracked as it is created) is visible in the page with its caption, which
is what would have caught lesson 08's figure that never appeared; one control of each view changes its
figure and caption. Then the terminal JupyterLab opens finds ``brinkmanship`` even though the server has no
tty and the venv is not on its PATH. Screenshots go to test-artifacts/ (git-ignored).

Every wait is on a condition (a prompt number, a DOM mutation, a file appearing); the generous timeouts only
turn a hang into a failure. Without /usr/bin/chromium the tests are skipped, except on CI (env CI set), which
installs Chromium and must not skip silently.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from browser_helpers import (
    ARTIFACTS,
    REDRAW_JS,
    browser_page,
    missing_browser,
    open_notebook,
    run_all,
    running_lab,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "lessons").glob("[0-9][0-9]-*.ipynb"))
# remembers every course figure made, however it was made: static matplotlib charts and the live views
_TRACK = """
import matplotlib.figure as _mf, bqplot as _bq
_brink_figures = []
for _cls in (_mf.Figure, _bq.Figure):
    def _make(init):
        def _track(self, *a, **k):
            init(self, *a, **k)
            _brink_figures.append(self)
        return _track
    _cls.__init__ = _make(_cls.__init__)
"""
_REPORT = """
import json as _json
from brinkmanship import style as _st
print("BRINK-FIGURES", _json.dumps([_st.figure_title(f) for f in _brink_figures if (_st.alt_text(f) or "").strip()]))
"""
# one control per view (found by its heading) and what its caption says once the figure has changed
ACTIONS = {
    "Timeline explorer": {"kind": "toggle", "label": "Lanes", "text": "Actor"},
    "Escalation index": {"kind": "toggle", "label": "Measure", "text": "Count"},
    "Who backs whom: the actor network": {"kind": "checkbox", "label": "Only ties active on the date"},
    "What does each claim rest on? The argument map": {"kind": "checkbox", "label": "Show footnotes"},
    "Brinkmanship as a game of chicken": {"kind": "key", "label": "US cost of war", "key": "ArrowRight"},
}
FIGURES_JS = """() => [...document.querySelectorAll('.brink-alt')].filter(c => c.querySelector('b')).map(c => {
  const title = c.querySelector('b').textContent.replace(/^Figure: /, '').replace(/\\.$/, '');
  const chart = c.closest('figure.brink-chart');
  let el = chart ? chart.querySelector('img') : null;
  if (!chart) { const view = c.closest('.brink-view'); el = view ? view.querySelector('.brink-figure') : null; }
  if (!el) return {title, visible: false, why: 'no figure next to its caption'};
  const box = el.getBoundingClientRect();
  const drawn = chart ? (el.complete && el.naturalWidth > 50) : el.querySelectorAll('svg path, svg text').length > 5;
  return {title, visible: box.width > 100 && box.height > 80 && drawn, why: `${box.width}x${box.height} drawn=${drawn}`};
})"""
ERRORS_JS = """() => [...document.querySelectorAll('.jp-OutputArea-output')].filter(o =>
    o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr'
    || /Error displaying widget|Traceback \\(most recent call last\\)/.test(o.textContent)).map(o => o.textContent.slice(0, 400))"""


def _need_browser() -> None:
    reason = missing_browser()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run on CI: {reason}")
        pytest.skip(f"browser test needs a system Chromium and Playwright: {reason}")


def nbclient_figures(path: Path) -> list[str]:
    """The titles of the figures a lesson makes when nbclient runs it headless (no browser)."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(_TRACK))
    nb.cells.append(nbformat.v4.new_code_cell(_REPORT))
    old = os.environ.get("BRINKMANSHIP_HEADLESS")
    os.environ["BRINKMANSHIP_HEADLESS"] = "1"
    try:
        NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    finally:
        if old is None:
            os.environ.pop("BRINKMANSHIP_HEADLESS", None)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return json.loads(text.split("BRINK-FIGURES", 1)[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator:
    """One JupyterLab serving fresh copies of the lessons (no saved outputs), set up as ``make lab`` does."""
    _need_browser()
    tmp = tmp_path_factory.mktemp("lab")
    root, state = tmp / "root", tmp / "state"
    shutil.copytree(REPO / "lessons", root / "lessons")
    with running_lab(root, state, _lab_args(state)) as server:
        yield server


def _lab_args(state: Path) -> list[str]:
    labconfig = state / "config" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "jupyterlab-page-config.json", labconfig / "page_config.json")
    return [f"--config={REPO / 'jupyter_server_config.py'}"]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem[:2] for p in LESSONS])
def test_lesson_runs_shows_every_figure_and_every_view_responds(lab, path: Path) -> None:
    from playwright.sync_api import expect

    expected = nbclient_figures(path)
    name = path.stem[:2]
    with browser_page(1400, 1800) as page:
        open_notebook(page, lab, f"lessons/{path.name}")
        run_all(page)
        assert page.evaluate(ERRORS_JS) == [], "a cell printed an error in the page"
        page.wait_for_function(
            "(n) => document.querySelectorAll('.brink-alt b').length >= n", arg=len(expected), timeout=60_000
        )
        shown = page.evaluate(FIGURES_JS)
        visible = {f["title"] for f in shown if f["visible"]}
        missing = [t for t in expected if t not in visible]
        assert not missing, f"figures made under nbclient but not visible in the page: {missing}; page: {shown}"
        for i, chart in enumerate(page.locator("figure.brink-chart").all()):
            shot(chart, f"L{name}-chart-{i}.png")
        views = page.locator(".brink-view")
        for i in range(views.count()):
            view = views.nth(i)
            heading = view.locator("h3").first.inner_text().strip()
            shot(view, f"L{name}-view-{i}-before.png")
            caption = view.locator("p.brink-alt").first
            before = caption.inner_text()
            page.evaluate(REDRAW_JS, {"view": i, "act": ACTIONS[heading], "quiet": 150, "timeout": 60_000})
            expect(caption).not_to_have_text(before, timeout=60_000)
            shot(view, f"L{name}-view-{i}-after.png")
        assert page.evaluate(ERRORS_JS) == [], "a control change printed an error"
        assert not [e for e in page.errors if "Uncaught" in e or "Error displaying" in e], page.errors
        assert page.blocked == [], f"the lesson tried to reach the network: {page.blocked[:3]}"


def test_lesson_opens_clean_without_nbgrader_author_tools(lab) -> None:
    with browser_page(1280, 800) as page:
        open_notebook(page, lab, f"lessons/{LESSONS[0].name}")
        dirty = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
        plugins = page.evaluate(
            "() => ['@jupyter/nbgrader:create-assignment', '@jupyter/nbgrader:validate-assignment']"
            ".filter(id => window.jupyterapp.hasPlugin(id) && window.jupyterapp.isPluginActivated(id))"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lesson-open-1280.png"))
    assert plugins == [], "students must not see nbgrader's Create Assignment sidebar or Validate button"
    assert dirty is False, "a lesson is marked as changed right after opening"


def test_jupyterlab_terminal_finds_brinkmanship_without_a_tty(tmp_path) -> None:
    """As ``make lab`` runs it from an IDE button: no tty, and a login shell that resets PATH."""
    _need_browser()
    root, state = tmp_path / "root", tmp_path / "state"
    root.mkdir()
    venv_bin = str(Path(sys.executable).parent)
    from browser_helpers import lab_env

    env = lab_env(state)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
    with running_lab(root, state, _lab_args(state), env=env, add_venv_to_path=False) as server, browser_page() as page:
        page.goto(f"{server.base}/lab?reset&token={server.token}")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('terminal:create-new')"
        )
        page.evaluate("() => window.jupyterapp.commands.execute('terminal:create-new')")
        terminal = page.locator(".jp-Terminal").first
        terminal.wait_for()
        terminal.click()
        out = root / "terminal-check.txt"
        deadline = time.monotonic() + 60
        while not out.exists() or "brinkmanship" not in out.read_text():
            page.keyboard.type("{ command -v brinkmanship; brinkmanship --version; } > terminal-check.txt 2>&1\n")
            page.wait_for_timeout(1000)  # polling interval: the shell may still be starting
            assert time.monotonic() < deadline, "the terminal never ran the command"
        shot(terminal, "terminal-brinkmanship.png")
    text = out.read_text()
    assert f"{venv_bin}/brinkmanship" in text and "brinkmanship 0.1" in text, text
