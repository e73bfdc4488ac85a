"""Column lineage per project: which source columns each saved question reads, and what depends on a column."""
