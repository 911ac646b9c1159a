"""Widget latency: how long a learner waits after changing a control, for each of the course's five views.

For each view (timeline, escalation, network, argument, game) the script builds it on the full dataset,
warms up with one cycle of its ``BENCHMARK_STEPS``, then times ``--changes`` control changes. Setting
``control.value`` runs the update synchronously, so the time from the assignment to its return is the
time to a finished update. Reported per view:

- ``update``: median and 90th percentile of the change -> finished update (filter, recompute, redraw);
- ``+png``: the same plus encoding the figure(s) as PNG exactly as the inline backend does when the notebook
  shows them (IPython's ``print_figure`` with ``bbox_inches="tight"``); outside a kernel the view skips
  displaying, so this cost is added explicitly;
- ``plain``: the plain alternative measured in the same run: the same change made by rebuilding the view
  from scratch (``make_view`` on the loaded tables, then setting all current control values at once) plus
  the PNG, i.e. what a notebook does when it re-runs a cell instead of using the widget;
- ``ratio``: plain / (+png): how many times faster the live view is.

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
from IPython.core.pylabtools import print_figure
from matplotlib.figure import Figure

from brinkmanship import data

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
    """Encode the figures exactly as the inline backend does when a notebook displays them."""
    for fig in figures(result):
        print_figure(fig, "png", bbox_inches="tight", base64=True)


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
    plain_ms = []
    for i in range(plain_runs):
        state.update(steps[i % len(steps)])
        t0 = time.perf_counter()
        fresh = module.make_view(tables)
        fresh.set_values(**state)
        png(fresh.result)
        plain_ms.append((time.perf_counter() - t0) * 1000)
        close(fresh)
        del fresh
        gc.collect()
    med, med_png, med_plain = (statistics.median(x) for x in (update_ms, with_png_ms, plain_ms))
    return {
        "view": name,
        "n": changes,
        "median": med,
        "p90": percentile(update_ms, 0.9),
        "median_png": med_png,
        "p90_png": percentile(with_png_ms, 0.9),
        "plain_n": plain_runs,
        "plain": med_plain,
        "ratio": med_plain / med_png if med_png else float("nan"),
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
        f"{'view':<11} {'n':>3} {'median ms':>9} {'p90 ms':>7} {'+png med':>8} {'+png p90':>8} "
        f"{'plain ms':>8} {'ratio':>6}"
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
            f"{row['view']:<11} {row['n']:>3} {row['median']:>9.1f} {row['p90']:>7.1f} {row['median_png']:>8.1f} "
            f"{row['p90_png']:>8.1f} {row['plain']:>8.1f} {row['ratio']:>5.1f}x"
        )
        if row["median"] >= 100:
            slow.append(name)
    print("\nmedian = control change -> finished update; +png adds encoding the figure as the notebook shows it;")
    print("plain = rebuilding the view from scratch for the same state (+png); ratio = plain / +png median.")
    if slow:
        print(f"above the 100 ms target: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
