"""A Vega-Lite v5 chart chosen from a result's shape."""

import datetime as dt
import json
from decimal import Decimal

from hugdata.query.charts import VEGA_LITE_SCHEMA, suggest_chart


def test_a_single_value_is_shown_as_a_number() -> None:
    spec = suggest_chart(["revenue"], [[Decimal("1234.50")]])
    assert spec is not None and spec["$schema"] == VEGA_LITE_SCHEMA
    assert spec["mark"]["type"] == "text" and spec["data"]["values"] == [{"revenue": 1234.5}]


def test_a_time_series_is_a_line_with_one_line_per_category() -> None:
    rows = [[dt.date(2026, 1, 1), "EU", 10], [dt.date(2026, 2, 1), "EU", 12], [dt.date(2026, 1, 1), "US", 7]]
    spec = suggest_chart(["month", "region", "orders"], rows)
    assert spec is not None and spec["mark"]["type"] == "line"
    assert spec["encoding"]["x"] == {"field": "month", "type": "temporal"}
    assert spec["encoding"]["color"]["field"] == "region"
    json.dumps(spec)  # dates were turned into ISO strings


def test_iso_date_strings_from_sqlite_count_as_time() -> None:
    spec = suggest_chart(["day", "n"], [["2026-03-01", 4], ["2026-03-02", 6]])
    assert spec is not None and spec["mark"]["type"] == "line"


def test_categories_with_a_measure_are_bars_sorted_by_the_measure() -> None:
    spec = suggest_chart(["country", "customers"], [["DE", 40], ["FR", 25], ["NL", 9]])
    assert spec is not None and spec["mark"] == "bar"
    assert spec["encoding"]["x"] == {"field": "country", "type": "nominal", "sort": "-y"}


def test_two_measures_are_a_scatter_and_shapes_without_a_chart_get_none() -> None:
    scatter = suggest_chart(["price", "sold"], [[9.5, 100], [20, 40]])
    assert scatter is not None and scatter["mark"] == "point"
    assert suggest_chart(["email", "name"], [["a@x", "A"], ["b@x", "B"]]) is None
    assert suggest_chart(["n"], []) is None
    assert suggest_chart(["sku", "sold"], [[f"sku-{i}", i] for i in range(80)]) is None  # too many bars to read


def test_long_texts_and_bytes_are_neither_plotted_nor_copied_into_the_spec() -> None:
    rows = [[i, "x" * 5000, b"\xff\x00"] for i in range(3)]
    spec = suggest_chart(["id", "body", "blob"], rows)
    assert spec is None or all(set(v) <= {"id"} for v in spec["data"]["values"])
    bars = suggest_chart(["country", "n", "notes"], [["DE", 3, "y" * 1000], ["FR", 2, "z" * 1000]])
    assert bars is not None and bars["data"]["values"] == [{"country": "DE", "n": 3}, {"country": "FR", "n": 2}]
