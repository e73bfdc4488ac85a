"""The curated document: what a tenant says about its tables, columns, relationships, metrics and business rules,
in a form people review (YAML) and the API exchanges (JSON). Names are the model's qualified table names
(``public.orders``) and the columns' own names."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

MAX_DOCUMENT_BYTES = 256 * 1024
_WORDS = Field(default_factory=list, max_length=50)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnCuration(_Strict):
    description: str | None = Field(default=None, max_length=2000)
    synonyms: list[str] = _WORDS
    value_synonyms: dict[str, str] = Field(
        default_factory=dict, description='what people say -> the stored value ("NY": "New York", "cancelled": "C")'
    )
    unit: str | None = Field(default=None, max_length=40)
    format: str | None = Field(default=None, max_length=40)


class TableCuration(_Strict):
    description: str | None = Field(default=None, max_length=4000)
    synonyms: list[str] = _WORDS
    label_column: str | None = Field(default=None, description="the column that names a row")
    hidden_columns: list[str] = Field(default_factory=list, description="never shown to the planner or the model")
    columns: dict[str, ColumnCuration] = Field(default_factory=dict)


class RelationshipCuration(_Strict):
    from_table: str
    from_column: str
    to_table: str
    to_column: str
    cardinality: Literal["many_to_one", "one_to_one"] = "many_to_one"
    enabled: bool = Field(default=True, description="false switches off a link inference found")


class MetricCuration(_Strict):
    name: str = Field(min_length=1, max_length=80)
    synonyms: list[str] = _WORDS
    description: str | None = Field(default=None, max_length=2000)
    table: str
    expression: str = Field(min_length=1, max_length=2000, description="an aggregate over the table's columns")
    filters: list[str] = Field(default_factory=list, description="conditions every use of the metric applies")
    time_column: str | None = None
    grain: Literal["day", "week", "month", "quarter", "year"] | None = None


class SemanticLayerDocument(_Strict):
    tables: dict[str, TableCuration] = Field(default_factory=dict)
    relationships: list[RelationshipCuration] = Field(default_factory=list)
    metrics: list[MetricCuration] = Field(default_factory=list)
    instructions: list[str] = Field(default_factory=list, description="short business rules for the language model")

    def canonical_json(self) -> str:
        """One spelling of the document: the ETag and the stored form."""
        return json.dumps(self.model_dump(mode="json", exclude_defaults=True), sort_keys=True, separators=(",", ":"))

    def etag(self) -> str:
        return '"' + hashlib.sha256(self.canonical_json().encode()).hexdigest()[:32] + '"'


def to_yaml(document: SemanticLayerDocument) -> str:
    """The document as YAML, defaults left out, keys in the document's own order."""
    return yaml.safe_dump(
        document.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True, width=100
    )


def from_yaml(text: str) -> SemanticLayerDocument:
    """Parse a reviewed YAML file (pydantic's ValidationError says which entry is wrong)."""
    data = yaml.safe_load(text) or {}
    return SemanticLayerDocument.model_validate(data)
