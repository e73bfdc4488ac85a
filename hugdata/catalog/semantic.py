"""The semantic model of a schema: entities, relationships (declared and inferred), metrics and descriptions."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hugdata.catalog.relationships import column_prefix, is_key_like, judge_candidates, relationship_candidates
from hugdata.catalog.schema import ColumnInfo, SchemaSnapshot, TableInfo
from hugdata.catalog.vocabulary import CompoundSplitter
from hugdata.catalog.words import indefinite, singular_phrase, when_phrase

ColumnRole = Literal["key", "foreign_key", "measure", "dimension", "time", "attribute"]
_NUMERIC = {"integer", "numeric", "float"}
# Numbers that name a place on the calendar or a code are grouped by, not added up.
_NOT_A_MEASURE = re.compile(
    r"(^|_)(year|month|day|quarter|week|hour|minute|second|moy|dom|qoy|dow|zip|postal|phone|code|number|no)$|"
    r"^(year|month|zip|postal)",
    re.IGNORECASE,
)


# Words that make a measure's name an amount of money: what "revenue", "sales" or "spend" in a question add up.
MONEY_NAME_WORDS = frozenset(
    {"amount", "total", "price", "revenue", "cost", "value", "paid", "sales", "fee", "charge", "balance", "tax",
     "discount", "profit", "spend", "income", "salary", "wage", "budget", "net", "gross", "subtotal", "payment"}
)  # fmt: skip


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnSemantics(_Model):
    name: str
    type: str
    nullable: bool
    role: ColumnRole
    description: str
    label: str = Field(default="", description="the name as plain words: compounds split, abbreviations spelled out")
    numeric_text: bool = Field(default=False, description="declared as text, every sampled value a number")
    money: bool = Field(default=False, description="a measure named like an amount of money (price, total, paid)")
    values: list[str] = Field(default_factory=list, description="sampled category values, most frequent first")
    unique: bool | None = Field(
        default=None,
        description="every value distinct over the whole table (checked for a key-less table's first column)",
    )
    repeats: bool = Field(
        default=False, description="most sampled rows repeat a value another row has: rows are not one per value"
    )
    synonyms: list[str] = Field(default_factory=list, description="other names the tenant uses (curated)")
    value_synonyms: dict[str, str] = Field(
        default_factory=dict, description="what people say -> the stored value (curated)"
    )
    unit: str | None = Field(default=None, description="the unit of its values (curated)")
    format: str | None = Field(default=None, description="how its values are shown, e.g. currency, percent (curated)")


class Entity(_Model):
    name: str = Field(description="qualified table name, schema.table")
    schema_name: str
    table: str
    kind: Literal["table", "view"]
    partitioned: bool = Field(default=False, description="read with its partitions (PostgreSQL); others are read ONLY")
    description: str
    label: str = Field(default="", description="the table's name as plain words")
    primary_key: list[str]
    row_estimate: int | None
    columns: list[ColumnSemantics]
    synonyms: list[str] = Field(default_factory=list, description="other names the tenant uses (curated)")
    label_column: str | None = Field(default=None, description="the column that names a row (curated)")

    def columns_with(self, role: ColumnRole) -> list[str]:
        return [c.name for c in self.columns if c.role == role]


class Relationship(_Model):
    from_entity: str
    from_columns: list[str]
    to_entity: str
    to_columns: list[str]
    source: Literal["declared", "inferred", "curated"]
    confidence: float = Field(ge=0, le=1)
    evidence: str


class Metric(_Model):
    name: str
    entity: str
    aggregations: list[Literal["count", "sum", "avg"]]
    column: str | None
    time_dimension: str | None
    description: str


class MetricDefinition(_Model):
    """A business metric the tenant defined once: an aggregate over one table's columns, always with its filters."""

    name: str
    synonyms: list[str] = Field(default_factory=list)
    entity: str
    expression: str = Field(description="SQL in the project's dialect, columns unqualified")
    filters: list[str] = Field(default_factory=list)
    time_column: str | None = None
    grain: str | None = Field(default=None, description="the time bucket the metric is read by when none is asked")
    description: str | None = None


class SemanticModel(_Model):
    entities: list[Entity]
    relationships: list[Relationship]
    metrics: list[Metric]
    instructions: list[str] = Field(default_factory=list, description="the tenant's business rules (curated)")
    definitions: list[MetricDefinition] = Field(default_factory=list, description="the tenant's metrics (curated)")

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)


class _Names:
    """Plain words for one schema's identifiers: its own words split run-together names."""

    def __init__(self, snapshot: SchemaSnapshot) -> None:
        identifiers = [t.name for t in snapshot.tables] + [c.name for t in snapshot.tables for c in t.columns]
        self._splitter = CompoundSplitter.for_identifiers(identifiers)
        self._prefixes = {t.qualified_name: column_prefix(t) for t in snapshot.tables}

    def table(self, qualified_or_bare: str) -> str:
        return self._splitter.phrase(qualified_or_bare.split(".", 1)[-1])

    def thing(self, qualified_or_bare: str) -> str:
        return singular_phrase(self.table(qualified_or_bare))

    def column(self, table: TableInfo, name: str) -> str:
        return self._splitter.phrase(name, prefix=self._prefixes.get(table.qualified_name, ""))


def build_semantic_model(snapshot: SchemaSnapshot) -> SemanticModel:
    """Derive the semantic model deterministically from a schema snapshot."""
    relationships = _declared(snapshot) + infer_relationships(snapshot)
    names = _Names(snapshot)
    entities = [_entity(table, relationships, names) for table in snapshot.tables]
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


def infer_relationships(snapshot: SchemaSnapshot) -> list[Relationship]:
    """Relationships key names suggest and the sampled values do not contradict (``hugdata.catalog.relationships``)."""
    return [
        Relationship(
            from_entity=judged.candidate.child,
            from_columns=[judged.candidate.child_column],
            to_entity=judged.candidate.parent,
            to_columns=[judged.candidate.parent_column],
            source="inferred",
            confidence=judged.confidence,
            evidence=judged.evidence,
        )
        for judged in judge_candidates(relationship_candidates(snapshot), snapshot.value_checks)
    ]


_REPEAT_SAMPLE = 20


def _role(table: TableInfo, column: ColumnInfo, foreign: set[str]) -> ColumnRole:
    if column.name in table.primary_key:
        return "key"
    if column.name in foreign:
        return "foreign_key"
    if column.type in ("date", "timestamp"):
        return "time"
    profile = table.column_profile(column.name)
    numeric = column.type in _NUMERIC or (profile is not None and profile.numeric_text)
    if numeric and not is_key_like(column.name) and not _NOT_A_MEASURE.search(column.name):
        return "measure"
    if column.type in ("text", "boolean") or numeric:
        return "dimension"
    return "attribute"


def _entity(table: TableInfo, relationships: list[Relationship], names: _Names) -> Entity:
    outgoing = [r for r in relationships if r.from_entity == table.qualified_name]
    incoming = [r for r in relationships if r.to_entity == table.qualified_name and r.from_entity != r.to_entity]
    foreign = {c for r in outgoing for c in r.from_columns}
    thing = names.thing(table.name)
    columns = []
    for column in table.columns:
        role = _role(table, column, foreign)
        profile = table.column_profile(column.name)
        columns.append(
            ColumnSemantics(
                name=column.name,
                type=column.type,
                nullable=column.nullable,
                role=role,
                description=_column_description(table, column, role, outgoing, names),
                label=names.column(table, column.name),
                numeric_text=bool(profile and profile.numeric_text),
                unique=profile.unique if profile else None,
                repeats=bool(profile and profile.sampled >= _REPEAT_SAMPLE and profile.distinct * 2 <= profile.sampled),
                money=role == "measure" and bool(MONEY_NAME_WORDS & set(names.column(table, column.name).split())),
                values=list(profile.values) if profile and role == "dimension" else [],
            )
        )
    parts = [f"{names.table(table.name).capitalize()} ({table.kind}): each row is {indefinite(thing)}."]
    if table.comment:
        parts.append(table.comment.rstrip(".") + ".")
    if outgoing:
        parts.append(
            "Each " + thing + " belongs to " + ", ".join(indefinite(names.thing(r.to_entity)) for r in outgoing) + "."
        )
    if incoming:
        parts.append("Referenced by " + ", ".join(sorted({names.table(r.from_entity) for r in incoming})) + ".")
    return Entity(
        name=table.qualified_name,
        schema_name=table.schema_name,
        table=table.name,
        kind=table.kind,
        partitioned=table.partitioned,
        description=" ".join(parts),
        label=names.table(table.name),
        primary_key=table.primary_key,
        row_estimate=table.row_estimate,
        columns=columns,
    )


def _column_description(
    table: TableInfo, column: ColumnInfo, role: ColumnRole, outgoing: list[Relationship], names: _Names
) -> str:
    thing = names.thing(table.name)
    label = names.column(table, column.name)
    if role == "key":
        text = f"unique identifier of the {thing}"
    elif role == "foreign_key":
        target = next(r for r in outgoing if column.name in r.from_columns)
        text = (
            f"the {names.thing(target.to_entity)} this {thing} belongs to "
            f"(refers to {target.to_entity.split('.', 1)[1]}.{target.to_columns[0]})"
        )
    elif role == "time":
        text = when_phrase(label.replace(" ", "_"), thing)
    else:
        text = f"{label} of the {thing}"
    profile = table.column_profile(column.name)
    detail = {"measure": "a numeric measure", "dimension": "a category to group or filter by", "time": "a date/time"}
    suffix = f"; {detail[role]}" if role in detail else ""
    if profile is not None and profile.numeric_text:
        suffix += "; numbers stored as text, cast before arithmetic"
    optional = ", optional" if column.nullable and role != "key" else ""
    comment = f" {column.comment.rstrip('.')}." if column.comment else ""
    return f"{text} ({column.type}{optional}){suffix}.{comment}"


def _metrics(entity: Entity) -> list[Metric]:
    times = entity.columns_with("time")
    time_dimension = times[0] if times else None
    label = entity.label or entity.table
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
                description=f"total and average {_column_label(entity, measure)} of {label}",
            )
        )
    return metrics


def _column_label(entity: Entity, name: str) -> str:
    return next((c.label for c in entity.columns if c.name == name and c.label), name)
