"""The code location `hugdata.platform.definitions` loaded by the Dagster webserver, daemon and run workers."""

from __future__ import annotations

from dagster import Definitions

from hugdata.platform.assets import project_profile
from hugdata.platform.resources import TenantRegistryResource

defs = Definitions(
    assets=[project_profile],
    resources={"registry": TenantRegistryResource()},
)
