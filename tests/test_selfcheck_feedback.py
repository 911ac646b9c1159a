"""Self-check feedback a learner can trust: no "Correct!" under a failed answer cell, no typed-in numbers."""

from __future__ import annotations

import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell

from brinkmanship import checks


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "checks.json"
    checks.record("l99_count", 36, "int", "count the rows", path=path)
    return path


def test_typed_in_number_is_not_accepted(store, capsys) -> None:
    assert not checks.check("l99_count", "36", path=store)
    assert "typed in" in capsys.readouterr().out
    assert not checks.is_correct("l99_count", "36", path=store)
    assert checks.check("l99_count", 36, path=store)
    assert capsys.readouterr().out.strip() == "Correct!"


def test_a_failed_answer_cell_is_never_called_correct(store, capsys) -> None:
    shell = InteractiveShell.instance()
    try:
        _run_attempts(shell, store, capsys)
    finally:
        shell.run_cell("pass")  # leave the shared shell with a successful last cell
        sys.last_value = None


def _run_attempts(shell, store, capsys) -> None:
    shell.run_cell("from pathlib import Path\nfrom brinkmanship import checks\nanswer_1 = 36")
    shell.run_cell("answer_1 = int('thirty six')")  # the learner's new attempt raises; answer_1 is stale
    verdict = shell.run_cell(f"checks.check('l99_count', answer_1, path=Path(r'{store}'))")
    out = capsys.readouterr().out
    assert verdict.result is not None and not verdict.result
    assert "ValueError" in out and "Correct!" not in out
    shell.run_cell("answer_1 = 36")
    verdict = shell.run_cell(f"checks.check('l99_count', answer_1, path=Path(r'{store}'))")
    assert verdict.result and "Correct!" in capsys.readouterr().out
