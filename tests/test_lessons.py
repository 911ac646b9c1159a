"""Every lesson notebook follows the course conventions (.team/LESSONS.md) and runs top to bottom.

The static tests read the committed notebooks; the slow ones execute each lesson in a fresh kernel with no
network, check every figure it made has a title and alt text, and that the committed stubs do not already
solve their own exercises.
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path

import nbformat
import pytest

from brinkmanship import checks

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
LESSONS = sorted(LESSONS_DIR.glob("[0-9][0-9]-*.ipynb"))
EXPECTED = [
    "00-orientation",
    "01-writing-on-the-wall",
    "02-strategic-patience",
    "03-mushrooming-risks",
    "04-to-destabilize",
    "05-multilateral-security",
    "06-misreading-the-tea-leaves",
    "07-poker-and-chicken",
    "08-reading-the-footnotes",
    "09-forecasts",
]
REQUIRED_H2 = [
    "## Learning objectives",
    "## The argument in our own words",
    "## Try it",
    "## Discussion",
    "## Key points",
    "## Further reading",
]
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|href=[\"']([^\"']+)[\"']")
FIGURE_CALL = re.compile(r"\bplt\.(subplots|figure|subplot_mosaic)\(")
# every lesson opens with the same lines: one facade, one loader, the four tables most lessons use
OPENING = """import brinkmanship as bm

tables = bm.load()
events, actors, sources, claims = tables["events"], tables["actors"], tables["sources"], tables["claims"]"""
ESTIMATED = re.compile(r"\*\*Estimated time:\*\*\s*(\d+)\s*minutes")


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _source(nb: nbformat.NotebookNode, cell_type: str | None = None) -> str:
    return "\n".join(c.source for c in nb.cells if cell_type is None or c.cell_type == cell_type)


def test_all_ten_lessons_exist() -> None:
    assert [p.stem for p in LESSONS] == EXPECTED


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_outputs_cleared_and_kernelspec(path: Path) -> None:
    nb = _read(path)
    nbformat.validate(nb)
    spec = nb.metadata.get("kernelspec", {})
    assert spec.get("name") == "python3" and spec.get("language") == "python"
    assert spec.get("display_name") == "Python 3 (ipykernel)"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_one_h1_first_and_required_sections_in_order(path: Path) -> None:
    nb = _read(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    number = path.stem[:2]
    assert re.match(rf"# {number} · \S", first.source), "first cell must start '# NN · Title'"
    prose = [re.sub(r"```.*?```", "", c.source, flags=re.S) for c in nb.cells if c.cell_type == "markdown"]
    h1s = [ln for text in prose for ln in text.splitlines() if re.match(r"#\s", ln)]
    assert len(h1s) == 1, f"exactly one H1 expected, found {h1s}"
    assert ESTIMATED.search(first.source), "first cell needs '**Estimated time:** N minutes'"
    assert "**Prerequisites:**" in first.source
    md_lines = [ln.strip() for c in nb.cells if c.cell_type == "markdown" for ln in c.source.splitlines()]
    positions = []
    for heading in REQUIRED_H2:
        assert heading in md_lines, f"missing heading {heading!r}"
        positions.append(md_lines.index(heading))
    assert positions == sorted(positions), "required H2 sections are out of order"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].source.startswith(OPENING), f"the first code cell must open with:\n{OPENING}"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_exercises_have_stub_and_known_check_ids(path: Path) -> None:
    nb = _read(path)
    code = _source(nb, "code")
    ids = CHECK_CALL.findall(code)
    assert len(ids) >= 2, "at least two check(...) calls"
    assert len(ids) <= 4, "2 to 4 exercises"
    known = set(checks.exercise_ids())
    prefix = "l" + path.stem[:2] + "_"
    for exercise_id in ids:
        assert exercise_id in known, f"{exercise_id} is not recorded in checks.json"
        assert exercise_id.startswith(prefix), f"{exercise_id} belongs to another lesson"
    assert len(set(ids)) == len(ids), "an exercise id is checked twice"
    assert "checks.record" not in code and "record(" not in code, "lessons must not record answers"
    markdown = _source(nb, "markdown")
    for k in range(1, len(ids) + 1):
        assert f"Exercise {int(path.stem[:2])}.{k}" in markdown
        assert re.search(rf"^answer_{k}\s*=", code, re.M), f"answer_{k} stub missing"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_every_discussion_question_has_instructor_notes(path: Path) -> None:
    """Issue 13: each discussion question has a numbered section with a model answer in instructors/, not here."""
    nb = _read(path)
    discussion = next(c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## Discussion"))
    questions = [ln for ln in discussion.splitlines() if re.match(r"^(- |\d+\. )", ln)]
    assert 3 <= len(questions) <= 6, "3 to 6 discussion questions"
    notes = (path.parents[1] / "instructors" / "lesson-notes" / f"{path.stem}.md").read_text(encoding="utf-8")
    sections = re.split(r"^## (?=\d+\. )", notes, flags=re.M)[1:]
    assert [int(sec.split(".", 1)[0]) for sec in sections] == list(range(1, len(questions) + 1)), (
        f"{path.stem}: {len(questions)} discussion questions, notes numbered {len(sections)}"
    )
    assert all("*Model answer" in sec for sec in sections), f"{path.stem}: a note without a model answer"
    assert "Model answer" not in _source(nb, "markdown"), "model answers belong in instructors/, not the lesson"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_links_are_absolute_or_exist(path: Path) -> None:
    nb = _read(path)
    for match in LINK.finditer(_source(nb, "markdown")):
        target = match.group(1) or match.group(2)
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        local = (path.parent / target.split("#", 1)[0]).resolve()
        assert local.exists(), f"link to missing file {target!r}"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_every_figure_gets_set_accessible(path: Path) -> None:
    """Static side of the figure rule: each code cell that opens a figure also calls set_accessible."""
    nb = _read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        ast.parse(cell.source.replace("%matplotlib", "# %matplotlib"))  # lessons are plain Python
        opened = len(FIGURE_CALL.findall(cell.source))
        labelled = cell.source.count("set_accessible(")
        assert labelled >= opened, f"cell {i}: {opened} figure(s) but {labelled} set_accessible call(s)"


def test_readme_lists_every_lesson_with_its_time() -> None:
    readme = (LESSONS_DIR / "README.md").read_text(encoding="utf-8")
    for path in LESSONS:
        lines = [ln for ln in readme.splitlines() if path.name in ln]
        assert lines, f"lessons/README.md does not link {path.name}"
        minutes = ESTIMATED.search(_read(path).cells[0].source).group(1)
        assert re.search(rf"\b{minutes}\s*min", lines[0]), f"README time for {path.name} != {minutes} minutes"


# --- execution -------------------------------------------------------------------------------------------------

# Injected before the lesson: remember every matplotlib Figure created, however it was created.
_TRACK_FIGURES = """
import matplotlib.figure as _mf
_brink_figures = []
_brink_init = _mf.Figure.__init__
def _brink_track(self, *args, **kwargs):
    _brink_init(self, *args, **kwargs)
    _brink_figures.append(self)
_mf.Figure.__init__ = _brink_track
"""
# Appended after the lesson: every figure made must carry a title and alt text.
_CHECK_FIGURES = """
from brinkmanship import style as _st
_bad = [i for i, f in enumerate(_brink_figures) if not _st.figure_title(f) or not (_st.alt_text(f) or "").strip()]
print("FIGURES", len(_brink_figures), "UNLABELLED", _bad)
assert not _bad, f"figures without title/alt text: {_bad}"
"""


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_executes_with_accessible_figures(path: Path, monkeypatch, capsys, record_property) -> None:
    from nbclient import NotebookClient

    monkeypatch.setenv("BRINKMANSHIP_HEADLESS", "1")
    nb = _read(path)
    nb.cells.insert(0, nbformat.v4.new_code_cell(_TRACK_FIGURES))
    nb.cells.append(nbformat.v4.new_code_cell(_CHECK_FIGURES))
    client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(LESSONS_DIR)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    record_property("wall_seconds", round(wall, 2))
    with capsys.disabled():
        print(f"\n{path.name}: executed in {wall:.1f} s (fresh kernel, includes start-up)")

    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") + json.dumps(out.get("data", {}).get("text/plain", "")))
    summary = [t for t in texts if t.startswith("FIGURES")]
    assert summary and "UNLABELLED []" in summary[-1]
    # Each check cell of the committed (stub) notebook must say "Not yet": the stubs are not solutions.
    for cell in nb.cells:
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            printed = "".join(o.get("text", "") for o in cell.outputs)
            assert "Not yet:" in printed and "Correct!" not in printed, f"stub already solves: {cell.source!r}"
