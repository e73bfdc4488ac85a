"""HugData platform: multi-tenant Dagster assets behind a tenant-aware API."""

__version__ = "0.1.0"
