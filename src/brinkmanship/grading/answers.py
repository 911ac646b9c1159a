"""Answers cross from the student's sandbox to the trusted tests as typed JSON data, never as objects.

Why: whatever object reaches a test can run code (an ``__eq__`` that adapts to the test, a ``__len__``
that patches the grader). Only plain values cross: ``None``, ``bool``, ``int``, ``float``, ``str``, lists,
tuples, sets, dicts, numpy scalars and arrays, pandas timestamps, periods, Series, Index and DataFrames.
Each carries its type, so ``isinstance(x, int)`` or ``isinstance(s.index, pd.DatetimeIndex)`` behave in
the trusted process as they did in the kernel. Subclasses arrive as their plain base type (a ``Counter``
is a ``dict``); anything else arrives as :class:`Unsupported` and the question cannot be passed.

``EXTRACT`` is the code the sandboxed kernel runs to encode named variables. It runs among student code, so
its output is untrusted: :func:`decode` parses it with size, depth and type limits and rebuilds only the
types above. Nothing is ever unpickled or evaluated.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 4_000_000  # one extraction (all answers of one question)
MAX_DEPTH = 32
MAX_ITEMS = 200_000
MAX_INT_DIGITS = 4000
ALLOWED_DTYPES = {
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "object",
    "str",
    "string",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "Float32",
    "Float64",
    "boolean",
    "category",
}


class AnswerError(ValueError):
    """The kernel's answer data is malformed, too large or of a type that cannot be graded."""


@dataclass(frozen=True)
class Unsupported:
    """Stands for a value whose type cannot cross: any test touching it fails."""

    type_name: str

    def __repr__(self) -> str:
        return f"<a value of type {self.type_name} that cannot be graded>"


@dataclass(frozen=True)
class Missing:
    """The variable was not defined in the student's kernel when its question was reached."""

    name: str


# Runs inside the student's kernel (so it may only use what any student code could). It prints one JSON
# document on stdout and leaves no name behind. Kept dependency-free: pandas and numpy are used only if
# the student's code already imported them.
EXTRACT = r"""
def __brinkmanship_extract(names):
    import json as _json, math as _math, sys as _sys
    np = _sys.modules.get("numpy")
    pd = _sys.modules.get("pandas")
    budget = [200000]

    def scalar(x):
        if np is not None and isinstance(x, np.generic):
            kind = x.dtype.kind
            if kind == "b":
                return {"t": "np", "dtype": "bool", "v": bool(x)}
            if kind in "iu":
                return {"t": "np", "dtype": str(x.dtype), "v": str(int(x))}
            if kind == "f":
                return {"t": "np", "dtype": str(x.dtype), "v": repr(float(x))}
            if kind == "M":
                x = pd.Timestamp(x) if pd is not None else x
            elif kind == "m":
                x = pd.Timedelta(x) if pd is not None else x
            else:
                return {"t": "unsupported", "type": "numpy." + type(x).__name__}
        if pd is not None:
            if x is pd.NaT:
                return {"t": "nat"}
            if isinstance(x, pd.Timestamp):
                return {"t": "timestamp", "v": x.isoformat(), "tz": str(x.tz) if x.tz is not None else None}
            if isinstance(x, pd.Timedelta):
                return {"t": "timedelta", "v": str(int(x.value))}
            if isinstance(x, pd.Period):
                return {"t": "period", "v": str(x), "freq": x.freqstr}
            if x is pd.NA:
                return {"t": "na"}
        return None

    def enc(x, depth=0):
        budget[0] -= 1
        if budget[0] < 0 or depth > 30:
            raise ValueError("the answer is too large or too deeply nested")
        if x is None:
            return {"t": "none"}
        if isinstance(x, bool):
            return {"t": "bool", "v": bool(x)}
        if isinstance(x, int):
            return {"t": "int", "v": str(int(x))}
        if isinstance(x, float):
            return {"t": "float", "v": repr(float(x))}
        if isinstance(x, str):
            return {"t": "str", "v": str(x)}
        special = scalar(x)
        if special is not None:
            return special
        import datetime as _dt
        if isinstance(x, _dt.datetime):
            return {"t": "datetime", "v": x.isoformat()}
        if isinstance(x, _dt.date):
            return {"t": "date", "v": x.isoformat()}
        if isinstance(x, dict):
            return {"t": "dict", "v": [[enc(k, depth + 1), enc(v, depth + 1)] for k, v in dict.items(x)]}
        for kind in (list, tuple, set, frozenset):
            if isinstance(x, kind):
                items = list(kind.__iter__(x))
                if kind in (set, frozenset):
                    items = sorted(items, key=repr)
                return {"t": kind.__name__, "v": [enc(v, depth + 1) for v in items]}
        if np is not None and isinstance(x, np.ndarray):
            if x.dtype.kind not in "biufUSO" or x.size > 100000:
                return {"t": "unsupported", "type": "numpy.ndarray of " + str(x.dtype)}
            return {"t": "ndarray", "dtype": str(x.dtype) if x.dtype.kind in "biuf" else "object",
                    "shape": list(x.shape), "v": [enc(v, depth + 1) for v in x.ravel().tolist()]}
        if pd is not None:
            if isinstance(x, pd.Index):
                return index(x, depth)
            if isinstance(x, pd.Series):
                return {"t": "series", "name": enc(x.name, depth + 1), "dtype": str(x.dtype),
                        "index": index(x.index, depth), "v": [enc(v, depth + 1) for v in x.tolist()]}
            if isinstance(x, pd.DataFrame):
                return {"t": "frame", "index": index(x.index, depth), "columns": index(x.columns, depth),
                        "dtypes": [str(d) for d in x.dtypes],
                        "v": [[enc(v, depth + 1) for v in x.iloc[:, i].tolist()] for i in range(x.shape[1])]}
        return {"t": "unsupported", "type": type(x).__module__ + "." + type(x).__qualname__}

    def index(ix, depth):
        if isinstance(ix, pd.MultiIndex):
            return {"t": "unsupported", "type": "pandas.MultiIndex"}
        if isinstance(ix, pd.RangeIndex):
            return {"t": "index", "kind": "range", "v": [ix.start, ix.stop, ix.step], "name": enc(ix.name, depth + 1)}
        kind = "generic"
        extra = {}
        if isinstance(ix, pd.DatetimeIndex):
            kind = "datetime"
            extra = {"freq": ix.freqstr, "tz": str(ix.tz) if ix.tz is not None else None}
        elif isinstance(ix, pd.PeriodIndex):
            kind = "period"
            extra = {"freq": ix.freqstr}
        return dict({"t": "index", "kind": kind, "dtype": str(ix.dtype), "name": enc(ix.name, depth + 1),
                     "v": [enc(v, depth + 1) for v in ix.tolist()]}, **extra)

    namespace = get_ipython().user_ns
    out = {}
    for name in names:
        if name not in namespace:
            out[name] = {"t": "missing"}
            continue
        try:
            out[name] = enc(namespace[name])
        except Exception as exc:
            out[name] = {"t": "error", "v": type(exc).__name__ + ": " + str(exc)[:200]}
    return _json.dumps(out)

print(__brinkmanship_extract(%(names)r), end="")
del __brinkmanship_extract
"""


def extract_code(names: list[str]) -> str:
    """The code to run in the student's kernel to print ``names`` as typed JSON."""
    return EXTRACT % {"names": sorted(names)}


def decode(text: str, names: list[str], max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Rebuild the values in ``text`` (untrusted JSON) for ``names``; missing names map to :class:`Missing`."""
    if len(text) > max_bytes:
        raise AnswerError(f"the answers are larger than {max_bytes} bytes")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise AnswerError(f"the kernel did not return readable answers ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise AnswerError("the kernel did not return an answer table")
    budget = [MAX_ITEMS]
    values: dict[str, Any] = {}
    for name in names:
        node = data.get(name)
        if not isinstance(node, dict) or node.get("t") == "missing":
            values[name] = Missing(name)
        elif node.get("t") == "error":
            values[name] = Unsupported(f"(could not be read: {str(node.get('v'))[:200]})")
        else:
            try:
                values[name] = _value(node, 0, budget)
            except RecursionError:
                raise AnswerError(f"{name} is nested too deeply") from None
    return values


def _value(node: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise AnswerError(f"the answers have more than {MAX_ITEMS} elements")
    if depth > MAX_DEPTH:
        raise AnswerError(f"an answer is nested more than {MAX_DEPTH} levels deep")
    if not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise AnswerError("malformed answer data")
    kind, v = node["t"], node.get("v")
    if kind == "none":
        return None
    if kind == "bool":
        return _expect(v, bool)
    if kind == "int":
        return _int(v)
    if kind == "float":
        return _float(v)
    if kind == "str":
        return _expect(v, str)
    if kind in ("list", "tuple", "set", "frozenset"):
        items = [_value(x, depth + 1, budget) for x in _expect(v, list)]
        if kind == "list":
            return items
        if kind == "tuple":
            return tuple(items)
        return _hashable(items, set if kind == "set" else frozenset)
    if kind == "dict":
        out: dict[Any, Any] = {}
        for pair in _expect(v, list):
            if not isinstance(pair, list) or len(pair) != 2:
                raise AnswerError("malformed dict in answer data")
            key = _value(pair[0], depth + 1, budget)
            try:
                out[key] = _value(pair[1], depth + 1, budget)
            except TypeError:
                raise AnswerError("a dict key cannot be used as a key") from None
        return out
    if kind in ("np", "ndarray", "timestamp", "timedelta", "period", "nat", "na", "series", "index", "frame"):
        return _scientific(kind, node, depth, budget)
    if kind in ("datetime", "date"):
        import datetime as dt

        cls = dt.datetime if kind == "datetime" else dt.date
        try:
            return cls.fromisoformat(_expect(v, str))
        except ValueError:
            raise AnswerError(f"malformed {kind} in answer data") from None
    if kind == "unsupported":
        return Unsupported(str(node.get("type", "?"))[:200])
    raise AnswerError(f"unknown answer type {kind[:40]!r}")


def _expect(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise AnswerError("malformed answer data")
    return value


def _int(value: Any) -> int:
    text = _expect(value, str)
    if len(text) > MAX_INT_DIGITS or not text.lstrip("-").isdigit():
        raise AnswerError("malformed integer in answer data")
    return int(text)


def _float(value: Any) -> float:
    text = _expect(value, str)
    if len(text) > 40:
        raise AnswerError("malformed float in answer data")
    try:
        return float(text)
    except ValueError:
        raise AnswerError("malformed float in answer data") from None


def _hashable(items: list[Any], kind: type) -> Any:
    try:
        return kind(items)
    except TypeError:
        raise AnswerError("a set holds values that cannot be in a set") from None


def _dtype(name: Any) -> str:
    text = _expect(name, str)
    if text in ALLOWED_DTYPES:
        return text
    if text.startswith(("datetime64[", "timedelta64[")) and len(text) < 40:
        return text
    return "object"


def _scientific(kind: str, node: dict[str, Any], depth: int, budget: list[int]) -> Any:
    import numpy as np
    import pandas as pd

    v = node.get("v")
    if kind == "np":
        dtype = _dtype(node.get("dtype"))
        if dtype == "bool":
            return np.bool_(_expect(v, bool))
        if dtype.startswith(("int", "uint")):
            return np.dtype(dtype).type(_int(v))
        if dtype.startswith("float"):
            return np.dtype(dtype).type(_float(v))
        raise AnswerError("malformed numpy scalar in answer data")
    if kind == "nat":
        return pd.NaT
    if kind == "na":
        return pd.NA
    if kind == "timestamp":
        tz = node.get("tz")
        try:
            stamp = pd.Timestamp(_expect(v, str))
            if tz is not None and stamp.tz is None:
                stamp = stamp.tz_localize(_expect(tz, str))
        except (ValueError, TypeError):
            raise AnswerError("malformed timestamp in answer data") from None
        return stamp
    if kind == "timedelta":
        return pd.Timedelta(_int(v), unit="ns")
    if kind == "period":
        try:
            return pd.Period(_expect(v, str), freq=_expect(node.get("freq"), str))
        except (ValueError, TypeError):
            raise AnswerError("malformed period in answer data") from None
    if kind == "ndarray":
        shape = _expect(node.get("shape"), list)
        if not all(type(n) is int and 0 <= n <= MAX_ITEMS for n in shape):
            raise AnswerError("malformed array shape in answer data")
        items = [_value(x, depth + 1, budget) for x in _expect(v, list)]
        try:
            return np.array(items, dtype=_dtype(node.get("dtype"))).reshape(shape)
        except (ValueError, TypeError):
            raise AnswerError("malformed array in answer data") from None
    if kind == "index":
        return _index(node, depth, budget)
    if kind == "series":
        values = [_value(x, depth + 1, budget) for x in _expect(v, list)]
        index = _index(_expect(node.get("index"), dict), depth, budget)
        name = _value(node.get("name"), depth + 1, budget)
        try:
            return pd.Series(values, index=index, name=name, dtype=_dtype(node.get("dtype")))
        except (ValueError, TypeError):
            return pd.Series(values, index=index, name=name, dtype="object")
    if kind == "frame":
        index = _index(_expect(node.get("index"), dict), depth, budget)
        columns = _index(_expect(node.get("columns"), dict), depth, budget)
        dtypes = [_dtype(d) for d in _expect(node.get("dtypes"), list)]
        data = [[_value(x, depth + 1, budget) for x in _expect(col, list)] for col in _expect(v, list)]
        if not (len(data) == len(columns) == len(dtypes)) or any(len(col) != len(index) for col in data):
            raise AnswerError("malformed table in answer data")
        series = []
        for col, dtype in zip(data, dtypes, strict=True):
            try:
                series.append(pd.Series(col, index=index, dtype=dtype))
            except (ValueError, TypeError):
                series.append(pd.Series(col, index=index, dtype="object"))
        frame = pd.concat(series, axis=1) if series else pd.DataFrame(index=index)
        frame.columns = columns
        return frame
    raise AnswerError(f"unknown answer type {kind!r}")  # pragma: no cover


def _index(node: dict[str, Any], depth: int, budget: list[int]) -> Any:
    import pandas as pd

    if node.get("t") == "unsupported":
        return Unsupported(str(node.get("type"))[:200])
    if node.get("t") != "index":
        raise AnswerError("malformed index in answer data")
    name = _value(node.get("name"), depth + 1, budget)
    kind = node.get("kind")
    v = node.get("v")
    if kind == "range":
        bounds = _expect(v, list)
        if len(bounds) != 3 or not all(type(n) is int for n in bounds) or bounds[2] == 0:
            raise AnswerError("malformed range index in answer data")
        if abs(bounds[1] - bounds[0]) // abs(bounds[2]) > MAX_ITEMS:
            raise AnswerError("the answer's index is too long")
        return pd.RangeIndex(*bounds, name=name)
    values = [_value(x, depth + 1, budget) for x in _expect(v, list)]
    try:
        if kind == "datetime":
            index = pd.DatetimeIndex(values, name=name)
            freq = node.get("freq")
            if isinstance(freq, str):
                with contextlib.suppress(ValueError, TypeError):
                    index.freq = freq
            return index
        if kind == "period":
            return pd.PeriodIndex(values, freq=_expect(node.get("freq"), str), name=name)
        return pd.Index(values, name=name, dtype=_dtype(node.get("dtype")))
    except (ValueError, TypeError):
        return pd.Index(values, name=name, dtype="object")
