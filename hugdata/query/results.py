"""Result values as an API answer carries them: JSON-ready, typed per column, and measured in bytes while read."""

from __future__ import annotations

import base64
import json
import math
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

# Column types an answer names; "decimal" columns carry exact JSON numbers, "binary" ones base64 text.
COLUMN_TYPES = (
    "boolean", "integer", "number", "decimal", "text", "date", "datetime", "time", "interval", "binary", "json",
    "uuid", "mixed", "unknown",
)  # fmt: skip


# The longest decimal written as a bare JSON number; longer ones are strings (Python's json refuses integers of more
# than 4,300 digits, and no client's float holds more than 17 significant ones anyway).
MAX_NUMBER_CHARS = 1000
# JSON has no NaN or infinities: they are written as these strings, JavaScript's and PostgreSQL's own names.
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_LONGEST_INT = 10**MAX_NUMBER_CHARS


class ExactDecimal(str):
    """A decimal kept exactly: written into JSON as a bare number, not as a string (see ``rows_json``)."""

    __slots__ = ()


def json_value(value: Any) -> Any:
    """``value`` as a JSON-ready Python value; decimals stay exact, bytes become base64, times ISO 8601 text.
    NaN and infinities, anywhere in the value, become the strings "NaN", "Infinity" and "-Infinity", and decimals
    longer than ``MAX_NUMBER_CHARS`` become strings, so every answer is strict JSON."""
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _LONGEST_INT:
            return str(value)
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _NON_FINITE[str(value)]
    if isinstance(value, Decimal):
        if not value.is_finite():
            return "NaN" if value.is_nan() else ("-Infinity" if value.is_signed() else "Infinity")
        if abs(value.adjusted()) > MAX_NUMBER_CHARS:
            return str(value)  # scientific notation: its plain form would be longer than a number may be
        text = format(value, "f")
        return text if len(text) > MAX_NUMBER_CHARS else ExactDecimal(text)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _iso_duration(value)
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)  # uuid.UUID, ipaddress, ranges: their text form


def value_type(value: Any) -> str | None:
    """The column type a raw driver value stands for; None for SQL NULL."""
    if value is None:
        return None
    for kind, name in _TYPES:
        if isinstance(value, kind):
            return name
    return "text"


_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (Decimal, "decimal"),
    (str, "text"),
    (datetime, "datetime"),
    (date, "date"),
    (time, "time"),
    (timedelta, "interval"),
    ((bytes, bytearray, memoryview), "binary"),
    ((dict, list), "json"),
    (uuid.UUID, "uuid"),
)
_NUMERIC_ORDER = ("integer", "number", "decimal")


def merge_types(seen: set[str]) -> str:
    """One type for a column whose values had the types ``seen`` (SQLite columns can mix them)."""
    if not seen:
        return "unknown"
    if len(seen) == 1:
        return next(iter(seen))
    if seen <= set(_NUMERIC_ORDER):
        return "decimal" if "decimal" in seen else "number"
    if seen <= {"date", "datetime"}:
        return "datetime"
    return "mixed"


def encoded_size(value: Any) -> int:
    """About how many bytes ``value`` (already JSON-ready) takes in the answer."""
    if value is None:
        return 4
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, (bool, int, float)):
        return len(repr(value))
    return len(json.dumps(value, default=str))


def rows_json(rows: Sequence[Sequence[Any]]) -> str:
    """The rows as a JSON array, exact decimals written as bare numbers."""
    parts = []
    for row in rows:
        cells = [
            str(v) if isinstance(v, ExactDecimal) else json.dumps(v, ensure_ascii=False, allow_nan=False) for v in row
        ]
        parts.append("[" + ",".join(cells) + "]")
    return "[" + ",".join(parts) + "]"


def _iso_duration(delta: timedelta) -> str:
    sign = "-" if delta < timedelta(0) else ""
    delta = abs(delta)
    seconds = delta.seconds + delta.microseconds / 1_000_000
    text = f"{seconds:.6f}".rstrip("0").rstrip(".")
    return f"{sign}P{delta.days}DT{text}S"
