"""Offboarding: a project's rows and partition leave the platform completely."""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hugdata.tenants.audit import forget_project
from hugdata.tenants.models import Project
from hugdata.tenants.partitions import PartitionStore

log = logging.getLogger(__name__)


def purge_project(session: Session, *, partitions: PartitionStore, project_id: str) -> None:
    """Delete every row the platform holds for the project, then its Dagster partition (commits).

    Every tenant-owned table references `projects` with ON DELETE CASCADE, so one delete removes credentials, keys,
    snapshots, the semantic model, documents and vectors, the query log, analytics, golden questions and pending
    webhooks in one transaction. The audit log keeps its entries under the project's keyed ref only.
    """
    session.execute(delete(Project).where(Project.id == project_id))
    forget_project(session, project_id)
    session.commit()
    try:
        partitions.delete(project_id)
    except Exception as exc:
        # A partition without a registry row is what `hugdata reconcile` (run on API start-up) removes.
        log.warning("removing the partition of offboarded project %s failed: %s", project_id, type(exc).__name__)
