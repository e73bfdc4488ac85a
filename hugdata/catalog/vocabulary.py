"""Splitting run-together identifiers (``invoiceline``, ``mediatype``) into the words a question uses.

The known words are English words of the bundled embedding model's vocabulary plus the words a schema itself uses
on their own (``invoice`` of ``invoice_id``): a compound is split only when known words of at least three letters
cover all of it, and the fewest pieces win.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources

from hugdata.catalog.words import words

_MIN_PIECE = 3
_MIN_COMPOUND = 6
_JOINING_WORDS = frozenset({"of"})
# Three-letter words common in column names; the English vocabulary starts at four letters to avoid odd splits.
_SHORT_WORDS = {"key", "rep", "tax", "fee", "net", "day", "age", "zip", "sku", "vat", "lot", "box", "fax", "due", "end"}
# Abbreviations data people use in column names everywhere, spelled out so a question's words can find them.
ABBREVIATIONS = {
    "acct": "account",
    "addr": "address",
    "amt": "amount",
    "avail": "available",
    "bal": "balance",
    "avg": "average",
    "cnt": "count",
    "cust": "customer",
    "arr": "arrival",
    "dep": "departure",
    "dept": "department",
    "desc": "description",
    "dest": "destination",
    "dob": "date of birth",
    "dom": "day of month",
    "dow": "day of week",
    "emp": "employee",
    "ext": "extended",
    "mgr": "manager",
    "mkt": "market",
    "mfr": "manufacturer",
    "moy": "month of year",
    "pct": "percent",
    "qoy": "quarter of year",
    "qty": "quantity",
    "sched": "scheduled",
    "temp": "temperature",
    "txn": "transaction",
}


@cache
def english_words() -> frozenset[str]:
    """Whole words (no word pieces) of the MiniLM tokenizer's vocabulary, four letters or more."""
    data = resources.files("hugdata.catalog").joinpath("data/all-MiniLM-L6-v2.tokenizer.json").read_text()
    vocab = json.loads(data)["model"]["vocab"]
    return frozenset(w for w in vocab if w.isalpha() and w.isascii() and len(w) >= 4)


class CompoundSplitter:
    """Splits the words of identifiers with the English vocabulary and a schema's own words."""

    def __init__(self, schema_words: Iterable[str] = ()) -> None:
        self._known = (
            english_words()
            | _SHORT_WORDS
            | set(ABBREVIATIONS)
            | {w for w in schema_words if len(w) >= _MIN_PIECE and w.isalpha()}
        )
        self._cache: dict[str, list[str]] = {}

    @classmethod
    def for_identifiers(cls, identifiers: Iterable[str]) -> CompoundSplitter:
        """Known words from every identifier's parts (table and column names of one schema)."""
        return cls(w for identifier in identifiers for w in words(identifier))

    def split(self, word: str) -> list[str]:
        """``invoiceline`` -> ``["invoice", "line"]``; a known or unsplittable word comes back alone."""
        if word in self._cache:
            return self._cache[word]
        pieces = [word]
        # A schema word may itself be a compound (``invoiceline`` is a table name): only English words stay whole.
        if len(word) >= _MIN_COMPOUND and word.isalpha() and word not in english_words():
            pieces = self._fewest_pieces(word) or [word]
        # A run-together key (``yearid``, ``playerid``): the thing it names, then "id".
        if pieces == [word] and word.endswith("id") and len(word) >= _MIN_PIECE + 2 and word not in english_words():
            stem = word[:-2]
            stem_pieces = [stem] if stem in self._known else self._fewest_pieces(stem)
            if stem_pieces:
                pieces = [*stem_pieces, "id"]
        self._cache[word] = pieces
        return pieces

    def _fewest_pieces(self, word: str) -> list[str] | None:
        best: list[list[str] | None] = [None] * (len(word) + 1)
        best[0] = []
        for end in range(_MIN_PIECE - 1, len(word) + 1):
            for start in range(0, end - _MIN_PIECE + 2):
                head = best[start]
                piece = word[start:end]
                known = piece in self._known and len(piece) >= _MIN_PIECE
                # "of" joins two words inside a name (halloffame, dateofbirth), never starts or ends one.
                joining = piece in _JOINING_WORDS and start > 0 and end < len(word)
                if (
                    piece != word
                    and head is not None
                    and (known or joining)
                    and (best[end] is None or len(head) + 1 < len(best[end]))
                ):  # type: ignore[arg-type]
                    best[end] = [*head, piece]
        found = best[len(word)]
        return found if found is not None and len(found) > 1 else None

    def phrase(self, identifier: str, *, prefix: str = "") -> str:
        """The identifier as plain words, compounds split and abbreviations spelled out, without the table's
        column prefix: ``chinook_invoiceline`` -> ``chinook invoice line``; ``c_acctbal`` -> ``account balance``."""
        if prefix and identifier.lower().startswith(prefix) and len(identifier) > len(prefix):
            identifier = identifier[len(prefix) :]
        pieces = [piece for w in words(identifier) for piece in self.split(w)]
        return " ".join(ABBREVIATIONS.get(p, p) for p in pieces)
