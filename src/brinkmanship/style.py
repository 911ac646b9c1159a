"""Shared look of the course's figures: one colour-blind-safe palette and accessible figure metadata."""

from __future__ import annotations

import html
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

# Okabe & Ito (2008) palette: distinguishable under the common colour-vision deficiencies.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
PALETTE: list[str] = [
    OKABE_ITO[k]
    for k in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "yellow", "black")
]
# Camp colours used everywhere a camp is drawn, so a learner sees the same side in the same colour.
CAMP_COLOURS: dict[str, str] = {
    "us_camp": OKABE_ITO["blue"],
    "iran_camp": OKABE_ITO["vermillion"],
    "outside_power": OKABE_ITO["bluish_green"],
    "mediator": OKABE_ITO["orange"],
    "other": OKABE_ITO["grey"],
}
# Diverging map for Goldstein scores (conflict red/orange .. cooperation blue), safe for colour-blind readers.
GOLDSTEIN_CMAP = "PuOr"

ALT_TEXT_KEY = "alt_text"
# Set on figures whose axes are placed by hand (fig.add_axes): nothing can fall outside the canvas, so the
# notebook may skip the extra layout pass of a tight bounding box when it encodes them (see figure_png).
FIXED_LAYOUT_KEY = "fixed_layout"


def set_accessible(fig: Any, title: str, alt_text: str) -> Any:
    """Give a figure the title and alt text every course figure must carry.

    Works for matplotlib Figures (``suptitle``) and for the views' live bqplot Figures (``title``). The alt
    text is kept on the figure (``fig.alt_text``) so tests and views can show it, and in the PNG metadata
    (``Description``) when saved with :func:`save_png`.
    """
    if not title.strip() or not alt_text.strip():
        raise ValueError("a course figure needs a non-empty title and alt text")
    if isinstance(fig, Figure):
        fig.suptitle(title)
    else:
        fig.title = title
    setattr(fig, ALT_TEXT_KEY, alt_text)
    return fig


def mark_fixed_layout(fig: Figure) -> Figure:
    """Declare that ``fig`` places its axes itself, so it can be encoded without a tight bounding box."""
    setattr(fig, FIXED_LAYOUT_KEY, True)
    return fig


def figure_png(fig: Figure) -> bytes:
    """The PNG a notebook shows for ``fig``.

    Like the inline backend (tight bounding box) for ordinary figures; a plain render for figures marked by
    :func:`mark_fixed_layout`, which saves the tight box's second layout pass on every widget update.
    """
    import io

    buf = io.BytesIO()
    if getattr(fig, FIXED_LAYOUT_KEY, False):
        fig.savefig(buf, format="png")
    else:
        fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def alt_text(fig: Any) -> str | None:
    """The alt text attached by :func:`set_accessible`, or None."""
    return getattr(fig, ALT_TEXT_KEY, None)


def figure_title(fig: Any) -> str:
    """The figure's title: the suptitle if set, else the first axes title (a live figure's ``title``)."""
    if not isinstance(fig, Figure):
        return str(getattr(fig, "title", "") or "")
    if fig._suptitle is not None and fig._suptitle.get_text():
        return fig._suptitle.get_text()
    for ax in fig.axes:
        if ax.get_title():
            return ax.get_title()
    return ""


def save_png(fig: Figure, path: str, **kwargs: object) -> None:
    """Save a PNG with its title and alt text in the file's metadata."""
    metadata = {"Title": figure_title(fig), "Description": alt_text(fig) or ""}
    fig.savefig(path, format="png", metadata=metadata, **kwargs)


# --- charts that carry their own alt text --------------------------------------------------------------
@dataclass(frozen=True)
class Chart:
    """A finished course figure: shown once, as an image with its alt text on the ``<img>`` and as a caption.

    Returned by :func:`bar_chart` and :func:`chart`; the last expression of a cell displays it. Keeping the
    Figure out of pyplot means the inline backend never shows it a second time.
    """

    figure: Figure
    title: str
    alt_text: str

    def png(self) -> bytes:
        return figure_png(self.figure)

    def _repr_html_(self) -> str:
        return figure_html(self.figure)

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        return f"Chart({self.title!r})"


def figure_html(fig: Figure, png: bytes | None = None) -> str:
    """An accessible ``<figure>``: the PNG with its alt text, and a caption a sighted reader sees too."""
    import base64

    data = base64.b64encode(png if png is not None else figure_png(fig)).decode("ascii")
    title, text = html.escape(figure_title(fig)), html.escape(alt_text(fig) or "")
    return (
        f'<figure class="brink-chart" style="margin:0"><img src="data:image/png;base64,{data}" alt="{text}" '
        f'style="max-width:100%;height:auto"><figcaption class="brink-alt" role="note"><b>Figure: {title}.</b> '
        f"{text}</figcaption></figure>"
    )


def chart(fig: Figure) -> Chart:
    """Wrap a figure made by one of the course's drawing functions so a cell shows it once, captioned."""
    text = alt_text(fig)
    if not figure_title(fig) or not (text or "").strip():
        raise ValueError("a course figure needs a title and alt text: draw it with set_accessible")
    return Chart(fig, figure_title(fig), text or "")


def _label(value: object) -> str:
    """Category names as words: ``partly_held`` -> ``partly held``, ``saudi_arabia`` -> ``saudi arabia``."""
    return str(value).replace("_", " ")


def _count_axis(ax: object, axis: str) -> None:
    from matplotlib.ticker import MaxNLocator

    getattr(ax, f"{axis}axis").set_major_locator(MaxNLocator(integer=True))


def bar_chart(
    data: pd.Series | pd.DataFrame,
    title: str,
    *,
    xlabel: str = "",
    ylabel: str = "",
    horizontal: bool = False,
    stacked: bool = False,
    colours: Mapping[str, str] | Sequence[str] | str | None = None,
    what: str = "",
    legend_title: str = "",
    size: tuple[float, float] | None = None,
    marks: Sequence[tuple[Any, str]] = (),
) -> Chart:
    """A bar chart that writes its own alt text from the numbers it draws.

    ``data`` is a Series (one bar per label) or a DataFrame (one group of bars per row, one colour per
    column; ``stacked`` stacks them). ``colours`` maps labels (Series) or columns (DataFrame) to colours
    (e.g. :data:`CAMP_COLOURS`), or is one colour or a list; the default is the course palette. ``what``
    says what is counted, for the alt text ("events", "footnotes"); counts get whole-number ticks.
    ``marks`` draws a labelled dashed line at each ``(position, label)``: a bar label, or a date between the
    bars of a date index (a killing between two monthly bars).
    """
    import matplotlib.pyplot as plt  # noqa: F401  (registers pandas' converters for dates)

    frame = data.to_frame() if isinstance(data, pd.Series) else data
    if frame.empty:
        raise ValueError(f"nothing to draw for {title!r}: the table is empty")
    dated = isinstance(frame.index, pd.DatetimeIndex)
    rows = [f"{i:%b %Y}" for i in frame.index] if dated else [_label(i) for i in frame.index]
    cols = [str(c) for c in frame.columns]
    single = isinstance(data, pd.Series)
    if single:
        keys = [str(i) for i in frame.index]
        if isinstance(colours, Mapping):
            fill = [colours.get(k, OKABE_ITO["grey"]) for k in keys]
        elif isinstance(colours, str):
            fill = [colours] * len(keys)
        else:
            fill = list(colours) if colours is not None else [PALETTE[0]] * len(keys)
    elif isinstance(colours, Mapping):
        fill = [colours.get(c, OKABE_ITO["grey"]) for c in cols]
    else:
        fill = list(colours) if colours is not None else PALETTE[: len(cols)]
    width, height = size or (
        (8.0, 0.9 + 0.38 * len(rows)) if horizontal else (min(9.5, max(6.0, 0.45 * len(rows) + 3)), 3.6)
    )
    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot(1, 1, 1)
    values = frame.to_numpy(dtype=float)
    positions = np.arange(len(rows))
    bar = ax.barh if horizontal else ax.bar
    if single:
        bar(positions, values[:, 0], 0.75, color=fill, edgecolor="black", linewidth=0.4)
    else:
        n = len(cols)
        base = np.zeros(len(rows))
        for k, col in enumerate(cols):
            offset = 0.0 if stacked else (k - (n - 1) / 2) * 0.8 / n
            thick = 0.75 if stacked else 0.8 / n
            kw = {"left" if horizontal else "bottom": base} if stacked else {}
            bar(
                positions + offset,
                values[:, k],
                thick,
                color=fill[k % len(fill)],
                label=_label(col),
                edgecolor="black",
                linewidth=0.4,
                **kw,
            )
            if stacked:
                base = base + values[:, k]
        ax.legend(title=legend_title or None, fontsize=8, frameon=False)
    every = 1 if horizontal or len(rows) <= 14 else int(np.ceil(len(rows) / 12))
    (ax.set_yticks if horizontal else ax.set_xticks)(positions[::every])
    (ax.set_yticklabels if horizontal else ax.set_xticklabels)(
        rows[::every],
        fontsize=8,
        rotation=0 if horizontal or (len(rows[::every]) <= 12 and max(map(len, rows)) <= 8) else 90,
    )
    mark_text = []
    for k, (where, text) in enumerate(marks):
        at = _position(frame.index, where)
        line = ax.axhline if horizontal else ax.axvline
        line(
            at,
            color=PALETTE[(k + 1) % len(PALETTE)],
            linestyle=("--", ":", "-.", "-")[k % 4],
            linewidth=1.8,
            label=text,
        )
        when = f"{pd.Timestamp(where).day} {pd.Timestamp(where):%B %Y}" if dated else _label(where)
        mark_text.append(f"{text} ({when})" if when not in text else text)
    if marks:
        ax.legend(title=legend_title or None, fontsize=8, frameon=False)
    if horizontal:
        ax.invert_yaxis()
    whole = np.all(np.mod(values[np.isfinite(values)], 1) == 0)
    if whole:
        _count_axis(ax, "x" if horizontal else "y")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x" if horizontal else "y", alpha=0.3)
    fig.tight_layout()
    alt = _bar_alt(frame, rows, cols, single, stacked, horizontal, what or ylabel or xlabel)
    if mark_text:
        alt += f" Dashed lines mark: {'; '.join(mark_text)}."
    set_accessible(fig, title, alt)
    fig.tight_layout()
    return chart(fig)


def _position(index: pd.Index, where: Any) -> float:
    """Where a mark falls on a bar axis: at its bar, or between the bars of a date index."""
    if isinstance(index, pd.DatetimeIndex):
        stamps = index.as_unit("ns").asi8.astype(float)
        return float(np.interp(pd.Timestamp(where).as_unit("ns").value, stamps, np.arange(len(index))))
    labels = [str(i) for i in index]
    if str(where) not in labels:
        raise ValueError(f"cannot mark {where!r}: not one of the bars ({', '.join(labels)})")
    return float(labels.index(str(where)))


def subplots(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """A figure and its axes outside pyplot: shown once, by :func:`chart`, never again by the inline backend."""
    fig = Figure(**kwargs)
    axes = fig.subplots(nrows, ncols)
    return fig, axes


def _fmt(v: float) -> str:
    return f"{int(v)}" if float(v).is_integer() else f"{v:.2f}"


def _bar_alt(
    frame: pd.DataFrame, rows: list[str], cols: list[str], single: bool, stacked: bool, horizontal: bool, what: str
) -> str:
    kind = ("Horizontal " if horizontal else "") + ("stacked " if stacked else "") + "bar chart"
    unit = f" of {what}" if what else ""
    if single:
        items = "; ".join(f"{r}: {_fmt(v)}" for r, v in zip(rows, frame.iloc[:, 0], strict=True))
        v = frame.iloc[:, 0].to_numpy(dtype=float)
        top, low = rows[int(np.nanargmax(v))], rows[int(np.nanargmin(v))]
        extremes = f"Highest: {top}; lowest: {low}." if np.nanmin(v) < 0 else f"Largest: {top}."
        return f"{kind.capitalize()}{unit}, {len(rows)} bars: {items}. {extremes}"
    totals = frame.sum(axis=1).to_numpy(dtype=float)
    parts = "; ".join(
        f"{r}: " + ", ".join(f"{_label(c)} {_fmt(v)}" for c, v in zip(cols, row, strict=True) if v)
        if any(row)
        else f"{r}: none"
        for r, row in zip(rows, frame.to_numpy(dtype=float), strict=True)
    )
    top = rows[int(np.nanargmax(totals))]
    return (
        f"{kind.capitalize()}{unit} for {len(rows)} groups, split by {', '.join(_label(c) for c in cols)}: "
        f"{parts}. Largest in total: {top} ({_fmt(totals.max())})."
    )


# --- tables a learner can read ---------------------------------------------------------------------------
_TABLE_IDS = itertools.count()


def table_html(frame: pd.DataFrame, *, max_rows: int | None = None, classes: str = "", index: bool = True) -> str:
    """A DataFrame as HTML whose text columns are left-aligned and wrap instead of being cut.

    pandas cuts each cell at ``display.max_colwidth`` (50 characters) with "…" and right-aligns every column;
    the claims, disputes and rationales this course is about are longer than that.
    """
    limit = pd.get_option("display.max_rows") if max_rows is None else max_rows
    with pd.option_context("display.max_colwidth", None):
        body = frame.to_html(
            max_rows=limit, border=0, classes=f"dataframe {classes}".strip(), notebook=True, index=index
        )
    key = f"brink-t{next(_TABLE_IDS)}"
    skip = frame.index.nlevels if index else 0
    rules = [f".{key} td, .{key} th {{vertical-align: top}}"]
    for k, col in enumerate(frame.columns):
        series = frame[col]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            continue
        n = k + skip + 1
        lengths = series.astype("string").str.len().dropna()
        longest = int(lengths.max()) if len(lengths) else 0
        width = "min-width: 16em; max-width: 42em;" if longest > 40 else ""
        rules.append(
            f".{key} tbody td:nth-child({n}), .{key} thead th:nth-child({n}) "
            f"{{text-align: left; white-space: normal; {width}}}"
        )
    if index and skip == 1:
        rules.append(f".{key} tbody th {{text-align: left}}")
    return f'<div class="{key} brink-table-wrap"><style>{" ".join(rules)}</style>{body}</div>'


def use_course_display() -> None:
    """Show DataFrames the course's way in this kernel: whole text, text columns left, three decimals.

    Called by ``brinkmanship.load()``; outside IPython it only sets the pandas options.
    """
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.precision", 3)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None:
        return
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, lambda df: table_html(df))
