"""Registry tables of the `hugdata` database (migrated by Alembic)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so Alembic migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Tier(enum.StrEnum):
    """Service tier of a project; it sizes the project's runs."""

    free = "free"
    standard = "standard"
    enterprise = "enterprise"


class Dialect(enum.StrEnum):
    """Kinds of tenant source database the platform can read."""

    postgresql = "postgresql"
    mysql = "mysql"
    mariadb = "mariadb"
    sqlite = "sqlite"


class ProjectStatus(enum.StrEnum):
    active = "active"


class KeyScope(enum.StrEnum):
    admin = "admin"
    project = "project"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK, so adding a value is a small migration, not an ALTER TYPE.
    return Enum(kind, name=name, native_enum=False, length=32, validate_strings=True)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[Tier] = mapped_column(_enum(Tier, "tier"))
    status: Mapped[ProjectStatus] = mapped_column(_enum(ProjectStatus, "project_status"), default=ProjectStatus.active)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    # Answers rated up (or corrected) become golden questions without a review (issue 31).
    accept_golden_candidates: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    data_source: Mapped[DataSource] = relationship(
        back_populates="project", uselist=False, cascade="all, delete-orphan", lazy="joined"
    )


class DataSource(Base):
    """Where a project's own database is; the password only ever stored encrypted."""

    __tablename__ = "data_sources"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    dialect: Mapped[Dialect] = mapped_column(_enum(Dialect, "dialect"))
    host: Mapped[str | None] = mapped_column(String(253))
    port: Mapped[int | None] = mapped_column(Integer)
    database: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(128))
    path: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    password_encrypted: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    project: Mapped[Project] = relationship(back_populates="data_source")


class ApiKey(Base):
    """A bearer key: admin, or scoped to one project. Only a hash of its secret is kept."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(
            "(scope = 'admin' AND project_id IS NULL) OR (scope = 'project' AND project_id IS NOT NULL)",
            name="scope_matches_project",
        ),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    scope: Mapped[KeyScope] = mapped_column(_enum(KeyScope, "key_scope"))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
