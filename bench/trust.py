"""Can a tenant trust the answers on schemas no one here wrote? (issue 29) `python -m bench trust`.

On the six unseen public schemas of `hugdata.evaluation.unseen_schemas`, registered as tenants on every reachable
dialect, with the questions of `hugdata.evaluation.unseen_questions` (odd positions held out):

- planner: the offline planner's precision (right among answered) and coverage (answered among asked) per half;
- oracle: the reference SQL through a scripted model: the pipeline loses nothing when the SQL is right;
- search: the share of questions whose needed tables are all among the tables of the catalog search's top 10;
- reuse: past answers reused for the near-miss questions of `unseen_near_misses` (must be none) and for paraphrases;
- relationships: inferred links against the links the datasets' documentation states (`unseen_links`);
- fresh: planner, search and oracle on the second held-out set (`unseen_questions_fresh`), written in a later
  session before that session's tuning.

`BENCH_HALF=tuning` leaves the held-out half out; `BENCH_DIALECTS`, `BENCH_SCHEMAS` narrow the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine

from bench.ask_public import api_with_llm, run_questions, summarize
from bench.harness import fresh_platform, write_report
from bench.public_tenants import BUILDS, PublicTenant, register_public_tenants
from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.schema import SchemaSnapshot
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.config import get_settings
from hugdata.evaluation.public_schemas import public_database
from hugdata.evaluation.questions import Question
from hugdata.evaluation.reference import reference_needs, reference_sql_for
from hugdata.evaluation.unseen_links import link_quality
from hugdata.evaluation.unseen_near_misses import UNSEEN_NEAR_MISSES, UNSEEN_PARAPHRASES
from hugdata.evaluation.unseen_questions import UNSEEN_QUESTIONS
from hugdata.evaluation.unseen_questions_fresh import FRESH_QUESTIONS
from hugdata.evaluation.unseen_schemas import UNSEEN_SCHEMAS
from hugdata.explain.reading import answers_every_word
from hugdata.platform.instance import open_instance
from hugdata.tenants.models import Dialect
from tests.llm import scripted_llm

SEARCH_K = 10


def _asked(schema: str) -> list[Question]:
    half = os.environ.get("BENCH_HALF", "both")
    return [q for q in UNSEEN_QUESTIONS[schema] if half == "both" or q.held_out == (half == "held_out")]


def _fresh(schema: str) -> list[Question]:
    return FRESH_QUESTIONS[schema] if os.environ.get("BENCH_HALF", "both") != "tuning" else []


def _half(held_out: bool) -> str:
    return "held_out" if held_out else "tuning"


def search_recall(
    http: httpx.Client, tenants: list[PublicTenant], asked: Callable[[str], list[Question]]
) -> dict[str, Any]:
    """Per dialect and half: questions whose needed tables all appear among the catalog search's top-10 hits'
    tables (``asked(schema)`` chooses the questions)."""
    counts: dict[str, list[int]] = {}
    misses = []
    for tenant in tenants:
        parsed = SchemaSnapshot.model_validate(http.get(f"/v1/projects/{tenant.project_id}/schema").json()["snapshot"])
        for question in asked(tenant.schema):
            needs = reference_needs(reference_sql_for(question.sql, tenant.dialect), parsed, dialect=tenant.dialect)
            hits = http.post(
                f"/v1/projects/{tenant.project_id}/search", json={"query": question.question, "k": SEARCH_K}
            ).json()["results"]
            found = {t for hit in hits for t in hit["tables"]}
            hit = needs.tables <= found
            tally = counts.setdefault(f"{tenant.dialect.value}/{_half(question.held_out)}", [0, 0])
            tally[0] += hit
            tally[1] += 1
            if not hit:
                misses.append({"schema": tenant.schema, "dialect": tenant.dialect.value,
                               "question": question.question, "needed": sorted(needs.tables - found)})  # fmt: skip
    return {"by_dialect_half": {k: round(a / n, 3) for k, (a, n) in sorted(counts.items())}, "misses": misses}


def _models(schemas: list[str]) -> dict[str, SemanticModel]:
    models = {}
    for schema in schemas:
        engine = create_engine(f"sqlite:///{public_database(schema, BUILDS)}")
        try:
            snapshot = profile_source(engine, introspect_schema(engine, dialect="sqlite", include=[], exclude=[]))
        finally:
            engine.dispose()
        models[schema] = build_semantic_model(snapshot)
    return models


def _reuse(models: dict[str, SemanticModel]) -> dict[str, Any]:
    def reused(schema: str, past: str, sql: str, new: str) -> bool:
        return answers_every_word(new, sql, past_question=past, dialect=Dialect.sqlite, model=models[schema])

    wrong = [
        new for schema, past, sql, new in UNSEEN_NEAR_MISSES if schema in models and reused(schema, past, sql, new)
    ]
    asked = [p for p in UNSEEN_PARAPHRASES if p[0] in models]
    kept = [new for schema, past, sql, new in asked if reused(schema, past, sql, new)]
    return {
        "near_misses": sum(1 for p in UNSEEN_NEAR_MISSES if p[0] in models),
        "wrong_reuses": len(wrong),
        "wrongly_reused": wrong,
        "paraphrases": len(asked),
        "paraphrases_reused": len(kept),
    }


def _fresh_set() -> dict[str, list[Question]]:
    """The fresh held-out set (`unseen_questions_fresh`), or nothing when only the tuning half is asked for."""
    return {schema: _fresh(schema) for schema in FRESH_QUESTIONS}


def main() -> None:
    with fresh_platform() as bench:
        os.environ.update(bench.env)
        get_settings.cache_clear()
        instance = open_instance(bench.settings.resolved_dagster_home)
        with api_with_llm(bench, {}) as http:
            tenants = register_public_tenants(http, instance, among=UNSEEN_SCHEMAS)
            planner = run_questions(http, tenants, oracle=False, questions=UNSEEN_QUESTIONS)
            search = search_recall(http, tenants, _asked)
            fresh = run_questions(http, tenants, oracle=False, questions=_fresh_set())
            fresh_search = search_recall(http, tenants, _fresh)
        instance.dispose()
        with (
            scripted_llm() as llm_url,
            api_with_llm(bench, {"HUGDATA_LLM_BASE_URL": llm_url, "HUGDATA_LLM_MODEL": "reference-sql"}) as http,
        ):
            oracle = run_questions(http, tenants, oracle=True, questions=UNSEEN_QUESTIONS)
            fresh_oracle = run_questions(http, tenants, oracle=True, questions=_fresh_set())
    schemas = sorted({t.schema for t in tenants})
    models = _models(schemas)
    write_report(
        "trust",
        {
            "schemas": schemas,
            "dialects": sorted({t.dialect.value for t in tenants}),
            "half": os.environ.get("BENCH_HALF", "both"),
            "load_average": os.getloadavg(),
            "planner": summarize(planner, oracle=False),
            "reuse": _reuse(models),
            "search_top10": search,
            "relationships": {s: link_quality(s, Path(public_database(s, BUILDS))) for s in schemas},
            "oracle": summarize(oracle, oracle=True),
            "oracle_misses": [r for r in oracle if r["outcome"] != "right"],
            "fresh": {
                "planner": summarize(fresh, oracle=False),
                "search_top10": fresh_search,
                "oracle": summarize(fresh_oracle, oracle=True),
                "planner_wrong": [r for r in fresh if r["outcome"] == "wrong"],
                "oracle_misses": [r for r in fresh_oracle if r["outcome"] != "right"],
            },
            "planner_wrong": [r for r in planner if r["outcome"] == "wrong"],
            "planner_declined": [
                {k: r.get(k) for k in ("schema", "dialect", "held_out", "question", "detail")}
                for r in planner
                if r["outcome"] == "not_answered"
            ],
        },
    )
