"""Each project's live events: what changed in its runs and assets, for the dashboard's stream and Laravel."""
