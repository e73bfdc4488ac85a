"""Stored schema versions: a new version only for a new structure; a new data profile refreshes the latest in place."""

from hugdata.api.runtime import ApiRuntime
from hugdata.catalog.schema import ColumnInfo, ColumnProfile, SchemaSnapshot, TableInfo
from hugdata.catalog.store import latest_snapshot, save_snapshot_if_changed
from tests.helpers import register


def _snapshot(rows: int, values: list[str]) -> SchemaSnapshot:
    column = ColumnInfo(name="status", type="text", raw_type="text", nullable=True)
    profile = ColumnProfile(name="status", sampled=rows, distinct=len(values), values=values)
    table = TableInfo(
        schema_name="main", name="orders", kind="table", columns=[column], row_estimate=rows, profile=[profile]
    )
    return SchemaSnapshot(dialect="sqlite", tables=[table])


def test_a_data_only_change_refreshes_the_profile_without_a_new_version(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "profiled")
    with clean_platform.sessions() as session:
        first = save_snapshot_if_changed(session, project_id="profiled", snapshot=_snapshot(10, ["open"]))
        again = save_snapshot_if_changed(session, project_id="profiled", snapshot=_snapshot(99, ["open", "paid"]))
        session.commit()
    assert first.created and not again.created and again.version == first.version == 1
    with clean_platform.sessions() as session:
        stored = latest_snapshot(session, "profiled")
    assert stored is not None and stored.version == 1
    orders = stored.snapshot.table("main.orders")
    assert orders is not None and orders.row_estimate == 99
    assert orders.column_profile("status").values == ["open", "paid"]  # type: ignore[union-attr]
