"""Bridge tables: a table that refers to two others (``item_tag`` to ``item`` and ``tag``) links them many-to-many.
The planner counts across one; the prompt's join notes name them so a model does too."""

from __future__ import annotations

from dataclasses import dataclass

from hugdata.catalog.semantic import Relationship, SemanticModel

MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Bridge:
    """``table`` links ``left.to_entity`` and ``right.to_entity``, each through one column of its own."""

    table: str
    left: Relationship
    right: Relationship


def bridges_between(model: SemanticModel, one: str, other: str) -> list[Bridge]:
    """Every table with exactly one single-column link to ``one`` and one to ``other`` (themselves aside)."""
    found = []
    for entity in model.entities:
        if entity.name in (one, other):
            continue
        links = [
            r
            for r in model.relationships
            if r.from_entity == entity.name and r.confidence >= MIN_CONFIDENCE and len(r.from_columns) == 1
        ]
        to_one = [r for r in links if r.to_entity == one]
        to_other = [r for r in links if r.to_entity == other]
        if len(to_one) == 1 and len(to_other) == 1:
            found.append(Bridge(entity.name, to_one[0], to_other[0]))
    return found
