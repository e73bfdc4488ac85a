"""Evaluation of retrieval, prompts and answers on public schemas no one here wrote."""
