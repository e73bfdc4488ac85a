"""Retrieval and prompt coverage on public schemas no one here wrote (issue 15).

For every question of `hugdata.evaluation.questions`, on every schema and dialect: table recall@5/10/20 of the
tables its reference SQL reads, in the ranking `ask` uses, and prompt coverage (every table and column the
reference SQL uses is in the prompt `ask` would send). Tuning and held-out halves are reported apart;
`BENCH_HALF=tuning` leaves the held-out half out entirely. Also: precision and recall of inferred relationships
against the declared foreign keys of the schemas that declare them (dropped, inferred again, compared).
"""

from __future__ import annotations

import os
import statistics
from collections import defaultdict
from typing import Any

import httpx

from bench.harness import fresh_platform, served_api, write_report
from bench.public_tenants import PublicTenant, register_public_tenants
from hugdata.catalog.embedder_factory import embedder_for
from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.retrieval import RankingSteps, rank_tables, ranked_tables, recall_at
from hugdata.catalog.semantic import infer_relationships
from hugdata.catalog.store import latest_semantic_model, latest_snapshot
from hugdata.catalog.vector_store import search_documents
from hugdata.config import get_settings
from hugdata.db import make_engine, make_session_factory
from hugdata.evaluation.questions import PUBLIC_QUESTIONS, Question
from hugdata.evaluation.reference import reference_needs, reference_sql_for
from hugdata.platform.instance import open_instance
from hugdata.query.prompt import build_prompt
from hugdata.tenants.source_engines import open_source_engine

KS = (5, 10, 20)
# One step of the ranking off at a time (the production ranking is "all"); "vector_only_first_docs" is the ranking
# before issue 15: the tables of the 20 nearest documents, in order of first appearance.
ABLATIONS = {
    "all": {},
    "no_full_text": {"full_text": False},
    "no_named_tables_first": {"steps": RankingSteps(named_tables_first=False)},
    "no_framework_tables_last": {"steps": RankingSteps(framework_tables_last=False)},
    "no_bridges": {"steps": RankingSteps(bridges=False)},
}


def _questions(schema: str) -> list[Question]:
    half = os.environ.get("BENCH_HALF", "both")
    questions = PUBLIC_QUESTIONS[schema]
    if half == "tuning":
        return [q for q in questions if not q.held_out]
    if half == "held_out":
        return [q for q in questions if q.held_out]
    return questions


def _evaluate(tenant: PublicTenant, sessions: Any, embedder: Any, budget: int) -> list[dict[str, Any]]:
    rows = []
    with sessions() as session:
        stored_model = latest_semantic_model(session, tenant.project_id)
        stored_snapshot = latest_snapshot(session, tenant.project_id)
        assert stored_model is not None and stored_snapshot is not None
        model, snapshot = stored_model[1], stored_snapshot.snapshot
        for question in _questions(tenant.schema):
            sql = reference_sql_for(question.sql, tenant.dialect)
            needs = reference_needs(sql, snapshot, dialect=tenant.dialect)
            vector = embedder.embed([question.question])[0]
            rankings = {
                name: rank_tables(
                    session,
                    project_id=tenant.project_id,
                    question=question.question,
                    query_vector=vector,
                    model_id=embedder.model_id,
                    model=model,
                    **change,
                )
                for name, change in ABLATIONS.items()
            }
            ranking = rankings["all"]  # what ask uses
            prompt = build_prompt(question.question, ranking, model, dialect=tenant.dialect, token_budget=budget)
            ablation = {name: recall_at(needs.tables, varied.tables, 5) for name, varied in rankings.items()}
            hits = search_documents(
                session, project_id=tenant.project_id, query_vector=vector, model_id=embedder.model_id, k=20
            )
            ablation["vector_only_first_docs"] = recall_at(needs.tables, ranked_tables(hits), 5)
            missing_tables = sorted(needs.tables - set(prompt.tables))
            missing_columns = sorted(f"{t}.{c}" for t, c in needs.columns - prompt.columns)
            rows.append(
                {
                    "schema": tenant.schema,
                    "dialect": tenant.dialect.value,
                    "held_out": question.held_out,
                    "question": question.question,
                    **{f"recall@{k}": recall_at(needs.tables, ranking.tables, k) for k in KS},
                    "covered": not missing_tables and not missing_columns,
                    "prompt_tokens": prompt.tokens,
                    "prompt_tables": len(prompt.tables),
                    "missing": missing_tables + missing_columns,
                    "top5": [t.split(".", 1)[1] for t in ranking.tables[:5]],
                    "ablation_recall@5": ablation,
                }
            )
    return rows


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "questions": len(rows),
        **{f"recall@{k}": round(statistics.mean(r[f"recall@{k}"] for r in rows), 3) for k in KS},
        "prompt_coverage": round(sum(r["covered"] for r in rows) / len(rows), 3),
        "prompt_tokens_median": statistics.median(r["prompt_tokens"] for r in rows),
        "prompt_tables_median": statistics.median(r["prompt_tables"] for r in rows),
        "ablation_recall@5": {
            name: round(statistics.mean(r["ablation_recall@5"][name] for r in rows), 3)
            for name in [*ABLATIONS, "vector_only_first_docs"]
        },
    }


def _inferred_link_quality(tenant: PublicTenant) -> dict[str, Any] | None:
    """Drop the declared foreign keys, infer relationships from names and values, compare with the declared."""
    engine = open_source_engine(tenant.source)
    try:
        snapshot = introspect_schema(engine, dialect=tenant.dialect.value)
        declared = {
            (t.qualified_name, fk.columns[0], f"{fk.referred_schema}.{fk.referred_table}", fk.referred_columns[0])
            for t in snapshot.tables
            for fk in t.foreign_keys
            if len(fk.columns) == 1
        }
        if not declared:
            return None
        stripped = snapshot.model_copy(
            update={"tables": [t.model_copy(update={"foreign_keys": []}) for t in snapshot.tables]}
        )
        inferred = {
            (r.from_entity, r.from_columns[0], r.to_entity, r.to_columns[0])
            for r in infer_relationships(profile_source(engine, stripped))
        }
    finally:
        engine.dispose()
    right = declared & inferred
    return {
        "declared": len(declared),
        "inferred": len(inferred),
        "precision": round(len(right) / len(inferred), 3) if inferred else None,
        "recall": round(len(right) / len(declared), 3),
        "not_inferred": sorted(f"{c}.{col} -> {p}.{pc}" for c, col, p, pc in declared - inferred),
        "not_declared": sorted(f"{c}.{col} -> {p}.{pc}" for c, col, p, pc in inferred - declared),
    }


def main() -> None:
    with fresh_platform() as bench:
        os.environ.update(bench.env)
        get_settings.cache_clear()
        settings = get_settings()
        instance = open_instance(bench.settings.resolved_dagster_home)
        with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=600) as http:
            tenants = register_public_tenants(http, instance)
        instance.dispose()
        engine = make_engine(settings.database_url.get_secret_value())
        sessions = make_session_factory(engine)
        embedder = embedder_for(settings)
        rows = [r for t in tenants for r in _evaluate(t, sessions, embedder, settings.ask_token_budget)]
        links = {f"{t.schema}-{t.dialect.value}": q for t in tenants if (q := _inferred_link_quality(t)) is not None}
        engine.dispose()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        half = "held_out" if row["held_out"] else "tuning"
        groups[f"{row['schema']}/{row['dialect']}/{half}"].append(row)
        groups[f"all/{half}"].append(row)
    write_report(
        "retrieval",
        {
            "embedding_model": embedder.model_id,
            "token_budget": settings.ask_token_budget,
            "by_schema": {name: _summary(group) for name, group in sorted(groups.items())},
            "inferred_relationships": links,
            "misses": [
                {k: r[k] for k in ("schema", "dialect", "held_out", "question", "missing", "top5")}
                for r in rows
                if not r["covered"] or r["recall@5"] < 1
            ],
        },
    )
