"""pgvector storage of retrieval documents: incremental sync and tenant-scoped search."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pgvector.psycopg import register_vector
from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from hugdata.catalog.documents import SCHEMA_DOCUMENT_KINDS, Document
from hugdata.catalog.embeddings import Embedder
from hugdata.catalog.models import SchemaDocumentRow
from hugdata.db import pipelined
from hugdata.tenants.row_security import CONNECTION_SCOPE_SQL


@dataclass(frozen=True)
class IndexSync:
    embedded: int  # texts the model ran on
    reused: int  # unchanged documents of this project
    deleted: int
    copied: int = 0  # new texts whose vector came from an identical text of any project


@dataclass(frozen=True)
class SearchHit:
    key: str
    kind: str
    title: str
    content: str
    tables: list[str]
    column: str | None
    score: float


_COLUMNS = (
    "project_id",
    "doc_key",
    "kind",
    "title",
    "content",
    "tables",
    "column_name",
    "model_id",
    "content_hash",
    "embedding",
)
# Written through the driver rather than SQLAlchemy so that vectors travel as binary (pgvector's psycopg dumper):
# formatting 384 floats per row as text in Python took ~90 % of the index write time.
_UPSERT_SQL = (
    f"INSERT INTO schema_documents ({', '.join(_COLUMNS)}, updated_at) "
    f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}, now()) "
    "ON CONFLICT (project_id, doc_key) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[2:])
    + ", updated_at = now()"
)


def _sa_connection(db: Session | Connection) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def vector_ready_connection(db: Session | Connection) -> Any:
    """The psycopg connection under ``db``, able to send numpy arrays as binary `vector` values."""
    raw = _sa_connection(db).connection.driver_connection
    if not getattr(raw, "_hugdata_vector_registered", False):
        register_vector(raw)
        raw._hugdata_vector_registered = True  # register once per pooled connection, not per call
    return raw


def _write_documents(session: Session, rows: list[tuple[Any, ...]]) -> None:
    raw = vector_ready_connection(session)
    with raw.cursor() as cursor:
        cursor.executemany(_UPSERT_SQL, rows)


def sync_documents(
    session: Session,
    *,
    project_id: str,
    documents: Sequence[Document],
    embedder: Embedder,
    kinds: Sequence[str] = SCHEMA_DOCUMENT_KINDS,
    share_vectors: bool = True,
) -> IndexSync:
    """Make the project's documents of ``kinds`` exactly ``documents``: embed only new or changed ones, keep
    unchanged ones, delete the ones that are gone (caller commits).

    With ``share_vectors`` a new text that any project already has a vector for (same model, same text, by content
    hash) gets a copy of that vector instead of a model run: tenants on the same product often share whole schemas.
    A vector is a function of the text alone, so the copy says nothing about the other project.
    """
    rows = session.execute(
        select(SchemaDocumentRow.doc_key, SchemaDocumentRow.content_hash).where(
            SchemaDocumentRow.project_id == project_id, SchemaDocumentRow.kind.in_(list(kinds))
        )
    )
    stored = {key: content_hash for key, content_hash in rows}
    wanted = {d.key: d for d in documents}
    changed = [d for d in documents if stored.get(d.key) != d.content_hash(embedder.model_id)]
    gone = sorted(stored.keys() - wanted.keys())
    if gone:
        session.execute(
            delete(SchemaDocumentRow).where(
                SchemaDocumentRow.project_id == project_id, SchemaDocumentRow.doc_key.in_(gone)
            )
        )
    copied = 0
    if changed:
        hashes = [d.content_hash(embedder.model_id) for d in changed]
        known = _vectors_by_hash(session, hashes) if share_vectors else {}
        missing = [d for d, h in zip(changed, hashes, strict=True) if h not in known]
        computed = dict(zip((d.key for d in missing), embedder.embed([d.embedded_text for d in missing]), strict=True))
        copied = len(changed) - len(missing)
        _write_documents(
            session,
            [
                (
                    project_id,
                    d.key,
                    d.kind,
                    d.title,
                    d.content,
                    d.tables,
                    d.column,
                    embedder.model_id,
                    content_hash,
                    np.asarray(known[content_hash] if content_hash in known else computed[d.key], dtype=np.float32),
                )
                for d, content_hash in zip(changed, hashes, strict=True)
            ],
        )
    return IndexSync(
        embedded=len(changed) - copied, reused=len(documents) - len(changed), deleted=len(gone), copied=copied
    )


_VECTORS_BY_HASH_SQL = (
    "SELECT DISTINCT ON (content_hash) content_hash, embedding FROM schema_documents "
    "WHERE content_hash = ANY(%(hashes)s)"
)


def _vectors_by_hash(session: Session, hashes: list[str]) -> dict[str, Any]:
    raw = vector_ready_connection(session)
    with raw.cursor() as cursor:
        cursor.execute(_VECTORS_BY_HASH_SQL, {"hashes": hashes})
        # pgvector's loader may give its own Vector type (binary results) or a numpy array (text results).
        return {
            content_hash: vector.to_numpy() if hasattr(vector, "to_numpy") else np.asarray(vector)
            for content_hash, vector in cursor.fetchall()
        }


# Exact scan of one project's rows through the (project_id, doc_key) primary key: per-tenant sets are small, and
# measured here it beat a global HNSW index with iterative scans on both speed and recall (bench/search.py).
# With metrics_last, metric documents come after every other kind: a catalog search is for tables and columns first
# (a metric document repeats its table's words and crowded them out of the top ten).
_SEARCH_SQL = (
    "SELECT doc_key, kind, title, content, tables, column_name, embedding <=> %(q)s AS distance "
    "FROM schema_documents WHERE project_id = %(project_id)s AND model_id = %(model_id)s "
    "AND (%(kinds)s::text[] IS NULL OR kind = ANY(%(kinds)s::text[])) "
    "ORDER BY (%(metrics_last)s AND kind = 'metric'), distance LIMIT %(k)s"
)


def _search_params(
    project_id: str,
    query_vector: Sequence[float],
    model_id: str,
    k: int,
    kinds: Sequence[str] | None,
    *,
    metrics_last: bool = False,
) -> dict[str, Any]:
    return {
        "q": np.asarray(query_vector, dtype=np.float32),
        "project_id": project_id,
        "model_id": model_id,
        "kinds": list(kinds) if kinds else None,
        "k": k,
        "metrics_last": metrics_last,
    }


def search_documents(
    db: Session | Connection,
    *,
    project_id: str,
    query_vector: Sequence[float],
    model_id: str,
    k: int,
    kinds: Sequence[str] | None = None,
) -> list[SearchHit]:
    """The ``k`` documents of one project nearest to the query (cosine), best first."""
    vector_ready_connection(db)
    connection = _sa_connection(db)
    params = _search_params(project_id, query_vector, model_id, k, kinds)
    # Through SQLAlchemy's driver-level call, so a broken connection is recognised and discarded from the pool.
    rows = connection.exec_driver_sql(_SEARCH_SQL, params).all()
    return [_hit(row) for row in rows]


# Any question word may match (OR): ts_rank_cd with normalization 1 divides by the log of the document's length,
# so a short column document that names the word outranks a long table document that mentions it once. The query is
# a scalar subquery, computed once: psycopg prepares a statement run often, and in Postgres's generic plan a bare
# to_tsquery(parameter) is parsed again for every row (measured on a 68-table tenant: 8.6 ms, 1.2 ms this way).
_QUERY = "(SELECT to_tsquery('english'::regconfig, %(terms)s))"
_TEXT_SEARCH_SQL = (
    f"SELECT doc_key, kind, title, content, tables, column_name, ts_rank_cd(search_text, {_QUERY}, 1) AS rank "
    "FROM schema_documents WHERE project_id = %(project_id)s AND model_id = %(model_id)s "
    f"AND search_text @@ {_QUERY} ORDER BY rank DESC, doc_key LIMIT %(k)s"
)
_TERM = re.compile(r"[a-z0-9]+")


def text_query_terms(question: str) -> str:
    """The question's words as a tsquery that any one of them satisfies (``revenue | genre``); only letters
    and digits reach the query, so no question can change its syntax."""
    terms = sorted({t for t in _TERM.findall(question.lower()) if len(t) > 1})
    return " | ".join(terms)


def search_documents_text(
    db: Session | Connection, *, project_id: str, question: str, model_id: str, k: int
) -> list[SearchHit]:
    """The ``k`` documents of one project whose words best match the question's (Postgres full-text ranking);
    ``score`` is the text rank, not a similarity."""
    terms = text_query_terms(question)
    if not terms:
        return []
    connection = _sa_connection(db)
    params = {"terms": terms, "project_id": project_id, "model_id": model_id, "k": k}
    return [_text_hit(row) for row in connection.exec_driver_sql(_TEXT_SEARCH_SQL, params).all()]


def search_documents_scoped(
    connection: Connection,
    *,
    project_id: str,
    query_vector: Sequence[float],
    model_id: str,
    k: int,
    kinds: Sequence[str] | None = None,
) -> list[SearchHit]:
    """``search_documents`` on a connection whose role is subject to row-level security: the project setting and
    the search go to the server together (psycopg's pipeline mode), so the scoping costs no extra round trip.
    Unless ``kinds`` asks for metrics alone, metric documents come after the others."""
    vector_ready_connection(connection)
    params = _search_params(project_id, query_vector, model_id, k, kinds, metrics_last=list(kinds or []) != ["metric"])
    with pipelined(connection) as raw:
        raw.execute(CONNECTION_SCOPE_SQL, params)
        cursor = raw.execute(_SEARCH_SQL, params)
    return [_hit(row) for row in cursor.fetchall()]


def queue_searches(
    raw: Any, *, project_id: str, question: str, query_vector: Sequence[float], model_id: str, k: int
) -> Callable[[], tuple[list[SearchHit], list[SearchHit]]]:
    """Both searches of ``rank_tables`` queued on a pipelined connection (``db.pipelined``); the returned call reads
    their hits, by meaning and by words, once the pipeline has been sent."""
    by_meaning = raw.execute(_SEARCH_SQL, _search_params(project_id, query_vector, model_id, k, None))
    terms = text_query_terms(question)
    text_params = {"terms": terms, "project_id": project_id, "model_id": model_id, "k": k}
    by_words = raw.execute(_TEXT_SEARCH_SQL, text_params) if terms else None
    return lambda: (
        [_hit(row) for row in by_meaning.fetchall()],
        [_text_hit(row) for row in by_words.fetchall()] if by_words is not None else [],
    )


def _text_hit(r: Sequence[Any]) -> SearchHit:
    return SearchHit(key=r[0], kind=r[1], title=r[2], content=r[3], tables=list(r[4]), column=r[5], score=float(r[6]))


def _hit(row: Sequence[Any]) -> SearchHit:
    key, kind, title, content, tables, column, distance = row
    return SearchHit(
        key=key,
        kind=kind,
        title=title,
        content=content,
        tables=list(tables),
        column=column,
        score=round(1.0 - float(distance), 6),
    )


def stored_dimensions(session: Session, *, project_id: str) -> set[int]:
    """The distinct vector dimensions stored for a project."""
    return set(
        session.scalars(
            select(func.vector_dims(SchemaDocumentRow.embedding))
            .where(SchemaDocumentRow.project_id == project_id)
            .distinct()
        )
    )


def stored_document_keys(session: Session, *, project_id: str) -> set[str]:
    return set(session.scalars(select(SchemaDocumentRow.doc_key).where(SchemaDocumentRow.project_id == project_id)))
