"""Self-checks for the lessons' exercises: tell a learner "Correct!" or give a hint, never the answer.

Answers are stored as salted sha256 hashes (``checks.json``) so the notebooks can ship without the solutions.
A hash only works if both sides are written the same way, hence the per-kind normalisation below: a learner's
``0.6667``, ``["Iran", "US"]`` or ``"2019-05-08"`` must hash like the reference's ``2/3``, ``{"us", "iran"}``
or ``Timestamp("2019-05-08")``.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

STORE = Path(__file__).resolve().parent / "checks.json"
KINDS = ("number", "int", "text", "date", "set", "list", "bool")
NONE_HINT = "replace None with your code (the stub on the line above), then run this cell again."


class CheckError(ValueError):
    """An exercise id or kind the check store does not know, or an answer that cannot be read for its kind."""


def _load_store(path: Path = STORE) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _text(value: Any) -> str:
    return " ".join(str(value).casefold().split())


def _item(value: Any) -> str:
    """One element of a set/list: integers and integral floats the same way, everything else as text."""
    if isinstance(value, bool):
        return str(value).casefold()
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return _text(value)


def _values(answer: Any) -> list[Any]:
    """The elements of a collection answer; a Series gives its values, a DataFrame its index or single column."""
    # A filtered column keeps row numbers as its index: its answer is in the values. A value_counts()/groupby
    # result is labelled by what was counted: its answer is in the index.
    if isinstance(answer, pd.DataFrame):
        if answer.shape[1] == 1 and pd.api.types.is_integer_dtype(answer.index.dtype):
            return answer.iloc[:, 0].tolist()
        return answer.index.tolist()
    if isinstance(answer, pd.Series):
        if pd.api.types.is_integer_dtype(answer.index.dtype):
            return answer.tolist()
        return answer.index.tolist()
    if isinstance(answer, pd.Index):
        return answer.tolist()
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Iterable):
        raise CheckError(f"expected a collection (list, set, Series), got {type(answer).__name__}")
    return list(answer)


def normalise(answer: Any, kind: str, decimals: int | None = None) -> str:
    """The canonical text of ``answer`` for ``kind``; raises CheckError if it cannot be read that way."""
    if kind not in KINDS:
        raise CheckError(f"unknown check kind {kind!r}; expected one of {', '.join(KINDS)}")
    if isinstance(answer, (pd.Series, pd.DataFrame)) and kind in ("number", "int", "text", "date", "bool"):
        if answer.size != 1:
            raise CheckError(f"expected a single {kind}, got a table with {answer.size} values")
        answer = answer.to_numpy().ravel()[0]
    try:
        if kind == "number":
            value = float(answer)
            if math.isnan(value):
                raise CheckError("the answer is NaN (not a number)")
            places = 2 if decimals is None else decimals
            rounded = round(value, places)
            return f"{rounded + 0.0:.{places}f}"  # + 0.0 turns -0.0 into 0.0
        if kind == "int":
            value = float(answer)
            if not value.is_integer():
                raise CheckError(f"expected a whole number, got {answer!r}")
            return str(int(value))
        if kind == "text":
            return _text(answer)
        if kind == "date":
            # decimals doubles as precision for dates: None -> day, 0 -> month (the reference was 'YYYY-MM').
            if isinstance(answer, pd.Period):
                answer = answer.start_time
            if isinstance(answer, str) and len(answer.strip()) == 7:  # 'YYYY-MM'
                answer = answer.strip() + "-01"
            stamp = pd.Timestamp(answer)
            return stamp.strftime("%Y-%m") if decimals == 0 else stamp.strftime("%Y-%m-%d")
        if kind == "bool":
            if isinstance(answer, str):
                lowered = answer.strip().casefold()
                if lowered in ("true", "yes"):
                    return "true"
                if lowered in ("false", "no"):
                    return "false"
                raise CheckError(f"expected True or False, got {answer!r}")
            return "true" if bool(answer) else "false"
        items = [_item(v) for v in _values(answer)]
        if kind == "set":
            return json.dumps(sorted(set(items)))
        return json.dumps(items)
    except CheckError:
        raise
    except (TypeError, ValueError, OverflowError) as exc:
        raise CheckError(f"cannot read {answer!r} as a {kind}: {exc}") from exc


def _digest(salt: str, canonical: str) -> str:
    return hashlib.sha256((salt + "\x1f" + canonical).encode("utf-8")).hexdigest()


def _entry(exercise_id: str, path: Path = STORE) -> dict[str, Any]:
    store = _load_store(path)
    if exercise_id not in store:
        known = ", ".join(sorted(k for k in store if k.split("_")[0] == exercise_id.split("_")[0])) or "none"
        raise CheckError(f"unknown exercise id {exercise_id!r} (ids for this lesson: {known})")
    return store[exercise_id]


def is_correct(exercise_id: str, answer: Any, *, path: Path = STORE) -> bool:
    """Silent version of :func:`check` for tests and graders; False for None or unreadable answers."""
    entry = _entry(exercise_id, path)
    if answer is None or answer is NotImplemented or _typed_in(answer, entry["kind"]):
        return False
    try:
        canonical = normalise(answer, entry["kind"], entry.get("decimals"))
    except CheckError:
        return False
    return secrets.compare_digest(_digest(entry["salt"], canonical), entry["hash"])


class Verdict:
    """What :func:`check` returns: truthy when the answer is right, and invisible in a notebook.

    A plain bool would make Jupyter echo ``False`` under the hint; the printed message is all a learner
    should see.
    """

    __slots__ = ("correct",)

    def __init__(self, correct: bool) -> None:
        self.correct = bool(correct)

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return f"Verdict(correct={self.correct})"

    def _ipython_display_(self) -> None:
        """Show nothing: the check has already printed its message."""


def _failed_cell() -> str | None:
    """The error of the cell run just before this one, if it raised: its answer is then a stale value.

    IPython sets ``last_execution_succeeded`` at the end of every cell, so while the check cell runs it
    still describes the cell before (normally the answer cell).
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "last_execution_succeeded", True):
        return None
    import sys

    exc = getattr(sys, "last_value", None)
    return f"{type(exc).__name__}: {exc}" if exc is not None else "an error"


def _typed_in(answer: Any, kind: str) -> bool:
    """A number typed in as text ("36"): the exercises ask for code that computes it from the tables."""
    return kind in ("number", "int") and isinstance(answer, str | bytes)


def check(exercise_id: str, answer: Any, *, path: Path = STORE) -> Verdict:
    """Print "Correct!" or "Not yet: <hint>" for a learner's answer; the result is truthy when right."""
    entry = _entry(exercise_id, path)
    failed = _failed_cell()
    if failed:
        print(
            f"Not yet: the cell you ran before this one stopped with {failed}. Its answer was not updated, so "
            "there is nothing new to check: fix that cell, run it, then run this one again."
        )
        return Verdict(False)
    if _typed_in(answer, entry["kind"]):
        print(
            f"Not yet: the answer is the text {answer!r}, typed in. Compute it from the tables with code (a "
            f"number, not a string in quotes). Hint: {entry['hint']}"
        )
        return Verdict(False)
    if answer is None or answer is NotImplemented or answer is Ellipsis:
        print(f"Not yet: {NONE_HINT}")
        return Verdict(False)
    try:
        canonical = normalise(answer, entry["kind"], entry.get("decimals"))
    except CheckError as exc:
        print(f"Not yet: {exc}. Hint: {entry['hint']}")
        return Verdict(False)
    if secrets.compare_digest(_digest(entry["salt"], canonical), entry["hash"]):
        print("Correct!")
        return Verdict(True)
    print(f"Not yet: {entry['hint']}")
    return Verdict(False)


def record(
    exercise_id: str,
    answer: Any,
    kind: str,
    hint: str,
    decimals: int | None = None,
    *,
    path: Path = STORE,
) -> dict[str, Any]:
    """Developer helper: store the salted hash of the reference answer (never called from lessons).

    Keeps the existing salt when re-recording so diffs show only real answer changes.
    """
    if not exercise_id.startswith("l") or "_" not in exercise_id:
        raise CheckError(f"exercise ids look like 'lNN_short_name', got {exercise_id!r}")
    if not hint.strip():
        raise CheckError(f"{exercise_id}: a hint is required")
    if answer is None:
        raise CheckError(f"{exercise_id}: cannot record None as a reference answer")
    if (
        kind == "date"
        and decimals is None
        and (isinstance(answer, pd.Period) or (isinstance(answer, str) and len(answer.strip()) == 7))
    ):
        decimals = 0  # a month answer: accept any date in that month
    canonical = normalise(answer, kind, decimals)
    with _locked(path):  # two lesson authors record into the same file
        store = _load_store(path)
        old = store.get(exercise_id, {})
        salt = old.get("salt") or secrets.token_hex(8)
        entry: dict[str, Any] = {"kind": kind, "salt": salt, "hash": _digest(salt, canonical), "hint": hint}
        if decimals is not None:
            entry["decimals"] = decimals
        store[exercise_id] = entry
        text = json.dumps(dict(sorted(store.items())), indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
    return entry


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An advisory lock for the store, kept in the temp dir (POSIX only; elsewhere recording is single-user)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    import tempfile

    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"brinkmanship-checks-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def exercise_ids(path: Path = STORE) -> list[str]:
    """All recorded exercise ids (tests use this to require a reference answer for each)."""
    return sorted(_load_store(path))
