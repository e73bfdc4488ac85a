"""The semantic model of a schema: entities, relationships (declared and inferred), metrics and descriptions."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hugdata.catalog.schema import ColumnInfo, SchemaSnapshot, TableInfo
from hugdata.catalog.words import humanize, plural_forms, singular_phrase, words

ColumnRole = Literal["key", "foreign_key", "measure", "dimension", "time", "attribute"]
_NUMERIC = {"integer", "numeric", "float"}
_ID_COLUMN = re.compile(r"^(?P<stem>.+?)_?id$", re.IGNORECASE)
_TYPE_GROUPS = {"integer": "number", "numeric": "number", "text": "text", "uuid": "text"}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnSemantics(_Model):
    name: str
    type: str
    nullable: bool
    role: ColumnRole
    description: str


class Entity(_Model):
    name: str = Field(description="qualified table name, schema.table")
    schema_name: str
    table: str
    kind: Literal["table", "view"]
    description: str
    primary_key: list[str]
    row_estimate: int | None
    columns: list[ColumnSemantics]

    def columns_with(self, role: ColumnRole) -> list[str]:
        return [c.name for c in self.columns if c.role == role]


class Relationship(_Model):
    from_entity: str
    from_columns: list[str]
    to_entity: str
    to_columns: list[str]
    source: Literal["declared", "inferred"]
    confidence: float = Field(ge=0, le=1)
    evidence: str


class Metric(_Model):
    name: str
    entity: str
    aggregations: list[Literal["count", "sum", "avg"]]
    column: str | None
    time_dimension: str | None
    description: str


class SemanticModel(_Model):
    entities: list[Entity]
    relationships: list[Relationship]
    metrics: list[Metric]

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)


def build_semantic_model(snapshot: SchemaSnapshot) -> SemanticModel:
    """Derive the semantic model deterministically from a schema snapshot."""
    relationships = _declared(snapshot) + infer_relationships(snapshot)
    entities = [_entity(table, snapshot, relationships) for table in snapshot.tables]
    metrics = [metric for entity in entities for metric in _metrics(entity)]
    return SemanticModel(entities=entities, relationships=relationships, metrics=metrics)


def _declared(snapshot: SchemaSnapshot) -> list[Relationship]:
    return [
        Relationship(
            from_entity=table.qualified_name,
            from_columns=fk.columns,
            to_entity=f"{fk.referred_schema}.{fk.referred_table}",
            to_columns=fk.referred_columns,
            source="declared",
            confidence=1.0,
            evidence=f"declared foreign key{' ' + fk.name if fk.name else ''}",
        )
        for table in snapshot.tables
        for fk in table.foreign_keys
    ]


def _compatible(a: ColumnInfo, b: ColumnInfo) -> bool:
    return a.type == b.type or _TYPE_GROUPS.get(a.type, a.type) == _TYPE_GROUPS.get(b.type, b.type)


def _key_column(table: TableInfo) -> ColumnInfo | None:
    if len(table.primary_key) == 1:
        return table.column(table.primary_key[0])
    return table.column("id")


def infer_relationships(snapshot: SchemaSnapshot) -> list[Relationship]:
    """Relationships a naming convention implies but no foreign key declares: ``customer_id`` -> ``customers.id``."""
    by_name: dict[str, list[TableInfo]] = {}
    for table in snapshot.tables:
        by_name.setdefault(table.name.lower(), []).append(table)
    inferred = []
    for table in snapshot.tables:
        declared = {c for fk in table.foreign_keys for c in fk.columns}
        for column in table.columns:
            match = _ID_COLUMN.match(column.name)
            if column.name in declared or column.name in table.primary_key or not match:
                continue
            stem_words = words(match.group("stem"))
            if not stem_words:
                continue
            best: Relationship | None = None
            # The whole stem first (customer_id), then its last word for role names (parent_category_id).
            for stem, base_confidence, how in (
                ("_".join(stem_words), 0.9, "named after"),
                (stem_words[-1], 0.7, "role name ending in"),
            ):
                for form in sorted(plural_forms(stem)):
                    for target in by_name.get(form, []):
                        key = _key_column(target)
                        if key is None or (target is table and key.name == column.name):
                            continue
                        compatible = _compatible(column, key)
                        confidence = base_confidence if compatible else base_confidence - 0.3
                        if best is None or confidence > best.confidence:
                            best = Relationship(
                                from_entity=table.qualified_name,
                                from_columns=[column.name],
                                to_entity=target.qualified_name,
                                to_columns=[key.name],
                                source="inferred",
                                confidence=round(confidence, 2),
                                evidence=(
                                    f"column {column.name} is {how} table {target.name}; "
                                    f"{target.name}.{key.name} is its key; types "
                                    f"{'match' if compatible else 'differ'} ({column.type} vs {key.type})"
                                ),
                            )
                if best is not None:
                    break
            if best is not None:
                inferred.append(best)
    return inferred


def _role(table: TableInfo, column: ColumnInfo, foreign: set[str]) -> ColumnRole:
    if column.name in table.primary_key:
        return "key"
    if column.name in foreign:
        return "foreign_key"
    if column.type in ("date", "timestamp"):
        return "time"
    if column.type in _NUMERIC and not _ID_COLUMN.match(column.name):
        return "measure"
    if column.type in ("text", "boolean"):
        return "dimension"
    return "attribute"


def _entity(table: TableInfo, snapshot: SchemaSnapshot, relationships: list[Relationship]) -> Entity:
    outgoing = [r for r in relationships if r.from_entity == table.qualified_name]
    incoming = [r for r in relationships if r.to_entity == table.qualified_name and r.from_entity != r.to_entity]
    foreign = {c for r in outgoing for c in r.from_columns}
    thing = singular_phrase(table.name)
    columns = []
    for column in table.columns:
        role = _role(table, column, foreign)
        columns.append(
            ColumnSemantics(
                name=column.name,
                type=column.type,
                nullable=column.nullable,
                role=role,
                description=_column_description(table, column, role, outgoing),
            )
        )
    parts = [f"{humanize(table.name).capitalize()} ({table.kind}): each row is one {thing}."]
    if table.comment:
        parts.append(table.comment.rstrip(".") + ".")
    if outgoing:
        parts.append(
            "Each "
            + thing
            + " belongs to "
            + ", ".join(f"a {singular_phrase(r.to_entity.split('.', 1)[1])}" for r in outgoing)
            + "."
        )
    if incoming:
        parts.append(
            "Referenced by " + ", ".join(sorted({humanize(r.from_entity.split(".", 1)[1]) for r in incoming})) + "."
        )
    return Entity(
        name=table.qualified_name,
        schema_name=table.schema_name,
        table=table.name,
        kind=table.kind,
        description=" ".join(parts),
        primary_key=table.primary_key,
        row_estimate=table.row_estimate,
        columns=columns,
    )


def _column_description(table: TableInfo, column: ColumnInfo, role: ColumnRole, outgoing: list[Relationship]) -> str:
    thing = singular_phrase(table.name)
    if role == "key":
        text = f"unique identifier of the {thing}"
    elif role == "foreign_key":
        target = next(r for r in outgoing if column.name in r.from_columns)
        text = (
            f"the {singular_phrase(target.to_entity.split('.', 1)[1])} this {thing} belongs to "
            f"(refers to {target.to_entity.split('.', 1)[1]}.{target.to_columns[0]})"
        )
    elif role == "time":
        text = f"when the {thing} was {humanize(re.sub(r'_(at|on|date)$', '', column.name))}"
    else:
        text = f"{humanize(column.name)} of the {thing}"
    detail = {"measure": "a numeric measure", "dimension": "a category to group or filter by", "time": "a date/time"}
    suffix = f"; {detail[role]}" if role in detail else ""
    optional = ", optional" if column.nullable and role != "key" else ""
    comment = f" {column.comment.rstrip('.')}." if column.comment else ""
    return f"{text} ({column.type}{optional}){suffix}.{comment}"


def _metrics(entity: Entity) -> list[Metric]:
    times = entity.columns_with("time")
    time_dimension = times[0] if times else None
    label = humanize(entity.table)
    metrics = [
        Metric(
            name=f"{entity.table}.count",
            entity=entity.name,
            aggregations=["count"],
            column=None,
            time_dimension=time_dimension,
            description=f"number of {label}",
        )
    ]
    # One metric per measure with both aggregations: a question about "the amount" rarely says which one.
    for measure in entity.columns_with("measure"):
        metrics.append(
            Metric(
                name=f"{entity.table}.{measure}",
                entity=entity.name,
                aggregations=["sum", "avg"],
                column=measure,
                time_dimension=time_dimension,
                description=f"total and average {humanize(measure)} of {label}",
            )
        )
    return metrics
