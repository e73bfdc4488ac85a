"""The query side: SQL proposed for a tenant (by an LLM or the offline planner), checked before it may run."""
