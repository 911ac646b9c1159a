"""Shared look of the course's figures: one colour-blind-safe palette and accessible figure metadata."""

from __future__ import annotations

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


def set_accessible(fig: Figure, title: str, alt_text: str) -> Figure:
    """Give a figure the title and alt text every course figure must carry.

    The alt text is kept on the figure (``fig.alt_text``) so tests and widgets can show it, and in the
    PNG metadata (``Description``) when saved with :func:`save_png`.
    """
    if not title.strip() or not alt_text.strip():
        raise ValueError("a course figure needs a non-empty title and alt text")
    fig.suptitle(title)
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


def alt_text(fig: Figure) -> str | None:
    """The alt text attached by :func:`set_accessible`, or None."""
    return getattr(fig, ALT_TEXT_KEY, None)


def figure_title(fig: Figure) -> str:
    """The figure's title: the suptitle if set, else the first axes title."""
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
