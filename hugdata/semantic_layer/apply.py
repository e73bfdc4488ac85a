"""The curated document laid over the inferred model: what the tenant said wins, inference fills the rest. Entries
naming what the current schema no longer has are left out here (the document keeps them)."""

from __future__ import annotations

from hugdata.catalog.semantic import ColumnSemantics, Entity, MetricDefinition, Relationship, SemanticModel
from hugdata.semantic_layer.document import SemanticLayerDocument, TableCuration


def curated_model(model: SemanticModel, document: SemanticLayerDocument | None) -> SemanticModel:
    """``model`` with ``document``'s descriptions, synonyms, label columns, hidden columns, relationships and
    instructions applied."""
    if document is None:
        return model
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
    definitions = [
        MetricDefinition(name=m.name, synonyms=list(m.synonyms), entity=m.table, expression=m.expression,
                         filters=list(m.filters), time_column=m.time_column, description=m.description)
        for m in document.metrics
        if m.table in {e.name for e in entities}
        and (m.time_column is None or (m.table, m.time_column) in visible)
    ]  # fmt: skip
    return model.model_copy(
        update={
            "entities": entities,
            "relationships": relationships,
            "instructions": list(document.instructions),
            "definitions": definitions,
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
        }
    )
