"""What operators graph and alert on: Prometheus metrics of the API, labelled by route template and tier, never by
project (their number stays bounded at 100,000 tenants; per-project numbers live in /analytics)."""
