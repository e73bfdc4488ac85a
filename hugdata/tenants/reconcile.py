"""Repair drift between registry rows and project partitions after a crash between the two writes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hugdata.tenants.models import Project
from hugdata.tenants.partitions import PartitionStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconcileReport:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def reconcile_partitions(session: Session, *, partitions: PartitionStore) -> ReconcileReport:
    """Add partitions for registered projects that lack one; remove partitions no project owns."""
    # Partitions are read before rows: a registration commits its row before adding its partition, so any
    # partition seen here already has its row visible below unless that row was really removed.
    existing = partitions.keys()
    registered = set(session.scalars(select(Project.id)))
    missing = sorted(registered - existing)
    orphaned = sorted(existing - registered)
    if missing:
        partitions.add(missing)
    for project_id in orphaned:
        partitions.delete(project_id)
    if missing or orphaned:
        log.info("reconciled partitions: added %d, removed %d", len(missing), len(orphaned))
    return ReconcileReport(added=missing, removed=orphaned)
