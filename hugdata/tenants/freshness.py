"""Whether a project's catalog is fresh: each catalog asset's age against `HUGDATA_CATALOG_MAX_AGE` (36 h by
default, so one missed nightly sync shows). Dagster's own freshness policy on the assets says the same in its UI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

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
