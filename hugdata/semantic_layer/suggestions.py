"""What inference proposes for a tenant to accept into its document: links it found with their evidence, plain-word
synonyms of run-together names, and the column that names each table's rows. Each has a stable id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from hugdata.catalog.semantic import SemanticModel
from hugdata.query.planner_sql import label_columns
from hugdata.semantic_layer.document import RelationshipCuration, SemanticLayerDocument, TableCuration

SuggestionKind = Literal["relationship", "synonym", "label_column"]


@dataclass(frozen=True)
class Suggestion:
    id: str
    kind: SuggestionKind
    path: str  # where it goes in the document
    value: dict[str, Any]
    evidence: str
    confidence: float


def _suggestion(kind: SuggestionKind, path: str, value: dict[str, Any], evidence: str, confidence: float) -> Suggestion:
    digest = hashlib.sha256(json.dumps([kind, path, value], sort_keys=True).encode()).hexdigest()[:16]
    return Suggestion(digest, kind, path, value, evidence, round(confidence, 2))


def suggestions_for(model: SemanticModel, document: SemanticLayerDocument) -> list[Suggestion]:
    """Proposals the document does not already hold, strongest first."""
    found: list[Suggestion] = []
    curated_links = {(r.from_table, r.from_column, r.to_table, r.to_column) for r in document.relationships}
    for rel in model.relationships:
        key = (rel.from_entity, rel.from_columns[0], rel.to_entity, rel.to_columns[0])
        if rel.source != "inferred" or len(rel.from_columns) != 1 or key in curated_links:
            continue
        value = dict(zip(("from_table", "from_column", "to_table", "to_column"), key, strict=True))
        found.append(_suggestion("relationship", "relationships", value, rel.evidence, rel.confidence))
    for entity in model.entities:
        said = document.tables.get(entity.name, TableCuration())
        plain = entity.label.strip()
        if plain and plain.lower() != entity.table.lower() and plain not in said.synonyms:
            found.append(_suggestion("synonym", f"tables.{entity.name}.synonyms", {"synonym": plain},
                                     f"the words of {entity.table}", 0.6))  # fmt: skip
        labels = label_columns(entity)
        if said.label_column is None and labels and labels[0].type == "text":
            why = f"the column a person reads to tell {entity.table}'s rows apart"
            path = f"tables.{entity.name}.label_column"
            found.append(_suggestion("label_column", path, {"column": labels[0].name}, why, 0.5))
    return sorted(found, key=lambda s: (-s.confidence, s.kind, s.path, s.id))


def accepted(document: SemanticLayerDocument, suggestion: Suggestion) -> SemanticLayerDocument:
    """``document`` with ``suggestion`` taken in."""
    if suggestion.kind == "relationship":
        link = RelationshipCuration(**suggestion.value)
        return document.model_copy(update={"relationships": [*document.relationships, link]})
    table = suggestion.path.split(".", 1)[1].rsplit(".", 1)[0]
    tables = dict(document.tables)
    current = tables.get(table, TableCuration())
    if suggestion.kind == "synonym":
        tables[table] = current.model_copy(update={"synonyms": [*current.synonyms, suggestion.value["synonym"]]})
    else:
        tables[table] = current.model_copy(update={"label_column": suggestion.value["column"]})
    return document.model_copy(update={"tables": tables})
