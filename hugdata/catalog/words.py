"""Turning identifiers into plain words: snake/camel case splitting, singular and plural forms."""

from __future__ import annotations

import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ABBREVIATIONS = {"id": "ID", "sku": "SKU", "url": "URL", "ip": "IP", "utc": "UTC"}


def words(identifier: str) -> list[str]:
    """``customerId`` and ``customer_id`` -> ``["customer", "id"]``."""
    return [w for w in re.split(r"[_\s\-]+", _CAMEL.sub("_", identifier).lower()) if w]


def humanize(identifier: str) -> str:
    """``total_amount`` -> ``total amount``; known abbreviations stay upper case."""
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words(identifier))


def singular(word: str) -> str:
    """A naive English singular: categories -> category, boxes -> box, orders -> order."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith(("us", "is", "ss")):  # status, analysis, address
        return word
    if word.endswith("s") and len(word) > 3:
        return word[:-1]
    return word


def plural_forms(word: str) -> set[str]:
    """Spellings a table named after ``word`` may have: customer -> customer, customers; category -> categories."""
    forms = {word, word + "s", word + "es"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms.add(word[:-1] + "ies")
    forms.add(singular(word))
    return forms


def singular_phrase(identifier: str) -> str:
    """``order_items`` -> ``order item`` (only the last word is made singular)."""
    parts = words(identifier)
    if not parts:
        return identifier
    return " ".join([*parts[:-1], singular(parts[-1])])
