"""Whether a project's catalog is fresh: each catalog asset's age against `HUGDATA_CATALOG_MAX_AGE` (36 h by
default, so one missed nightly sync shows). Dagster's own freshness policy on the assets says the same in its UI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import DateTime, ForeignKey, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hugdata.tenants.asset_states import AssetState
from hugdata.tenants.models import Base

CATALOG_ASSETS = ("database_schema", "semantic_model", "schema_vector_index")


@dataclass(frozen=True)
class Freshness:
    state: Literal["fresh", "stale", "never"]
    age_seconds: float | None


def catalog_freshness(last_materialized_at: datetime | None, *, now: datetime, max_age: timedelta) -> Freshness:
    """A catalog asset's freshness at ``now``: stale once its last materialization is older than ``max_age``."""
    if last_materialized_at is None:
        return Freshness("never", None)
    age = (now - last_materialized_at).total_seconds()
    return Freshness("fresh" if age <= max_age.total_seconds() else "stale", round(max(age, 0.0), 1))


class CatalogStaleness(Base):
    """A project whose catalog went stale and was told so; the row goes when the catalog is fresh again."""

    __tablename__ = "catalog_staleness"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    stale_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def newly_stale(session: Session, *, now: datetime, max_age: timedelta, limit: int) -> list[tuple[str, datetime]]:
    """Projects with a catalog asset older than ``max_age`` not yet marked stale, with the moment each turned
    stale; an index range over the stale rows only, however many tenants are fresh."""
    cutoff = now - max_age
    marked = select(CatalogStaleness.project_id).where(CatalogStaleness.project_id == AssetState.project_id)
    rows = session.execute(
        select(AssetState.project_id, func.min(AssetState.last_materialized_at))
        .where(AssetState.asset.in_(CATALOG_ASSETS), AssetState.last_materialized_at < cutoff, ~marked.exists())
        .group_by(AssetState.project_id)
        .order_by(AssetState.project_id)
        .limit(limit)
    ).all()
    return [(project_id, oldest + max_age) for project_id, oldest in rows]


def recovered(session: Session, *, now: datetime, max_age: timedelta, limit: int) -> list[CatalogStaleness]:
    """Projects marked stale whose catalog assets are all younger than ``max_age`` again."""
    cutoff = now - max_age
    still_stale = select(AssetState.project_id).where(
        AssetState.project_id == CatalogStaleness.project_id,
        AssetState.asset.in_(CATALOG_ASSETS),
        AssetState.last_materialized_at < cutoff,
    )
    return list(
        session.scalars(
            select(CatalogStaleness).where(~still_stale.exists()).order_by(CatalogStaleness.project_id).limit(limit)
        )
    )
