"""Pure functions from tenant facts to Kubernetes and Dagster configuration (no cluster access here)."""
