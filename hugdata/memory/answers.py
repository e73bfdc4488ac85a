"""A project's recent ask answers, kept in the platform database so every API replica shares them.

An answer is found again only for the same project, the same normalized question and options, and the schema
version and semantic model it was computed on; it expires after `HUGDATA_ANSWER_CACHE_TTL` because the tenant's
rows change even when its schema does not. Lookup and store are one statement each.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.catalog.models import SchemaSnapshotRow, SemanticModelRow
from hugdata.tenants.models import Base


class RememberedAnswer(Base):
    __tablename__ = "answer_memory"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    question_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    schema_version: Mapped[int] = mapped_column(Integer)
    model_built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    response: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Recalled:
    response: str
    answered_at: datetime


def normalized_question(question: str) -> str:
    """The question as memory compares it: case, spacing and closing punctuation do not matter."""
    return " ".join(question.lower().split()).rstrip("?.! ")


def question_key(question: str, **options: object) -> str:
    """The memory key of a question asked with these options (whether executed, row limit, who answers)."""
    body = json.dumps({"q": normalized_question(question), **options}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _current_schema(project_id: str):  # type: ignore[no-untyped-def]
    return select(func.max(SchemaSnapshotRow.version)).where(SchemaSnapshotRow.project_id == project_id)


def _current_model(project_id: str):  # type: ignore[no-untyped-def]
    return select(func.max(SemanticModelRow.created_at)).where(SemanticModelRow.project_id == project_id)


def recall(session: Session, *, project_id: str, key: str) -> Recalled | None:
    """The remembered answer, if it is still valid for the project's current schema and model."""
    row = session.execute(
        select(RememberedAnswer.response, RememberedAnswer.answered_at).where(
            RememberedAnswer.project_id == project_id,
            RememberedAnswer.question_key == key,
            RememberedAnswer.expires_at > func.now(),
            RememberedAnswer.schema_version == _current_schema(project_id).scalar_subquery(),
            RememberedAnswer.model_built_at == _current_model(project_id).scalar_subquery(),
        )
    ).one_or_none()
    return Recalled(row[0], row[1]) if row else None


def remember(session: Session, *, project_id: str, key: str, response: str, ttl: timedelta) -> bool:
    """Keep ``response`` for ``ttl`` under the project's current schema version and model (the caller commits);
    False, keeping nothing, while the project has no catalog."""
    schema_version, model_built_at = session.execute(
        select(_current_schema(project_id).scalar_subquery(), _current_model(project_id).scalar_subquery())
    ).one()
    if schema_version is None or model_built_at is None:
        return False
    values = {
        "project_id": project_id,
        "question_key": key,
        "schema_version": schema_version,
        "model_built_at": model_built_at,
        "response": response,
        "answered_at": func.now(),
        "expires_at": func.now() + ttl,
    }
    statement = pg_insert(RememberedAnswer).values(**values)
    kept = ("schema_version", "model_built_at", "response", "answered_at", "expires_at")
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id", "question_key"], set_={k: statement.excluded[k] for k in kept}
        )
    )
    return True


def forget_expired(session: Session, *, limit: int = 10000) -> int:
    """Delete expired answers, a bounded number at a time (the caller commits); how many went."""
    doomed = (
        select(RememberedAnswer.project_id, RememberedAnswer.question_key)
        .where(RememberedAnswer.expires_at <= func.now())
        .limit(limit)
    )
    result = session.execute(
        delete(RememberedAnswer).where(tuple_(RememberedAnswer.project_id, RememberedAnswer.question_key).in_(doomed))
    )
    return int(result.rowcount or 0)
