"""Turning identifiers into plain words: snake/camel case splitting, singular and plural forms."""

from __future__ import annotations

import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ABBREVIATIONS = {"id": "ID", "sku": "SKU", "url": "URL", "ip": "IP", "utc": "UTC"}


def words(identifier: str) -> list[str]:
    """``customerId``, ``customer_id`` and R's ``customer.id`` -> ``["customer", "id"]``."""
    return [w for w in re.split(r"[_\s\-.]+", _CAMEL.sub("_", identifier).lower()) if w]


def humanize(identifier: str) -> str:
    """``total_amount`` -> ``total amount``; known abbreviations stay upper case."""
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words(identifier))


# Nouns whose singular is their plural ("one series", "two series"): not categories-like.
_SAME_IN_BOTH_NUMBERS = frozenset({"series", "species"})


def singular(word: str) -> str:
    """A naive English singular: categories -> category, boxes -> box, orders -> order."""
    if word in _SAME_IN_BOTH_NUMBERS:
        return word
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


_AN_EXCEPTIONS = ("hour", "honest", "honor", "heir")
_A_EXCEPTIONS = ("one", "once", "uni", "use", "usa", "user", "usu", "eu", "ur", "uk")


def indefinite(phrase: str) -> str:
    """``auth group`` -> ``an auth group``; ``user`` -> ``a user`` (by the sound of the first word, roughly)."""
    lowered = phrase.lower()
    vowel = lowered[:1] in ("a", "e", "i", "o", "u")
    if lowered.startswith(_A_EXCEPTIONS):
        vowel = False
    elif lowered.startswith(_AN_EXCEPTIONS):
        vowel = True
    return f"{'an' if vowel else 'a'} {phrase}"


_EVENT_SUFFIX = re.compile(r"_(at|on|date|time|ts|datetime|timestamp)$", re.IGNORECASE)
_IRREGULAR_PARTICIPLES = {"sent", "paid", "sold", "made", "built", "done", "written", "begun", "run", "held", "bought"}


def when_phrase(column: str, thing: str) -> str:
    """A date column as plain words: ``shipped_at`` -> ``when the order was shipped``; a date that is not an event
    (``birthdate``, ``due_date``) -> ``birthdate of the employee``."""
    stem = [w for w in words(_EVENT_SUFFIX.sub("", column)) if w not in ("date", "time")] or words(column)
    last = stem[-1] if stem else ""
    if (last.endswith("ed") and len(last) > 3) or last in _IRREGULAR_PARTICIPLES:
        return f"when the {thing} was {' '.join(stem)}"
    return f"{humanize(column)} of the {thing}"
