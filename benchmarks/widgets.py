"""Widget latency in the kernel: how long one control change takes to compute and restyle, per view.

For each view (timeline, escalation, network, argument, game) the script builds it on the full dataset,
warms up with one cycle of its ``BENCHMARK_STEPS``, then times ``--changes`` control changes. Setting
``control.value`` runs the update synchronously, so the time from the assignment to its return is the
kernel's share of a redraw (filter, recompute, new mark data for the live bqplot figure). The browser's
share, and the whole wait a student sees, is measured by ``benchmarks/browser.py``. Reported per view:

- ``median``/``p90``: control change -> finished update;
- ``plain``: the plain alternative measured in the same run: the same state reached by rebuilding the view
  from scratch (``make_view`` on the loaded tables, then setting all current control values at once), i.e.
  what a notebook does when a learner edits and re-runs a cell instead of using the widget;
- ``ratio``: plain / live: how many times faster the live view is.

Target: update median under 50 ms. Usage: ``python benchmarks/widgets.py [--changes 30] [--plain 10]``.
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

import bqplot

from brinkmanship import data

VIEWS = ("timeline", "escalation", "network", "argument", "game")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def apply(view: Any, step: dict[str, Any]) -> None:
    for name, value in step.items():
        view.controls[name].value = value


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
    for step in steps:  # warm-up: caches and first draws
        apply(view, step)
    update_ms = []
    for i in range(changes):
        step = steps[i % len(steps)]
        t0 = time.perf_counter()
        apply(view, step)
        update_ms.append((time.perf_counter() - t0) * 1000)
    # plain alternative: rebuild the view from scratch for the same sequence of states
    state = view.values()
    plain_ms = []
    for i in range(plain_runs):
        state.update(steps[i % len(steps)])
        t0 = time.perf_counter()
        fresh = module.make_view(tables)
        fresh.set_values(**state)
        plain_ms.append((time.perf_counter() - t0) * 1000)
        del fresh
        gc.collect()
    med, med_plain = statistics.median(update_ms), statistics.median(plain_ms)
    return {
        "view": name,
        "n": changes,
        "median": med,
        "p90": percentile(update_ms, 0.9),
        "plain_n": plain_runs,
        "plain": med_plain,
        "ratio": med_plain / med,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=30, help="timed control changes per view (default 30)")
    parser.add_argument("--plain", type=int, default=10, help="timed rebuilds for the plain alternative")
    parser.add_argument("--views", nargs="*", default=list(VIEWS), help="subset of views")
    args = parser.parse_args(argv)
    tables = data.load_all()
    print(
        f"# widget latency in the kernel: python {platform.python_version()}, bqplot {bqplot.__version__}, "
        f"{os.cpu_count()} cores, {len(tables['events'])} events"
    )
    header = f"{'view':<11} {'n':>3} {'median ms':>9} {'p90 ms':>7} {'plain ms':>8} {'ratio':>6}"
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
            f"{row['ratio']:>5.1f}x"
        )
        if row["median"] >= 50:
            slow.append(name)
    print(
        "\nmedian/p90 = control change -> finished update; plain = rebuilding the view from scratch for the same"
        "\nstate (median of --plain runs); ratio = plain / live, so 3.0x means the live view is 3 times faster."
        "\nThe wait in the browser (kernel round trip + this + drawing): benchmarks/browser.py."
    )
    if slow:
        print(f"above the 50 ms target: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
