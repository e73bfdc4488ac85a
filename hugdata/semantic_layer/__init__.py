"""The semantic layer a tenant curates over what inference finds: descriptions, synonyms, relationships, metrics
and instructions (issue 30)."""
