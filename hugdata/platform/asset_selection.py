"""Which tenant assets a requested run must include: above the definitions, which it reads, so that the jobs the
definitions are built from never import them back."""

from __future__ import annotations

from dagster import AssetKey, AssetSelection

from hugdata.platform.definitions import defs
from hugdata.platform.jobs import SCHEMA_SYNC_ASSET_NAMES


def with_upstreams(asset_names: list[str]) -> list[str]:
    """The named tenant assets plus everything upstream of them, in graph order."""
    graph = defs.get_repository_def().asset_graph
    keys = AssetSelection.assets(*asset_names).upstream().resolve(graph)
    return [name for name in SCHEMA_SYNC_ASSET_NAMES if AssetKey(name) in keys]
