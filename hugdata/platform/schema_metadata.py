"""A tenant's schema as Dagster metadata, so an operator sees a partition's tables and columns in Dagster's UI:
``dagster/column_schema`` (every column as ``table.column``, with its type and constraints) and a table of tables.
Both are capped, so a tenant with thousands of tables costs a bounded event."""

from __future__ import annotations

from dagster import MetadataValue, TableColumn, TableColumnConstraints, TableRecord, TableSchema

from hugdata.catalog.schema import SchemaSnapshot

MAX_TABLES = 500
MAX_COLUMNS = 2000


def schema_metadata(snapshot: SchemaSnapshot) -> dict[str, MetadataValue]:
    """The snapshot's tables and columns as Dagster table-schema metadata (the first tables and columns by name)."""
    tables = sorted(snapshot.tables, key=lambda t: (t.schema_name, t.name))
    columns: list[TableColumn] = []
    for table in tables:
        for column in table.columns:
            if len(columns) >= MAX_COLUMNS:
                break
            columns.append(
                TableColumn(
                    name=f"{table.name}.{column.name}",
                    type=column.raw_type or column.type,
                    description=column.comment,
                    constraints=TableColumnConstraints(
                        nullable=column.nullable, unique=[column.name] in table.unique_constraints
                    ),
                )
            )
    records = [
        TableRecord(
            {
                "table": f"{table.schema_name}.{table.name}",
                "kind": table.kind,
                "columns": len(table.columns),
                "primary_key": ", ".join(table.primary_key),
                "foreign_keys": len(table.foreign_keys),
                "rows_estimate": table.row_estimate if table.row_estimate is not None else -1,
            }
        )
        for table in tables[:MAX_TABLES]
    ]
    table_schema = TableSchema(
        columns=[
            TableColumn("table", "string"),
            TableColumn("kind", "string"),
            TableColumn("columns", "int"),
            TableColumn("primary_key", "string"),
            TableColumn("foreign_keys", "int"),
            TableColumn("rows_estimate", "int", description="-1 when the source gives no estimate"),
        ]
    )
    return {
        "dagster/column_schema": MetadataValue.table_schema(TableSchema(columns=columns)),
        "tables_in_source": MetadataValue.table(records, schema=table_schema),
    }
