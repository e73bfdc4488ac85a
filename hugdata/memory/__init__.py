"""Answer memory: repeated questions of a project answered from what it was told minutes ago."""
