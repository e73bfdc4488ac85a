"""How a tenant run becomes a Kubernetes Job: pure functions from tenant facts to Kubernetes/Dagster config."""
