"""Relationships no foreign key declares: candidates from key names, confirmed or refuted by sampled values.

Three naming habits cover most undeclared keys: the same key name on both sides (``review.business_id`` ->
``business.business_id``), the same name once each table's column prefix is stripped (TPC-H's ``o_custkey`` ->
``c_custkey``), and ``<thing>_id`` pointing at the table named after the thing (``artist_id`` -> ``artist.id``,
also ``chinook_artist.id``), with role names ending in the thing (``parent_category_id``). A candidate whose
sampled values are not all in the parent's key is dropped: names alone never link tables the data contradicts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from hugdata.catalog.schema import ColumnInfo, SchemaSnapshot, TableInfo, ValueCheck
from hugdata.catalog.words import plural_forms, words

_KEY_NAME = re.compile(r"(^|_)(id|sk|code|no|num|uuid)$|key$", re.IGNORECASE)
_CAMEL_ID = re.compile(r"[a-z](Id|ID)$")
# Run-together lowercase keys, as a CSV import or a case-folding database leaves ``playerID``: ``playerid``,
# ``franchid``, ``tailnum``; English words with the same endings are not keys.
_RUN_TOGETHER = re.compile(r"^[a-z]{3,}(id|num)$")
_WORDS_NOT_KEYS = {
    "acid", "avoid", "candid", "cupid", "druid", "fluid", "forbid", "humid", "hybrid", "invalid", "liquid", "lucid",
    "orchid", "paid", "placid", "plaid", "prepaid", "rapid", "rigid", "solid", "splendid", "squid", "stupid",
    "tepid", "timid", "unpaid", "valid", "vivid", "android", "pyramid", "afraid", "raid", "said", "laid", "maid",
}  # fmt: skip
_ID_SUFFIX = re.compile(r"^(?P<stem>.+?)_?id$", re.IGNORECASE)
# Names too generic to link two tables by themselves: every table may have one.
_GENERIC = {
    "id", "key", "code", "uuid", "guid", "no", "num", "sk", "name", "type", "title", "description",
    "year", "month", "day", "date", "time", "hour", "minute", "week", "quarter", "timestamp", "datetime",
}  # fmt: skip
_TYPE_GROUPS = {"integer": "number", "numeric": "number", "text": "text", "uuid": "text"}
_CONFIRMED_BONUS = 0.05
_PARTIAL_CONTAINMENT = 0.95
_MIN_PARTIAL_SAMPLE = 40
_PARTIAL_PENALTY = 0.1


@dataclass(frozen=True)
class Candidate:
    """A possible child -> parent link, with the naming habit it follows."""

    child: str
    child_column: str
    parent: str
    parent_column: str
    confidence: float
    reason: str
    needs_values: bool = False  # only the data can confirm it: unchecked, it links nothing


def is_key_like(name: str) -> bool:
    """``customer_id``, ``CustomerId``, ``o_custkey``, ``ss_item_sk``, ``playerid``: names that usually hold a key."""
    if _KEY_NAME.search(name) or _CAMEL_ID.search(name):
        return True
    return bool(_RUN_TOGETHER.match(name)) and name not in _WORDS_NOT_KEYS


def column_prefix(table: TableInfo) -> str:
    """The prefix most of a table's columns share (``o_`` in TPC-H's orders), or ""."""
    heads = Counter(m.group(0) for c in table.columns if (m := re.match(r"^[a-z]{1,4}_", c.name.lower())))
    if not heads:
        return ""
    head, count = heads.most_common(1)[0]
    return head if count >= 2 and count * 3 >= len(table.columns) * 2 else ""


def _stripped(name: str, prefix: str) -> str:
    lowered = name.lower()
    return lowered[len(prefix) :] if prefix and lowered.startswith(prefix) else lowered


def parent_keys(table: TableInfo, others: Sequence[str] = ()) -> list[ColumnInfo]:
    """Columns whose values identify a row: a one-column primary key or unique constraint; for a table that
    declares no key at all, its first column when named like a key and unique in the sample."""
    names: list[str] = []
    if len(table.primary_key) == 1:
        names.append(table.primary_key[0])
    names += [u[0] for u in table.unique_constraints if len(u) == 1]
    names += [ix.columns[0] for ix in table.indexes if ix.unique and len(ix.columns) == 1]
    if not table.primary_key and table.columns:
        first = table.columns[0]
        if _identifies_rows(table, first, others):
            names.append(first.name)
        if table.column("id") is not None:
            names.append("id")
    seen: list[ColumnInfo] = []
    for name in names:
        column = table.column(name)
        if column is not None and column not in seen:
            seen.append(column)
    return seen


def _identifies_rows(table: TableInfo, first: ColumnInfo, others: Sequence[str]) -> bool:
    """A key-like first column named after its table, unique in the sample, identifies the rows. Checked unique over
    the whole table, so does one named after no other table (``people``'s ``playerid``, ``airlines``' ``carrier``;
    not ``store_sales``' ``ss_sold_date_sk``, which names ``date_dim``)."""
    profile = table.column_profile(first.name)
    named_here = is_key_like(first.name) and _names_own_table(first.name, table)
    if profile is not None and profile.unique is not None:
        if not profile.unique or first.name.lower() in _GENERIC:
            return False
        return named_here or not any(_names_table(first.name, table, other) for other in others)
    sampled_unique = profile is None or profile.distinct == profile.sampled
    return named_here and sampled_unique


def _names_table(name: str, table: TableInfo, other: str) -> bool:
    """``ss_sold_date_sk`` names ``date_dim``: one of the column's words (its prefix and key suffix aside) starts
    one of the other table's words."""
    stem = words(_KEY_SUFFIX.sub("", _stripped(name, column_prefix(table))))
    other_words = [w for w in words(other) if len(w) >= 3]
    return any(len(w) >= 3 and any(o.startswith(w) or w.startswith(o) for o in other_words) for w in stem)


_KEY_SUFFIX = re.compile(r"_?(id|key|sk|code|no|num|uuid)$", re.IGNORECASE)


def _names_own_table(name: str, table: TableInfo) -> bool:
    """``c_custkey`` in ``customer``, ``d_date_sk`` in ``date_dim``: the key is named after its own table (a
    first column named after another table, like ``l_orderkey`` in ``lineitem``, is a reference instead)."""
    stem = words(_KEY_SUFFIX.sub("", _stripped(name, column_prefix(table))))
    table_words = words(table.name)
    return any(
        len(w) >= 3
        and any(t.startswith(w) or w.startswith(t) or (len(w) >= 5 and w in t) for t in table_words if len(t) >= 3)
        for w in stem
    )


def _compatible(a: ColumnInfo, b: ColumnInfo) -> bool:
    return a.type == b.type or _TYPE_GROUPS.get(a.type, a.type) == _TYPE_GROUPS.get(b.type, b.type)


def _named_after(table_name: str, stem: str) -> bool:
    """``artist`` names ``artist``, ``artists`` and, in a framework's ``app_model`` style, ``chinook_artist``."""
    lowered = table_name.lower()
    return any(lowered == form or lowered.endswith("_" + form) for form in plural_forms(stem))


def relationship_candidates(snapshot: SchemaSnapshot) -> list[Candidate]:
    """The best-named parent for every key-like column no foreign key declares (none when two parents tie)."""
    prefixes = {t.qualified_name: column_prefix(t) for t in snapshot.tables}
    names = [t.name for t in snapshot.tables]
    keys = {
        t.qualified_name: parent_keys(t, [n for n in names if n != t.name])
        for t in snapshot.tables
        if t.kind == "table"
    }
    found: list[Candidate] = []
    for table in snapshot.tables:
        declared = {c for fk in table.foreign_keys for c in fk.columns}
        # A table's own identifier is not a reference to another table that happens to share its name pattern.
        own_key = {c.name for c in keys.get(table.qualified_name, [])} if len(table.primary_key) < 2 else set()
        for column in table.columns:
            if column.name in declared or column.name in own_key:
                continue
            options = [
                option
                for parent in snapshot.tables
                for key in keys.get(parent.qualified_name, [])
                if (option := _match(table, column, parent, key, prefixes)) is not None
            ]
            if not is_key_like(column.name):
                # A column not named like a key links only by the very name of another table's identifying column
                # (``flights.carrier`` -> ``airlines.carrier``), and only if its values are checked.
                options = [o for o in options if o.needs_values]
            if not options:
                continue
            # Best rule first, then the parent whose name says least besides the match (``auth_group`` before
            # ``auth_user_groups`` for ``group_id``); a tie on both is ambiguous and links nothing.
            best = max(options, key=lambda o: (o.confidence, -_extra_words(o)))
            if sum(1 for o in options if (o.confidence, _extra_words(o)) == (best.confidence, _extra_words(best))) == 1:
                found.append(best)
    return found


def _extra_words(candidate: Candidate) -> int:
    return len(words(candidate.parent.split(".", 1)[-1]))


def _match(
    table: TableInfo, column: ColumnInfo, parent: TableInfo, key: ColumnInfo, prefixes: dict[str, str]
) -> Candidate | None:
    if parent is table and key.name == column.name:
        return None
    child_name = column.name.lower()
    child_stripped = _stripped(column.name, prefixes[table.qualified_name])
    key_stripped = _stripped(key.name, prefixes[parent.qualified_name])
    rule: tuple[float, str] | None = None
    needs_values = False
    if parent is not table and child_name == key.name.lower() and child_name not in _GENERIC:
        if is_key_like(column.name):
            rule = (0.9, f"same key name as {parent.name}.{key.name}")
        else:
            rule, needs_values = (0.8, f"same name as {parent.name}.{key.name}, which identifies its rows"), True
    elif parent is not table and child_stripped == key_stripped and key_stripped not in _GENERIC:
        rule = (0.85, f"same key name as {parent.name}.{key.name} once the tables' column prefixes are stripped")
    elif key_stripped not in _GENERIC and child_stripped.endswith("_" + key_stripped):
        rule = (0.75, f"column {column.name} is a role name ending in {parent.name}'s key {key.name}")
    elif (match := _ID_SUFFIX.match(child_stripped)) and (stem := words(match.group("stem"))):
        if _named_after(parent.name, "_".join(stem)):
            # A table's column named after the table itself is its own (business) identifier.
            if parent is not table:
                rule = (0.9, f"column {column.name} is named after table {parent.name}")
        elif len(stem) > 1 and _named_after(parent.name, stem[-1]):
            rule = (0.7, f"column {column.name} is a role name ending in table {parent.name}")
    # Values of different types cannot match: a name alone never links them.
    if rule is None or not _compatible(column, key):
        return None
    return Candidate(
        child=table.qualified_name,
        child_column=column.name,
        parent=parent.qualified_name,
        parent_column=key.name,
        confidence=rule[0],
        reason=f"{rule[1]}; types match ({column.type} vs {key.type})",
        needs_values=needs_values,
    )


@dataclass(frozen=True)
class JudgedCandidate:
    candidate: Candidate
    confidence: float
    evidence: str


def judge_candidates(candidates: list[Candidate], checks: list[ValueCheck]) -> list[JudgedCandidate]:
    """Candidates the sampled values do not contradict, with their confidence and evidence."""
    by_pair = {(c.child, c.child_column, c.parent, c.parent_column): c for c in checks}
    judged = []
    for candidate in candidates:
        check = by_pair.get((candidate.child, candidate.child_column, candidate.parent, candidate.parent_column))
        if check is None or check.sampled == 0:
            if not candidate.needs_values:
                unseen = "values not checked" if check is None else "no values to check"
                judged.append(JudgedCandidate(candidate, candidate.confidence, f"{candidate.reason}; {unseen}"))
        elif check.found == check.sampled:
            judged.append(
                JudgedCandidate(
                    candidate,
                    round(min(0.98, candidate.confidence + _CONFIRMED_BONUS), 2),
                    f"{candidate.reason}; all {check.sampled} sampled values found in the parent",
                )
            )
        elif check.sampled >= _MIN_PARTIAL_SAMPLE and check.found >= _PARTIAL_CONTAINMENT * check.sampled:
            # A few orphans (flights to airports the airport list lacks) are common in key-less data.
            judged.append(
                JudgedCandidate(
                    candidate,
                    round(candidate.confidence - _PARTIAL_PENALTY, 2),
                    f"{candidate.reason}; {check.found} of {check.sampled} sampled values found in the parent",
                )
            )
    return judged
