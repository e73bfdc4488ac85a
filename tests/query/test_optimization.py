"""Index suggestions: which columns count, which are already covered, and the statement in each dialect."""

from hugdata.catalog.schema import ColumnInfo, IndexInfo, SchemaSnapshot, TableInfo
from hugdata.query.optimization import column_uses, index_statement, index_suggestions
from hugdata.tenants.models import Dialect


def _table(name: str, rows: int, *columns: str, indexes: tuple[list[str], ...] = ()) -> TableInfo:
    return TableInfo(
        schema_name="public",
        name=name,
        kind="table",
        columns=[ColumnInfo(name=c, type="text", raw_type="TEXT", nullable=True) for c in ("id", *columns)],
        primary_key=["id"],
        indexes=[IndexInfo(name=f"ix_{i}", columns=cols, unique=False) for i, cols in enumerate(indexes)],
        row_estimate=rows,
    )


SNAPSHOT = SchemaSnapshot(
    dialect="postgresql",
    tables=[
        _table("orders", 100_000, "customer_id", "status", "placed_at", indexes=(["customer_id", "status"],)),
        _table("customers", 1_000, "country", "email"),
    ],
)


def test_uses_resolve_aliases_and_unqualified_columns() -> None:
    sql = (
        "SELECT c.country, COUNT(*) AS n FROM public.orders AS o JOIN public.customers AS c ON o.customer_id = c.id "
        "WHERE status = 'paid' GROUP BY c.country ORDER BY n DESC"
    )
    assert column_uses(sql, dialect=Dialect.postgresql, snapshot=SNAPSHOT) == {
        ("public.orders", "customer_id", "join"),
        ("public.customers", "id", "join"),
        ("public.orders", "status", "filter"),
        ("public.customers", "country", "group"),
    }


def test_leading_index_columns_and_keys_are_not_suggested_but_trailing_ones_are() -> None:
    queries = ["SELECT id FROM orders WHERE customer_id = '1'", "SELECT id FROM orders WHERE status = 'x'"]
    suggested = index_suggestions(queries, dialect=Dialect.postgresql, snapshot=SNAPSHOT)
    # status is only the second column of (customer_id, status): a filter on it alone cannot use that index.
    assert [(s.table, s.column) for s in suggested] == [("public.orders", "status")]


def test_ranking_is_queries_times_table_size() -> None:
    queries = ["SELECT id FROM customers WHERE email = 'a'"] * 50 + ["SELECT id FROM orders WHERE placed_at > '1'"]
    suggested = index_suggestions(queries, dialect=Dialect.postgresql, snapshot=SNAPSHOT)
    assert [s.column for s in suggested] == ["placed_at", "email"]  # 1 x 100,000 beats 50 x 1,000
    assert suggested[1].queries == 50 and suggested[1].score == 50_000


def test_statements_per_dialect() -> None:
    orders = SNAPSHOT.tables[0]
    assert index_statement(orders, "status", Dialect.postgresql) == (
        "CREATE INDEX CONCURRENTLY ix_orders_status ON public.orders (status)"
    )
    assert index_statement(orders, "status", Dialect.mysql) == "CREATE INDEX ix_orders_status ON public.orders (status)"
    long = _table("a" * 60, 1, "b" * 40)
    statement = index_statement(long, "b" * 40, Dialect.postgresql)
    name = statement.split()[3]
    assert (
        len(name) <= 63
        and name != index_statement(_table("a" * 61, 1, "b" * 40), "b" * 40, Dialect.postgresql).split()[3]
    )
