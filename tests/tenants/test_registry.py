"""Registering projects: registry row and Dagster partition together, idempotent, repaired after a crash."""

import subprocess
import sys
import textwrap
from collections.abc import Iterable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.errors import InvalidProjectId, PartitionStoreUnavailable, ProjectConflict
from hugdata.tenants.models import DataSource, Project, Tier
from hugdata.tenants.reconcile import reconcile_partitions
from hugdata.tenants.registry import register_project
from tests.helpers import CANARY_PASSWORD, postgres_spec


def _register(runtime: ApiRuntime, project_id: str, **kw: object):
    with runtime.sessions() as session:
        return register_project(
            session,
            partitions=kw.pop("partitions", runtime.partitions),  # type: ignore[arg-type]
            vault=runtime.vault,
            project_id=project_id,
            name=str(kw.pop("name", f"Project {project_id}")),
            tier=kw.pop("tier", Tier.standard),  # type: ignore[arg-type]
            data_source=kw.pop("data_source", postgres_spec()),  # type: ignore[arg-type]
            audit=kw.pop("audit", None),  # type: ignore[arg-type]
        )


def test_registration_creates_row_and_partition(clean_platform: ApiRuntime) -> None:
    registration = _register(clean_platform, "42")
    assert registration.created
    assert clean_platform.partitions.has("42")
    with clean_platform.sessions() as session:
        assert session.get(Project, "42") is not None


def test_password_is_stored_encrypted(clean_platform: ApiRuntime) -> None:
    _register(clean_platform, "acme")
    with clean_platform.sessions() as session:
        row = session.get(DataSource, "acme")
        assert row is not None and row.password_encrypted
        assert CANARY_PASSWORD not in row.password_encrypted
        assert clean_platform.vault.decrypt(row.password_encrypted) == CANARY_PASSWORD


def test_duplicate_registration_creates_one_partition(clean_platform: ApiRuntime) -> None:
    first = _register(clean_platform, "acme")
    again = _register(clean_platform, "acme")
    assert first.created and not again.created
    assert clean_platform.partitions.keys() == {"acme"}
    with clean_platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Other"}, "name"),
        ({"tier": Tier.free}, "tier"),
        ({"data_source": postgres_spec("other")}, "data source"),
    ],
)
def test_different_payload_for_existing_id_conflicts(clean_platform: ApiRuntime, change: dict, field: str) -> None:
    _register(clean_platform, "acme")
    with pytest.raises(ProjectConflict, match=field):
        _register(clean_platform, "acme", **change)


def test_invalid_id_is_refused_before_anything_is_written(clean_platform: ApiRuntime) -> None:
    with pytest.raises(InvalidProjectId):
        _register(clean_platform, "a/b")
    assert clean_platform.partitions.keys() == set()


class UnavailablePartitions:
    """Dagster's storage during an outage: every write fails."""

    def __init__(self, real: object) -> None:
        self.real = real

    def add(self, project_ids: Iterable[str]) -> None:
        raise ConnectionError("dagster storage down")

    def delete(self, project_id: str) -> None:
        raise ConnectionError("dagster storage down")

    def keys(self) -> set[str]:
        raise ConnectionError("dagster storage down")

    def has(self, project_id: str) -> bool:
        raise ConnectionError("dagster storage down")


def test_failed_partition_add_leaves_neither_row_nor_partition(clean_platform: ApiRuntime) -> None:
    with pytest.raises(PartitionStoreUnavailable, match="not registered"):
        _register(clean_platform, "acme", partitions=UnavailablePartitions(clean_platform.partitions))
    with clean_platform.sessions() as session:
        assert session.get(Project, "acme") is None
    assert not clean_platform.partitions.has("acme")


def test_the_audit_hook_runs_inside_registration_and_inside_its_undoing(clean_platform: ApiRuntime) -> None:
    seen: list[tuple[str, int]] = []

    def audit(session: Session, what: str) -> None:
        # How many projects that transaction sees: the audit entry is written with the row, not after it.
        seen.append((what, session.scalar(select(func.count()).select_from(Project)) or 0))

    _register(clean_platform, "audited", audit=audit)
    _register(clean_platform, "audited", audit=audit)  # a repeat inserts nothing and audits nothing
    with pytest.raises(PartitionStoreUnavailable):
        _register(clean_platform, "undone", audit=audit, partitions=UnavailablePartitions(clean_platform.partitions))
    assert seen == [("register", 1), ("register", 2), ("register_undone", 1)]


CRASH_BETWEEN_ROW_AND_PARTITION = textwrap.dedent(
    """
    import os
    from hugdata.api.runtime import build_runtime
    from hugdata.config import get_settings
    from hugdata.tenants.data_sources import DataSourceSpec
    from hugdata.tenants.models import Dialect, Tier
    from hugdata.tenants.registry import register_project

    class DiesOnAdd:
        def add(self, project_ids):
            os._exit(17)  # the process dies: no exception handler, no rollback

    runtime = build_runtime(get_settings())
    with runtime.sessions() as session:
        register_project(session, partitions=DiesOnAdd(), vault=runtime.vault, project_id="crashed",
                         name="Crashed", tier=Tier.free,
                         data_source=DataSourceSpec(dialect=Dialect.sqlite, path="/tmp/crashed.sqlite"))
    """
)


def test_reconciliation_repairs_a_crash_between_row_and_partition(clean_platform: ApiRuntime) -> None:
    died = subprocess.run([sys.executable, "-c", CRASH_BETWEEN_ROW_AND_PARTITION], capture_output=True, timeout=120)
    assert died.returncode == 17, died.stderr.decode()[-2000:]
    with clean_platform.sessions() as session:
        assert session.get(Project, "crashed") is not None
    assert not clean_platform.partitions.has("crashed")

    with clean_platform.sessions() as session:
        report = reconcile_partitions(session, partitions=clean_platform.partitions)
    assert report.added == ["crashed"]
    assert clean_platform.partitions.has("crashed")


def test_reconciliation_removes_partitions_no_project_owns(clean_platform: ApiRuntime) -> None:
    _register(clean_platform, "kept")
    clean_platform.partitions.add(["orphan"])
    with clean_platform.sessions() as session:
        report = reconcile_partitions(session, partitions=clean_platform.partitions)
    assert report.removed == ["orphan"]
    assert clean_platform.partitions.keys() == {"kept"}


def test_reconcile_cli_repairs_drift(clean_platform: ApiRuntime) -> None:
    _register(clean_platform, "kept")
    clean_platform.partitions.delete("kept")
    done = subprocess.run([sys.executable, "-m", "hugdata.cli", "reconcile"], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert b'"added": ["kept"]' in done.stdout
    assert clean_platform.partitions.has("kept")
