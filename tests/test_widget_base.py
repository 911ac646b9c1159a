"""The shared View machinery: outputs are written as widget state, never captured with `with out:`."""

from __future__ import annotations

import re
from pathlib import Path

import ipywidgets as w
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import HTML

from brinkmanship.widgets.base import View

WIDGETS_DIR = Path(__file__).resolve().parents[1] / "src" / "brinkmanship" / "widgets"


def test_show_writes_outputs_as_state() -> None:
    InteractiveShell.instance()  # a shell, as in a kernel
    out = w.Output()
    View.show(out, HTML("<b>first</b>"))
    View.show(out, HTML("<i>second</i>"), HTML("<p>third</p>"))
    assert [o["data"]["text/html"] for o in out.outputs] == ["<i>second</i>", "<p>third</p>"]
    assert all(o["output_type"] == "display_data" for o in out.outputs)
    assert out.msg_id == ""  # the capture protocol (jupyter/nbclient#312 stalls) was never engaged


def test_no_widget_module_captures_display_into_an_output() -> None:
    offenders = []
    for path in sorted(WIDGETS_DIR.glob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.match(r"\s*with\s+self\.\w*out\w*\s*:", line) or ".clear_output(" in line:
                offenders.append(f"{path.name}:{n}")
    assert offenders == [], "use View.show(out, ...) instead of `with out:` capture: " + ", ".join(offenders)
