"""The tenant-aware HTTP API (FastAPI)."""
