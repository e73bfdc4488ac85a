"""The semantic model: declared and inferred relationships with evidence, roles, metrics and descriptions."""

from hugdata.catalog.schema import ColumnInfo, ForeignKeyInfo, SchemaSnapshot, TableInfo
from hugdata.catalog.semantic import build_semantic_model, infer_relationships
from hugdata.catalog.words import humanize, plural_forms, singular


def _col(name: str, type_: str = "integer", nullable: bool = False) -> ColumnInfo:
    return ColumnInfo(name=name, type=type_, raw_type=type_, nullable=nullable)


def _table(
    name: str, *columns: ColumnInfo, pk: str | None = "id", fks: list[ForeignKeyInfo] | None = None
) -> TableInfo:
    return TableInfo(
        schema_name="app",
        name=name,
        kind="table",
        columns=list(columns),
        primary_key=[pk] if pk else [],
        foreign_keys=fks or [],
    )


SNAPSHOT = SchemaSnapshot(
    dialect="postgresql",
    tables=[
        _table("customers", _col("id"), _col("email", "text")),
        _table("categories", _col("id"), _col("name", "text")),
        _table("products", _col("id"), _col("category_id"), _col("parent_category_id"), _col("price", "numeric")),
        _table(
            "orders",
            _col("id"),
            _col("customerId"),
            _col("total_amount", "numeric"),
            _col("ordered_at", "timestamp"),
            _col("status", "text"),
        ),
        _table(
            "order_items",
            _col("id"),
            _col("order_id"),
            _col("product_id", "text"),
            fks=[
                ForeignKeyInfo(
                    columns=["order_id"], referred_schema="app", referred_table="orders", referred_columns=["id"]
                )
            ],
        ),
        _table("audit", _col("session_id", "text"), pk=None),
    ],
)


def test_words_helpers() -> None:
    assert singular("categories") == "category" and singular("boxes") == "box" and singular("status") == "status"
    assert "categories" in plural_forms("category") and "customers" in plural_forms("customer")
    assert humanize("customerId") == "customer ID"


def test_inferred_relationships_follow_naming_with_confidence_and_evidence() -> None:
    inferred = {(r.from_entity, r.from_columns[0]): r for r in infer_relationships(SNAPSHOT)}
    by_name = inferred[("app.products", "category_id")]
    assert by_name.to_entity == "app.categories" and by_name.to_columns == ["id"] and by_name.confidence == 0.9
    assert "named after table categories" in by_name.evidence
    assert inferred[("app.orders", "customerId")].to_entity == "app.customers"
    role = inferred[("app.products", "parent_category_id")]
    assert role.to_entity == "app.categories" and role.confidence == 0.7
    # text values can never match integer keys: the name alone links nothing
    assert ("app.order_items", "product_id") not in inferred
    # declared foreign keys are not inferred again, and a column with no matching table infers nothing
    assert ("app.order_items", "order_id") not in inferred
    assert ("app.audit", "session_id") not in inferred


def test_model_has_roles_metrics_and_descriptions() -> None:
    model = build_semantic_model(SNAPSHOT)
    orders = model.entity("app.orders")
    assert orders is not None
    roles = {c.name: c.role for c in orders.columns}
    assert roles == {
        "id": "key",
        "customerId": "foreign_key",
        "total_amount": "measure",
        "ordered_at": "time",
        "status": "dimension",
    }
    metric_names = {m.name for m in model.metrics if m.entity == "app.orders"}
    assert metric_names == {"orders.count", "orders.total_amount"}
    total = next(m for m in model.metrics if m.name == "orders.total_amount")
    assert total.aggregations == ["sum", "avg"] and total.column == "total_amount"
    assert all(m.time_dimension == "ordered_at" for m in model.metrics if m.entity == "app.orders")
    assert "each row is an order" in orders.description and "belongs to a customer" in orders.description
    declared = [r for r in model.relationships if r.source == "declared"]
    assert len(declared) == 1 and declared[0].confidence == 1.0


def test_model_is_deterministic() -> None:
    assert build_semantic_model(SNAPSHOT) == build_semantic_model(SNAPSHOT)
