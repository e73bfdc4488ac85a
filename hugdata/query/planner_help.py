"""What the offline planner can answer on a project: example questions for its decline messages, each one planned
before it is offered, so a suggestion never leads to another decline."""

from __future__ import annotations

import re
from collections.abc import Sequence

from hugdata.catalog.semantic import Entity, SemanticModel
from hugdata.catalog.words import plural_forms, singular
from hugdata.query.planner import PlannerDeclined, plan_question
from hugdata.query.planner_sql import label_columns
from hugdata.query.planner_terms import MONEY_COLUMN_WORDS
from hugdata.tenants.models import Dialect

MAX_SUGGESTIONS = 3


def _plural(label: str) -> str:
    *head, last = label.split() or [label]
    one = singular(last)
    if one != last.lower():
        return label  # already plural
    if re.search(r"(s|x|z|ch|sh)$", one):
        many = one + "es"  # classes, boxes, addresses
    elif re.search(r"[^aeiou]y$", one):
        many = one[:-1] + "ies"  # categories
    else:
        many = one + "s"
    # Only a form the schema's own vocabulary reads back as this word: what the planner will place.
    return " ".join([*head, many if many in plural_forms(one) else last])


def plural_label(entity: Entity) -> str:
    """The table's rows named in the plural, as a question counts them: "order items"."""
    label = entity.label or entity.table
    return _plural(label.split(" ", 1)[-1] if " " in label and len(label.split()) > 2 else label)


def candidate_questions(entity: Entity) -> list[str]:
    """Simple questions about one table, of the shapes the planner answers: a count, a count per category, a total
    or count per month."""
    many = plural_label(entity)
    found = [f"How many {many} are there?"]
    # "per name" groups by what names each row: one row each, not a breakdown.
    names = {c.name for c in label_columns(entity)}
    dimensions = [c for c in entity.columns if c.role == "dimension" and c.values and c.name not in names]
    if dimensions:
        found.append(f"How many {many} are there per {dimensions[0].label or dimensions[0].name}?")
    times = [c for c in entity.columns if c.role == "time"]
    money = [
        c
        for c in entity.columns
        if c.role == "measure" and (c.money or any(w in c.name.lower() for w in MONEY_COLUMN_WORDS))
    ]
    if times and money:
        what = money[0].label or money[0].name
        # "Total total amount" reads as a stutter: a column already called a total is summed as named.
        found.append(
            f"{what[:1].upper()}{what[1:]} per month" if what.lower().startswith("total") else f"Total {what} per month"
        )
    elif times:
        found.append(f"Number of {many} per month")
    return found


def suggested_questions(model: SemanticModel, hints: Sequence[str], dialect: Dialect) -> list[str]:
    """Up to three questions about the tables retrieval ranked first that the planner does answer."""
    suggestions: list[str] = []
    for name in [*hints, *(e.name for e in model.entities)][:8]:
        entity = model.entity(name)
        if entity is None:
            continue
        for question in candidate_questions(entity):
            try:
                # As an ask would plan it (retrieval's hints vary with the question): with and without the table.
                plan_question(question, model, dialect=dialect, hints=[name])
                plan_question(question, model, dialect=dialect)
            except PlannerDeclined:
                continue
            if question not in suggestions:
                suggestions.append(question)
            if len(suggestions) == MAX_SUGGESTIONS:
                return suggestions
    return suggestions
