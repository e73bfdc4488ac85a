"""The tenant catalog: a source's schema, its semantic model and the retrieval documents built from it.

Plain domain code, tested without Dagster; the platform's assets call it through resources.
"""
