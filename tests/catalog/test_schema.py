"""Fingerprints ignore data, diffs name what changed."""

from hugdata.catalog.schema import ColumnInfo, SchemaSnapshot, TableInfo, diff_schemas


def _col(name: str, type_: str = "integer", nullable: bool = False) -> ColumnInfo:
    return ColumnInfo(name=name, type=type_, raw_type=type_, nullable=nullable)


def _snapshot(*tables: TableInfo) -> SchemaSnapshot:
    return SchemaSnapshot(dialect="sqlite", tables=list(tables))


ORDERS = TableInfo(
    schema_name="main",
    name="orders",
    kind="table",
    columns=[_col("id"), _col("total", "numeric")],
    primary_key=["id"],
    row_estimate=10,
)


def test_fingerprint_ignores_row_estimates_but_not_structure() -> None:
    more_rows = ORDERS.model_copy(update={"row_estimate": 99_999})
    nullable = ORDERS.model_copy(update={"columns": [_col("id"), _col("total", "numeric", nullable=True)]})
    assert _snapshot(ORDERS).fingerprint() == _snapshot(more_rows).fingerprint()
    assert _snapshot(ORDERS).fingerprint() != _snapshot(nullable).fingerprint()


def test_diff_lists_added_removed_and_changed() -> None:
    customers = TableInfo(schema_name="main", name="customers", kind="table", columns=[_col("id")])
    changed = ORDERS.model_copy(update={"columns": [_col("id"), _col("total", "float"), _col("note", "text")]})
    diff = diff_schemas(_snapshot(ORDERS, customers), _snapshot(changed))
    assert diff.tables_removed == ["main.customers"]
    assert diff.columns_added == ["main.orders.note"]
    assert diff.columns_changed == ["main.orders.total"]
    assert diff_schemas(None, _snapshot(ORDERS)).tables_added == ["main.orders"]
    assert diff_schemas(_snapshot(ORDERS), _snapshot(ORDERS)).is_empty
