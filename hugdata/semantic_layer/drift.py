"""Which curated entries a schema change breaks: those naming a removed table, or a removed or retyped column."""

from __future__ import annotations

from hugdata.semantic_layer.document import SemanticLayerDocument


def entries_using(document: SemanticLayerDocument, columns: set[tuple[str, str]], tables: set[str]) -> list[str]:
    """Paths of the entries that read any of ``columns`` ((table, column)) or anything of ``tables``."""

    def hit(table: str, column: str | None = None) -> bool:
        return table in tables or (column is not None and (table, column) in columns)

    paths: list[str] = []
    for name, curation in document.tables.items():
        if hit(name):
            paths.append(f"tables.{name}")
            continue
        named = [
            *curation.columns,
            *curation.hidden_columns,
            *([curation.label_column] if curation.label_column else []),
        ]
        paths += [f"tables.{name}.columns.{c}" for c in dict.fromkeys(named) if hit(name, c)]
    for i, link in enumerate(document.relationships):
        if hit(link.from_table, link.from_column) or hit(link.to_table, link.to_column):
            paths.append(f"relationships[{i}]")
    for i, metric in enumerate(document.metrics):
        read = metric_columns(metric.expression, metric.filters, metric.time_column)
        if hit(metric.table) or any(hit(metric.table, c) for c in read):
            paths.append(f"metrics[{i}]")
    return paths


def metric_columns(expression: str, filters: list[str], time_column: str | None) -> set[str]:
    """The columns a metric reads: in its expression, its filters and its time column."""
    # sqlglot loads here rather than at import: run workers import this module with the code location and must
    # not pay for the SQL parser unless a curated metric is actually read.
    import sqlglot
    from sqlglot import exp

    read = {time_column} if time_column else set()
    for part in [expression, *filters]:
        try:
            read |= {c.name for c in sqlglot.parse_one(part).find_all(exp.Column)}
        except sqlglot.errors.SqlglotError:
            continue
    return read
