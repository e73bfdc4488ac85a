"""The dialect-neutral form of a tenant's database schema, its fingerprint and the diff between two versions."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnInfo(_Frozen):
    name: str
    type: str = Field(
        description="type family: integer, numeric, float, text, boolean, date, timestamp, time, json, ..."
    )
    raw_type: str
    nullable: bool
    default: str | None = None
    comment: str | None = None


class ForeignKeyInfo(_Frozen):
    name: str | None = None
    columns: list[str]
    referred_schema: str
    referred_table: str
    referred_columns: list[str]


class IndexInfo(_Frozen):
    name: str
    columns: list[str]
    unique: bool


class ColumnProfile(_Frozen):
    """What a bounded sample of a column's values showed (never the values of keys or free text)."""

    name: str
    sampled: int = Field(description="non-null values in the sample")
    distinct: int
    numeric_text: bool = Field(default=False, description="text whose every sampled value is a number")
    values: list[str] = Field(default_factory=list, description="the distinct values, when few (a category)")
    unique: bool | None = Field(
        default=None, description="whether every value of the whole table is distinct; None when not checked"
    )


class ValueCheck(_Frozen):
    """Evidence for a relationship no foreign key declares: the child's sampled distinct values found in the
    parent's key column."""

    child: str
    child_column: str
    parent: str
    parent_column: str
    sampled: int
    found: int


RowEstimateSource = Literal["statistics", "count", "relation_size"]


class TableInfo(_Frozen):
    schema_name: str
    name: str
    kind: Literal["table", "view"]
    partitioned: bool = Field(default=False, description="a PostgreSQL partitioned table: its rows are its partitions'")
    comment: str | None = None
    columns: list[ColumnInfo]
    primary_key: list[str] = Field(default_factory=list)
    foreign_keys: list[ForeignKeyInfo] = Field(default_factory=list)
    unique_constraints: list[list[str]] = Field(default_factory=list)
    indexes: list[IndexInfo] = Field(default_factory=list)
    row_estimate: int | None = None
    row_estimate_source: RowEstimateSource | None = None
    profile: list[ColumnProfile] = Field(default_factory=list)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema_name}.{self.name}"

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)

    def column_profile(self, name: str) -> ColumnProfile | None:
        return next((p for p in self.profile if p.name == name), None)


# What the data says rather than the structure: none of it is part of the fingerprint.
_DATA_FIELDS = {"row_estimate", "row_estimate_source", "profile"}


class SchemaSnapshot(_Frozen):
    dialect: str
    tables: list[TableInfo]
    value_checks: list[ValueCheck] = Field(default_factory=list)

    def fingerprint(self) -> str:
        """SHA-256 of the structure; row estimates and the data profile are left out, so data changes alone make
        no new version (and a snapshot stored before profiles existed keeps its fingerprint)."""
        structure = self.model_dump(mode="json", exclude={"tables": {"__all__": _DATA_FIELDS}, "value_checks": True})
        for table in structure["tables"]:
            if not table["partitioned"]:
                del table["partitioned"]  # fingerprints from before the field existed stay as they were
        return hashlib.sha256(json.dumps(structure, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def table(self, qualified_name: str) -> TableInfo | None:
        return next((t for t in self.tables if t.qualified_name == qualified_name), None)

    def data_profile(self) -> dict[str, object]:
        """The part of the snapshot the fingerprint leaves out, for noticing that only the data changed."""
        return {
            "tables": [t.model_dump(mode="json", include=_DATA_FIELDS) for t in self.tables],
            "value_checks": [c.model_dump(mode="json") for c in self.value_checks],
        }


class SchemaDiff(_Frozen):
    tables_added: list[str] = Field(default_factory=list)
    tables_removed: list[str] = Field(default_factory=list)
    columns_added: list[str] = Field(default_factory=list)
    columns_removed: list[str] = Field(default_factory=list)
    columns_changed: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in type(self).model_fields)


def diff_schemas(old: SchemaSnapshot | None, new: SchemaSnapshot) -> SchemaDiff:
    """What changed from ``old`` to ``new`` (everything is added when there is no old snapshot)."""
    old_tables = {t.qualified_name: t for t in (old.tables if old else [])}
    new_tables = {t.qualified_name: t for t in new.tables}
    added, removed, changed = [], [], []
    for name in sorted(old_tables.keys() & new_tables.keys()):
        before = {c.name: c for c in old_tables[name].columns}
        after = {c.name: c for c in new_tables[name].columns}
        added += [f"{name}.{c}" for c in sorted(after.keys() - before.keys())]
        removed += [f"{name}.{c}" for c in sorted(before.keys() - after.keys())]
        changed += [
            f"{name}.{c}"
            for c in sorted(before.keys() & after.keys())
            if (before[c].type, before[c].raw_type, before[c].nullable, before[c].default)
            != (after[c].type, after[c].raw_type, after[c].nullable, after[c].default)
        ]
    return SchemaDiff(
        tables_added=sorted(new_tables.keys() - old_tables.keys()),
        tables_removed=sorted(old_tables.keys() - new_tables.keys()),
        columns_added=added,
        columns_removed=removed,
        columns_changed=changed,
    )
