"""Browser latency: from a control change in JupyterLab to the new figure in the page, per view.

What a student waits for, measured where the student sits: a real ``jupyter lab`` and headless Chromium.
For each of the course's five views the script changes one control at a time in the page (a dropdown, a
toggle button, a checkbox, a slider key press) and a MutationObserver on the view's figure area times the
change until the figure's last DOM mutation (the area must then stay quiet for 150 ms, which is not counted).
That span holds the browser-to-kernel message, the update in the kernel, the message back and the drawing
in the browser.

The plain alternative, measured in the same run on the same page: a probe widget whose callback does nothing
but write one line of text (``probe``). Its time is the floor any kernel-side redraw pays for the two
messages, so ``view - probe`` is what drawing the figure costs.

Usage: ``.venv/bin/python benchmarks/browser.py [--changes 20] [--json out.json]``. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import browser_helpers as bh  # noqa: E402

VIEWS = ("probe", "timeline", "escalation", "network", "argument", "game")
# one cycle of page actions per view; each returns the view to where it started
STEPS: dict[str, list[dict]] = {
    "probe": [
        {"kind": "select", "label": "Probe", "value": "b"},
        {"kind": "select", "label": "Probe", "value": "a"},
    ],
    "timeline": [
        {"kind": "select", "label": "Theatre", "value": "iraq"},
        {"kind": "toggle", "label": "Lanes", "text": "Actor"},
        {"kind": "select", "label": "Theatre", "value": "All theatres"},
        {"kind": "toggle", "label": "Period", "text": "Article"},
        {"kind": "toggle", "label": "Lanes", "text": "Theatre"},
        {"kind": "toggle", "label": "Period", "text": "All"},
    ],
    "escalation": [
        {"kind": "toggle", "label": "Measure", "text": "Mean"},
        {"kind": "toggle", "label": "Period length", "text": "Week"},
        {"kind": "toggle", "label": "Measure", "text": "Count"},
        {"kind": "toggle", "label": "Period length", "text": "Month"},
        {"kind": "select", "label": "Direction", "value": "First side acts on second"},
        {"kind": "toggle", "label": "Measure", "text": "Sum"},
        {"kind": "select", "label": "Direction", "value": "Both directions"},
    ],
    "network": [
        {"kind": "key", "label": "Date", "key": "ArrowLeft"},
        {"kind": "checkbox", "label": "Only ties active on the date"},
        {"kind": "checkbox", "label": "Only ties active on the date"},
        {"kind": "key", "label": "Date", "key": "ArrowRight"},
    ],
    "argument": [
        {"kind": "select", "label": "Claim or section", "value": "Section: strategic patience"},
        {"kind": "checkbox", "label": "Show footnotes"},
        {"kind": "select", "label": "Claim or section", "value": "Whole argument from T01 (thesis)"},
        {"kind": "checkbox", "label": "Show footnotes"},
        {"kind": "select", "label": "Claim or section", "value": "Section: conclusion"},
    ],
    "game": [
        {"kind": "key", "label": "US cost of war", "key": "ArrowRight"},
        {"kind": "key", "label": "Iran gain from prevailing", "key": "ArrowRight"},
        {"kind": "key", "label": "US cost of war", "key": "ArrowLeft"},
        {"kind": "key", "label": "Iran gain from prevailing", "key": "ArrowLeft"},
    ],
}

PROBE = """import ipywidgets as w
probe_choice = w.Dropdown(options=["a", "b"], description="Probe")
probe_text = w.HTML("a")
probe_text.add_class("brink-figure")
probe_choice.observe(lambda change: setattr(probe_text, "value", change["new"]), names="value")
probe = w.VBox([probe_choice, probe_text])
probe.add_class("brink-view")
probe"""

CELLS = {
    "probe": PROBE,
    "tables": "import brinkmanship as bm\n\ntables = bm.load()",
    **{view: f"bm.views.{view}(tables)" for view in VIEWS[1:]},
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def write_notebook(root: Path, cells: list[str]) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, root / "bench.ipynb")
    return "bench.ipynb"


def measure(changes: int, warmup: int, views: tuple[str, ...] = VIEWS, shots: bool = False) -> dict[str, list[float]]:
    views = ("probe", *[v for v in views if v != "probe"])
    times: dict[str, list[float]] = {v: [] for v in views}
    with tempfile.TemporaryDirectory(prefix="brink-bench-") as tmp:
        root, state = Path(tmp) / "root", Path(tmp) / "state"
        root.mkdir()
        name = write_notebook(root, [CELLS["probe"], CELLS["tables"], *[CELLS[v] for v in views[1:]]])
        with bh.running_lab(root, state) as lab, bh.browser_page() as page:
            bh.open_notebook(page, lab, name)
            bh.run_all(page)
            page.wait_for_function(f"() => document.querySelectorAll('.brink-view').length >= {len(views)}")
            for i, view in enumerate(views):
                steps = STEPS[view]
                for k in range(warmup + changes):
                    act = steps[k % len(steps)]
                    ms = page.evaluate(bh.REDRAW_JS, {"view": i, "act": act, "quiet": 150, "timeout": 20_000})
                    if k >= warmup:
                        times[view].append(float(ms))
                if shots:
                    bh.shot(page.locator(".brink-view").nth(i), f"bench-{view}.png")
            if page.errors:
                print("browser console errors:", *page.errors[:5], sep="\n  ", file=sys.stderr)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--changes", type=int, default=20, help="timed control changes per view")
    parser.add_argument("--warmup", type=int, default=2, help="untimed changes per view first")
    parser.add_argument("--json", type=Path, help="also write the raw times here")
    parser.add_argument("--views", nargs="*", default=list(VIEWS[1:]), choices=VIEWS[1:], help="views to time")
    parser.add_argument("--shots", action="store_true", help="save a screenshot of each view to test-artifacts/")
    args = parser.parse_args(argv)
    reason = bh.missing_browser()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# browser redraw latency, {platform.node()}: {os.cpu_count()} cores, load {load:.2f}")
    times = measure(args.changes, args.warmup, tuple(args.views), args.shots)
    probe = statistics.median(times["probe"])
    print(f"{'view':<12}{'n':>4}{'median ms':>11}{'p90 ms':>9}{'min':>7}{'max':>7}{'x probe':>9}")
    for view in times:
        t = times[view]
        med = statistics.median(t)
        print(
            f"{view:<12}{len(t):>4}{med:>11.0f}{percentile(t, 0.9):>9.0f}{min(t):>7.0f}{max(t):>7.0f}"
            f"{med / probe:>9.1f}"
        )
    print("probe = the plain round trip (a dropdown whose callback writes one line of text), same page, same run")
    if args.json:
        args.json.write_text(json.dumps(times, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
