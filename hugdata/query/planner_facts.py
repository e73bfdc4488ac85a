"""Which table records the business's events and which of its columns is money: the offline planner's reading of
"revenue", "sales" and "spend", and of measures that add up."""

from __future__ import annotations

from hugdata.catalog.semantic import ColumnSemantics, Entity, SemanticModel
from hugdata.catalog.words import singular, words
from hugdata.query.planner_terms import MONEY_COLUMN_WORDS

_ADDITIVE_WORDS = frozenset(
    {"amount", "amt", "total", "paid", "quantity", "qty", "revenue", "sales", "cost", "profit", "tax", "fee",
     "spend", "spent", "charge", "net", "gross", "subtotal", "payment", "income", "millisecond", "second", "byte"}
)  # fmt: skip


def additive(column: ColumnSemantics) -> bool:
    """A measure whose values add up across rows (amounts, quantities), unlike prices, balances or rates."""
    return bool(_ADDITIVE_WORDS & {singular(w) for w in words(column.label or column.name)})


def is_fact(entity: Entity, model: SemanticModel) -> bool:
    """Records events: has a date or time, and refers to at least as many tables as refer to it."""
    if not any(c.role == "time" for c in entity.columns):
        return False
    outgoing = sum(1 for r in model.relationships if r.from_entity == entity.name and r.to_entity != entity.name)
    incoming = sum(1 for r in model.relationships if r.to_entity == entity.name and r.from_entity != entity.name)
    return outgoing >= incoming


def money_measure(entity: Entity) -> ColumnSemantics | None:
    """The column that holds what a row is worth: a total or an amount before a unit price."""
    measures = [c for c in entity.columns if c.role == "measure"]
    for word in MONEY_COLUMN_WORDS:
        for column in measures:
            if word in (column.label or column.name).lower() or word in column.name.lower():
                return column
    return next((c for c in measures if c.money), None)
