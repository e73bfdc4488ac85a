"""Which tables a question needs: hybrid document search fused into one ranking of every table of the project.

Two searches over the project's documents, pgvector similarity and Postgres full-text ranking, are fused by
reciprocal rank (a document high in either list ranks high). A table scores by its best document, plus a little for
its next ones. Framework tables (Django's ``auth_*``, Laravel's ``jobs``, Rails' ``schema_migrations``, ...) come
after the business tables unless the question names them, and the tables that connect the leading ones through a
relationship are pulled up beside them, since a join question needs the table between.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hugdata.catalog.semantic import SemanticModel
from hugdata.catalog.vector_store import SearchHit, search_documents, search_documents_text
from hugdata.catalog.words import singular, words

# Reciprocal-rank fusion's damping constant, the value its authors found robust (Cormack et al., 2009).
RRF_K = 60
SEARCH_DEPTH = 60
_FOLLOWING_DOCUMENTS_WEIGHT = 0.1
_FRAMEWORK_WEIGHT = 0.3
_LEADING = 3
# Tables web frameworks and migration tools create in every application's database.
_FRAMEWORK_TABLES = re.compile(
    r"^(auth_|django_|oauth_|oauth2_|social_auth_|celery_|knox_|authtoken_|admin_|wagtail|"
    r"sqlite_|cache$|cache_locks$|failed_jobs$|jobs$|job_batches$|migrations$|password_resets?$|"
    r"password_reset_tokens$|personal_access_tokens$|sessions$|telescope_|schema_migrations$|"
    r"ar_internal_metadata$|active_storage_|action_text_|flyway_schema_history$|alembic_version$|"
    r"knex_migrations|doctrine_migration_versions$|__efmigrationshistory$|goose_db_version$)",
    re.IGNORECASE,
)
_FRAMEWORK_WORDS = {"auth", "django", "admin", "oauth", "oauth2", "social", "celery", "knox", "authtoken"}


@dataclass(frozen=True)
class RankingSteps:
    """Which steps of the ordering run: all in production; the retrieval benchmark turns them off one at a time."""

    named_tables_first: bool = True
    framework_tables_last: bool = True
    bridges: bool = True


@dataclass(frozen=True)
class TableRanking:
    """Every table of the model, best first, and the fused document hits behind the ranking."""

    tables: list[str]
    hits: list[SearchHit]
    scores: dict[str, float]


def is_framework_table(name: str) -> bool:
    """A table a web framework or migration tool made, not the business (``auth_user``, ``failed_jobs``)."""
    return bool(_FRAMEWORK_TABLES.match(name.split(".", 1)[-1]))


def fuse(rankings: Iterable[Sequence[SearchHit]]) -> list[tuple[SearchHit, float]]:
    """Reciprocal-rank fusion of several best-first hit lists (hits are the same document when keys match)."""
    scores: dict[str, float] = {}
    first: dict[str, SearchHit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, 1):
            scores[hit.key] = scores.get(hit.key, 0.0) + 1.0 / (RRF_K + rank)
            first.setdefault(hit.key, hit)
    return sorted(((first[key], score) for key, score in scores.items()), key=lambda p: (-p[1], p[0].key))


def _question_words(question: str) -> set[str]:
    return {singular(w) for w in words(re.sub(r"[^A-Za-z0-9]+", " ", question))}


def table_name_words(model: SemanticModel) -> dict[str, list[str]]:
    """Each table's name as singular words, in order, without those a third or more of the tables share (an app
    prefix like ``chinook_``): what is left says which table it is (``invoice line`` for chinook_invoiceline)."""
    labels = {e.name: [singular(w) for w in words(e.label or e.table)] for e in model.entities}
    counts: dict[str, int] = {}
    for found in labels.values():
        for word in set(found):
            counts[word] = counts.get(word, 0) + 1
    common = {w for w, n in counts.items() if n * 3 >= len(labels) and len(labels) >= 6}
    return {name: [w for w in found if w not in common] or found for name, found in labels.items()}


def _label_words(model: SemanticModel) -> dict[str, set[str]]:
    return {name: set(found) for name, found in table_name_words(model).items()}


def _names_the_table(question_words: set[str], label_words: set[str]) -> bool:
    return bool(label_words - _FRAMEWORK_WORDS & question_words)


def _table_scores(fused: list[tuple[SearchHit, float]]) -> dict[str, float]:
    per_table: dict[str, list[float]] = {}
    for hit, score in fused:
        for table in hit.tables:
            per_table.setdefault(table, []).append(score)
    return {
        table: scores[0] + _FOLLOWING_DOCUMENTS_WEIGHT * sum(scores[1:4])
        for table, scores in ((t, sorted(s, reverse=True)) for t, s in per_table.items())
    }


def _neighbours(model: SemanticModel) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for rel in model.relationships:
        if rel.from_entity != rel.to_entity:
            graph.setdefault(rel.from_entity, set()).add(rel.to_entity)
            graph.setdefault(rel.to_entity, set()).add(rel.from_entity)
    return graph


def order_tables(
    question: str, fused: list[tuple[SearchHit, float]], model: SemanticModel, steps: RankingSteps = RankingSteps()
) -> TableRanking:
    """Every table of ``model`` ranked for ``question`` from fused document hits (see the module docstring)."""
    known = [e.name for e in model.entities]
    scores = {t: s for t, s in _table_scores(fused).items() if t in set(known)}
    asked = _question_words(question)
    labels = _label_words(model)
    for table in known:
        # A question that names a table outright ("per store") counts as a first-place hit for it.
        if steps.named_tables_first and labels[table] <= asked:
            scores[table] = scores.get(table, 0.0) + 1.0 / (RRF_K + 1)
    for table in scores:
        if steps.framework_tables_last and is_framework_table(table) and not _names_the_table(asked, labels[table]):
            scores[table] *= _FRAMEWORK_WEIGHT
    ranked = sorted(
        known, key=lambda t: (-scores.get(t, 0.0), steps.framework_tables_last and is_framework_table(t), t)
    )
    if not steps.bridges:
        return TableRanking(tables=ranked, hits=[hit for hit, _ in fused], scores=scores)
    # Bridges: a found table next to two or more leading ones (the line item between track and invoice), and
    # found neighbours of the leading tables, come right after them.
    leading = ranked[:_LEADING]
    graph = _neighbours(model)
    links = {t: len(graph.get(t, set()) & set(leading)) for t in ranked[_LEADING:]}
    pulled = sorted(
        (t for t in ranked[_LEADING:] if links[t] >= 2 or (links[t] == 1 and scores.get(t, 0.0) > 0)),
        key=lambda t: (-links[t], -scores.get(t, 0.0), t),
    )
    rest = [t for t in ranked[_LEADING:] if t not in pulled]
    return TableRanking(tables=leading + pulled + rest, hits=[hit for hit, _ in fused], scores=scores)


def rank_tables(
    db: Session | Connection,
    *,
    project_id: str,
    question: str,
    query_vector: Sequence[float],
    model_id: str,
    model: SemanticModel,
    depth: int = SEARCH_DEPTH,
    steps: RankingSteps = RankingSteps(),
    full_text: bool = True,
) -> TableRanking:
    """The question's tables for one project: both searches, fused, then ordered (one round trip each)."""
    by_meaning = search_documents(db, project_id=project_id, query_vector=query_vector, model_id=model_id, k=depth)
    lists = [by_meaning]
    if full_text:
        lists.append(search_documents_text(db, project_id=project_id, question=question, model_id=model_id, k=depth))
    return order_tables(question, fuse(lists), model, steps)


def ranked_tables(hits: Iterable[SearchHit]) -> list[str]:
    """Tables in the order their first document appears among the hits."""
    ranked: list[str] = []
    for hit in hits:
        for table in hit.tables:
            if table not in ranked:
                ranked.append(table)
    return ranked


def recall_at(needed: Iterable[str], ranking: Sequence[str], k: int) -> float:
    """Share of the needed tables among the first ``k`` ranked ones."""
    wanted = set(needed)
    return len(wanted & set(ranking[:k])) / len(wanted) if wanted else 1.0
