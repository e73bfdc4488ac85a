"""A chart for a query result, chosen from its shape, as a Vega-Lite v5 spec the React front end renders as is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hugdata.query.results import json_value

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
_MAX_BARS = 50  # beyond this many categories a bar chart stops being readable; a table is the better answer
_MAX_LABEL = 200  # a longer text is a document, not a category label


def _kind(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "empty"
    if all(isinstance(v, bool) for v in present):
        return "nominal"
    if all(isinstance(v, int | float | Decimal) for v in present):
        return "quantitative"
    if all(isinstance(v, dt.date | dt.datetime) for v in present) or all(_looks_like_date(v) for v in present):
        return "temporal"
    if all(isinstance(v, str) and len(v) <= _MAX_LABEL for v in present):
        return "nominal"
    return "other"  # long texts, bytes, JSON: nothing to plot


def _looks_like_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) < 7:
        return False
    try:
        dt.date.fromisoformat(value[:10]) if len(value) >= 10 else dt.date.fromisoformat(value + "-01")
    except ValueError:
        return False
    return True


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    return json_value(value)  # text, dates as ISO text, bytes as base64: never a value JSON cannot carry


def suggest_chart(columns: list[str], rows: list[list[Any]]) -> dict[str, Any] | None:
    """Single value -> number; time + measure -> line; category + measure -> bar; two measures -> point; else None."""
    if not rows or not columns:
        return None
    kinds = [_kind([row[i] for row in rows]) for i in range(len(columns))]
    # The spec carries only the columns a chart can encode: the answer's rows already carry everything.
    plotted = [i for i, kind in enumerate(kinds) if kind in ("quantitative", "temporal", "nominal")]
    data = {"values": [{columns[i]: _json_value(row[i]) for i in plotted} for row in rows]}
    base: dict[str, Any] = {"$schema": VEGA_LITE_SCHEMA, "data": data}
    if len(rows) == 1 and len(columns) == 1 and kinds[0] == "quantitative":
        return {
            **base,
            "mark": {"type": "text", "fontSize": 48},
            "encoding": {"text": {"field": columns[0], "type": "quantitative"}},
        }
    measures = [i for i, k in enumerate(kinds) if k == "quantitative"]
    times = [i for i, k in enumerate(kinds) if k == "temporal"]
    categories = [i for i, k in enumerate(kinds) if k == "nominal"]
    if times and measures:
        x, y = columns[times[0]], columns[measures[0]]
        encoding: dict[str, Any] = {"x": {"field": x, "type": "temporal"}, "y": {"field": y, "type": "quantitative"}}
        if categories:
            encoding["color"] = {"field": columns[categories[0]], "type": "nominal"}
        return {**base, "mark": {"type": "line", "point": True}, "encoding": encoding}
    if categories and measures and len(rows) <= _MAX_BARS:
        x, y = columns[categories[0]], columns[measures[0]]
        return {
            **base,
            "mark": "bar",
            "encoding": {
                "x": {"field": x, "type": "nominal", "sort": "-y"},
                "y": {"field": y, "type": "quantitative"},
            },
        }
    if len(measures) >= 2:
        x, y = columns[measures[0]], columns[measures[1]]
        return {
            **base,
            "mark": "point",
            "encoding": {"x": {"field": x, "type": "quantitative"}, "y": {"field": y, "type": "quantitative"}},
        }
    return None
