"""Widget latency: how long a learner waits after changing a control, for each of the course's five views.

For each view (timeline, escalation, network, argument, game) the script builds it on the full dataset,
warms up with one cycle of its ``BENCHMARK_STEPS``, then times ``--changes`` control changes. Setting
``control.value`` runs the update synchronously, so the time from the assignment to its return is the
time to a finished update. Reported per view:

- ``median``/``p90``: control change -> finished update (filter, recompute, redraw the Figure);
- ``plain``: the plain alternative measured in the same run: the same state reached by rebuilding the view
  from scratch (``make_view`` on the loaded tables, then setting all current control values at once), i.e.
  what a notebook does when a learner edits and re-runs a cell instead of using the widget;
- ``+png`` / ``plain+png``: both plus encoding the figure(s) as PNG the way ``View.show_figure`` does in a
  notebook (``style.figure_png``: the inline backend's tight bounding box, or a plain render for figures
  with a fixed layout); outside a kernel the views skip displaying, so this cost is added explicitly;
- ``ratio``: plain / live: how many times faster the live view is.

Target: update median under 100 ms. Usage: ``python benchmarks/widgets.py [--changes 30] [--plain 10]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import os
import platform
import statistics
import sys
import time
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from brinkmanship import data
from brinkmanship.style import figure_png

VIEWS = ("timeline", "escalation", "network", "argument", "game")


def figures(result: Any) -> list[Figure]:
    """Every matplotlib Figure in a view's result (a Figure, a mapping, a sequence or a dataclass)."""
    if isinstance(result, Figure):
        return [result]
    if isinstance(result, dict):
        items = list(result.values())
    elif isinstance(result, list | tuple):
        items = list(result)
    elif hasattr(result, "__dict__"):
        items = list(vars(result).values())
    else:
        items = []
    return [x for x in items if isinstance(x, Figure)]


def png(result: Any) -> None:
    """Encode the figures as View.show_figure does in a notebook (style.figure_png: the inline backend's
    tight bounding box, or a plain render for figures with a fixed layout)."""
    for fig in figures(result):
        figure_png(fig)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def apply(view: Any, step: dict[str, Any]) -> None:
    for name, value in step.items():
        view.controls[name].value = value


def close(view: Any) -> None:
    for fig in figures(view.result):
        plt.close(fig)


def bench_view(name: str, tables: dict, changes: int, plain_runs: int) -> dict[str, Any] | str:
    try:
        module = importlib.import_module(f"brinkmanship.widgets.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("brinkmanship.widgets"):
            return "not yet available"
        raise
    if not hasattr(module, "make_view") or not hasattr(module, "BENCHMARK_STEPS"):
        return "not yet available (no make_view/BENCHMARK_STEPS)"
    steps: list[dict[str, Any]] = list(module.BENCHMARK_STEPS)
    if not steps:
        return "no BENCHMARK_STEPS"
    view = module.make_view(tables)
    for step in steps:  # warm-up: caches, font loading, first draws
        apply(view, step)
        png(view.result)
    update_ms, with_png_ms = [], []
    for i in range(changes):
        step = steps[i % len(steps)]
        t0 = time.perf_counter()
        apply(view, step)
        t1 = time.perf_counter()
        png(view.result)
        t2 = time.perf_counter()
        update_ms.append((t1 - t0) * 1000)
        with_png_ms.append((t2 - t0) * 1000)
    # plain alternative: rebuild the view from scratch for the same sequence of states
    state = view.values()
    close(view)
    plain_ms, plain_png_ms = [], []
    for i in range(plain_runs):
        state.update(steps[i % len(steps)])
        t0 = time.perf_counter()
        fresh = module.make_view(tables)
        fresh.set_values(**state)
        t1 = time.perf_counter()
        png(fresh.result)
        t2 = time.perf_counter()
        plain_ms.append((t1 - t0) * 1000)
        plain_png_ms.append((t2 - t0) * 1000)
        close(fresh)
        del fresh
        gc.collect()
    med, med_png = statistics.median(update_ms), statistics.median(with_png_ms)
    med_plain, med_plain_png = statistics.median(plain_ms), statistics.median(plain_png_ms)
    return {
        "view": name,
        "n": changes,
        "median": med,
        "p90": percentile(update_ms, 0.9),
        "median_png": med_png,
        "plain_n": plain_runs,
        "plain": med_plain,
        "ratio": med_plain / med,
        "plain_png": med_plain_png,
        "ratio_png": med_plain_png / med_png,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=30, help="timed control changes per view (default 30)")
    parser.add_argument("--plain", type=int, default=10, help="timed rebuilds for the plain alternative")
    parser.add_argument("--views", nargs="*", default=list(VIEWS), help="subset of views")
    args = parser.parse_args(argv)
    tables = data.load_all()
    print(
        f"# widget latency: python {platform.python_version()}, matplotlib {matplotlib.__version__}, "
        f"{os.cpu_count()} cores, {len(tables['events'])} events"
    )
    header = (
        f"{'view':<11} {'n':>3} {'median ms':>9} {'p90 ms':>7} {'plain ms':>8} {'ratio':>6}   "
        f"{'+png ms':>7} {'plain+png':>9} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    slow = []
    for name in args.views:
        # a view that displays without a kernel would print text reprs: keep them out of the table
        with contextlib.redirect_stdout(io.StringIO()):
            row = bench_view(name, tables, args.changes, args.plain)
        if isinstance(row, str):
            print(f"{name:<11} {row}")
            continue
        print(
            f"{row['view']:<11} {row['n']:>3} {row['median']:>9.1f} {row['p90']:>7.1f} {row['plain']:>8.1f} "
            f"{row['ratio']:>5.1f}x   {row['median_png']:>7.1f} {row['plain_png']:>9.1f} {row['ratio_png']:>5.1f}x"
        )
        if row["median"] >= 100:
            slow.append(name)
    print(
        "\nmedian/p90 = control change -> finished update; plain = rebuilding the view from scratch for the same"
        "\nstate (median of --plain runs); +png = the same plus encoding the figure(s) as View.show_figure does"
        "\nwhen the notebook shows them; ratio = plain / live, so 3.0x means the live view is 3 times faster."
    )
    if slow:
        print(f"above the 100 ms target: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
