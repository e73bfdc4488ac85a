"""The curated document laid over the inferred model: what the tenant said wins, inference fills the rest. Entries
naming what the current schema no longer has, or that a sync made stale, are left out here (the document keeps
them)."""

from __future__ import annotations

from collections.abc import Collection

from hugdata.catalog.semantic import ColumnSemantics, Entity, MetricDefinition, Relationship, SemanticModel
from hugdata.semantic_layer.document import SemanticLayerDocument, TableCuration
from hugdata.semantic_layer.drift import metric_columns


def curated_model(
    model: SemanticModel, document: SemanticLayerDocument | None, *, stale: Collection[str] = ()
) -> SemanticModel:
    """``model`` with ``document``'s descriptions, synonyms, label columns, hidden columns, relationships and
    instructions applied; entries whose path is in ``stale`` are not used."""
    if document is None:
        return model
    stale = set(stale)
    document = _without_stale(document, stale) if stale else document
    entities = [_entity(e, document.tables.get(e.name)) for e in model.entities]
    visible = {(e.name, c.name) for e in entities for c in e.columns}
    switched_off = {
        (r.from_table, r.from_column, r.to_table, r.to_column) for r in document.relationships if not r.enabled
    }
    relationships = [
        r
        for r in model.relationships
        if (r.from_entity, r.from_columns[0], r.to_entity, r.to_columns[0]) not in switched_off
        and all((r.from_entity, c) in visible for c in r.from_columns)
        and all((r.to_entity, c) in visible for c in r.to_columns)
    ]
    for link in document.relationships:
        if not link.enabled or (link.from_table, link.from_column) not in visible:
            continue
        if (link.to_table, link.to_column) not in visible:
            continue
        same = (link.from_table, [link.from_column], link.to_table, [link.to_column])
        relationships = [r for r in relationships if (r.from_entity, r.from_columns, r.to_entity, r.to_columns) != same]
        relationships.append(
            Relationship(
                from_entity=link.from_table,
                from_columns=[link.from_column],
                to_entity=link.to_table,
                to_columns=[link.to_column],
                source="curated",
                confidence=1.0,
                evidence=f"curated by the tenant ({link.cardinality.replace('_', '-')})",
            )
        )
    # A metric reading a column the schema lost is not used (the document keeps it, marked stale); hidden columns
    # may still be read by one. Case is folded: the checks held the expression to the dialect's folding when stored.
    folded = {(e.name, c.name.lower()) for e in model.entities for c in e.columns}
    definitions = [
        MetricDefinition(name=m.name, synonyms=list(m.synonyms), entity=m.table, expression=m.expression,
                         filters=list(m.filters), time_column=m.time_column, grain=m.grain,
                         description=m.description)
        for m in document.metrics
        if m.table in {e.name for e in entities}
        and all((m.table, c.lower()) in folded for c in metric_columns(m.expression, m.filters, m.time_column))
    ]  # fmt: skip
    return model.model_copy(
        update={
            "entities": entities,
            "relationships": relationships,
            "instructions": list(document.instructions),
            "definitions": definitions,
        }
    )


def _without_stale(document: SemanticLayerDocument, stale: set[str]) -> SemanticLayerDocument:
    """The document less its stale entries: a whole table's curation, one column's, a relationship or a metric."""
    tables = {}
    for name, curation in document.tables.items():
        if f"tables.{name}" in stale:
            continue
        broken = {c for c in [*curation.columns, *curation.hidden_columns, curation.label_column or ""]
                  if f"tables.{name}.columns.{c}" in stale}  # fmt: skip
        tables[name] = curation.model_copy(update={
            "columns": {c: said for c, said in curation.columns.items() if c not in broken},
            "hidden_columns": [c for c in curation.hidden_columns if c not in broken],
            "label_column": None if curation.label_column in broken else curation.label_column,
        }) if broken else curation  # fmt: skip
    return document.model_copy(
        update={
            "tables": tables,
            "relationships": [r for i, r in enumerate(document.relationships) if f"relationships[{i}]" not in stale],
            "metrics": [m for i, m in enumerate(document.metrics) if f"metrics[{i}]" not in stale],
        }
    )


def _entity(entity: Entity, curation: TableCuration | None) -> Entity:
    if curation is None:
        return entity
    hidden = set(curation.hidden_columns)
    columns = [_column(c, curation) for c in entity.columns if c.name not in hidden]
    names = {c.name for c in columns}
    return entity.model_copy(
        update={
            "description": curation.description or entity.description,
            "synonyms": list(curation.synonyms),
            "label_column": curation.label_column if curation.label_column in names else entity.label_column,
            "columns": columns,
        }
    )


def _column(column: ColumnSemantics, curation: TableCuration) -> ColumnSemantics:
    said = curation.columns.get(column.name)
    if said is None:
        return column
    return column.model_copy(
        update={
            "description": said.description or column.description,
            "synonyms": list(said.synonyms),
            "value_synonyms": dict(said.value_synonyms),
            "unit": said.unit or column.unit,
            "format": said.format or column.format,
        }
    )
