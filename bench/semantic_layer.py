"""What a tenant's curated layer is worth (issue 30): the offline planner on the unseen schemas with and without the
layers of `hugdata.evaluation.unseen_layers`, on SQLite builds, the source's values read as `ask` reads them.
`python -m bench semantic_layer`.

- `fresh`: the 42 questions of `unseen_questions_fresh`, all held out, written before a later session's tuning;
- `layered`: the 30 questions written after the layers, all held out (their first run is the result);
- `issue29`: issue 29's questions, both halves (read before the layers were written: not a held-out measure);
- `search`: for both sets, the share of questions whose needed tables are all in the catalog search's top 10, on
  SQLite tenants registered through the API, before and after each layer is PUT and the search index rebuilt.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from sqlalchemy import create_engine

from bench.ask_public import api_with_llm
from bench.harness import fresh_platform, write_report
from bench.public_tenants import BUILDS, PublicTenant, register_public_tenants
from bench.trust import search_recall
from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import SemanticModel, build_semantic_model
from hugdata.config import get_settings
from hugdata.evaluation.public_schemas import public_database
from hugdata.evaluation.questions import Question
from hugdata.evaluation.scoring import answer_is_right
from hugdata.evaluation.unseen_layers import entry_count, unseen_layer
from hugdata.evaluation.unseen_questions import UNSEEN_QUESTIONS
from hugdata.evaluation.unseen_questions_fresh import FRESH_QUESTIONS
from hugdata.evaluation.unseen_questions_layered import LAYERED_QUESTIONS
from hugdata.evaluation.unseen_schemas import UNSEEN_SCHEMAS
from hugdata.platform.definitions import defs
from hugdata.platform.instance import open_instance
from hugdata.query.planner import PlannerDeclined, plan_question
from hugdata.query.values import category_value_lookup, value_probe
from hugdata.semantic_layer.apply import curated_model
from hugdata.tenants.models import Dialect


def _outcomes(schema: str, model: SemanticModel, questions: list[Question]) -> list[dict[str, Any]]:
    path = public_database(schema, BUILDS)
    engine = create_engine(f"sqlite:///{path}")
    values = category_value_lookup(lambda: engine, dialect=Dialect.sqlite, model=model)
    probe = value_probe(lambda: engine, dialect=Dialect.sqlite, model=model)
    rows = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:

        def run(sql: str) -> list[tuple[Any, ...]]:
            return db.execute(sql).fetchall()

        for question in questions:
            try:
                sql = plan_question(question.question, model, dialect=Dialect.sqlite, values=values, probe=probe)
            except PlannerDeclined as declined:
                rows.append({"question": question.question, "outcome": "declined", "why": str(declined)})
                continue
            right = answer_is_right(question.sql, "sqlite", run(sql), run)
            rows.append({"question": question.question, "outcome": "right" if right else "wrong", "sql": sql})
    engine.dispose()
    return rows


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answered = [r for r in rows if r["outcome"] != "declined"]
    right = sum(r["outcome"] == "right" for r in answered)
    return {
        "questions": len(rows),
        "answered": len(answered),
        "right": right,
        "precision": round(right / len(answered), 3) if answered else None,
        "coverage": round(len(answered) / len(rows), 3) if rows else None,
    }


def _search(sets: dict[str, dict[str, list[Question]]]) -> dict[str, Any]:
    """Search recall of both question sets without the layers, then with them (PUT through the API, index rebuilt)."""
    from dagster import materialize

    os.environ.setdefault("BENCH_DIALECTS", "sqlite")  # the layers name SQLite's tables (main.*)
    report: dict[str, Any] = {}
    with fresh_platform() as bench:
        os.environ.update(bench.env)
        get_settings.cache_clear()
        instance = open_instance(bench.settings.resolved_dagster_home)
        with api_with_llm(bench, {}) as http:
            tenants = register_public_tenants(http, instance, among=UNSEEN_SCHEMAS)

            def measure(tenants: list[PublicTenant]) -> dict[str, Any]:
                return {name: search_recall(http, tenants, lambda schema, q=questions: q[schema])  # type: ignore[misc]
                        for name, questions in sets.items()}  # fmt: skip

            report["without"] = measure(tenants)
            for tenant in tenants:
                url = f"/v1/projects/{tenant.project_id}/semantic-layer"
                etag = http.get(url).json()["etag"]
                layer = unseen_layer(tenant.schema).model_dump(mode="json", exclude_defaults=True)
                written = http.put(url, json=layer, headers={"If-Match": etag})
                assert written.status_code == 200, written.text
                index = [defs.get_assets_def("schema_vector_index")]
                assert materialize(index, partition_key=tenant.project_id, instance=instance,
                                   resources=defs.resources).success  # type: ignore[arg-type]  # fmt: skip
            report["with"] = measure(tenants)
        instance.dispose()
    return report


def main() -> None:
    schemas = [s for s in os.environ.get("BENCH_SCHEMAS", ",".join(UNSEEN_SCHEMAS)).split(",") if s]
    sets = {"fresh": FRESH_QUESTIONS, "layered": LAYERED_QUESTIONS, "issue29": UNSEEN_QUESTIONS}
    outcomes: dict[str, dict[str, list[dict[str, Any]]]] = {f"{n}/{w}": {} for n in sets for w in ("without", "with")}
    entries = {}
    for schema in schemas:
        engine = create_engine(f"sqlite:///{public_database(schema, BUILDS)}")
        snapshot = profile_source(engine, introspect_schema(engine, dialect="sqlite", include=[], exclude=[]))
        engine.dispose()
        inferred = build_semantic_model(snapshot)
        layer = unseen_layer(schema)
        entries[schema] = entry_count(layer)
        for name, questions in sets.items():
            outcomes[f"{name}/without"][schema] = _outcomes(schema, inferred, questions[schema])
            outcomes[f"{name}/with"][schema] = _outcomes(schema, curated_model(inferred, layer), questions[schema])
    report: dict[str, Any] = {"schemas": schemas, "layer_entries": entries, "load_average": os.getloadavg()}
    for key, per_schema in outcomes.items():
        every = [r for rows in per_schema.values() for r in rows]
        report[key] = {"all": _summary(every), **{s: _summary(rows) for s, rows in per_schema.items()}}
    if os.environ.get("BENCH_SEARCH", "1") != "0":
        report["search_top10"] = _search(sets)
    report["fresh_with_details"] = {s: rows for s, rows in outcomes["fresh/with"].items()}
    report["fresh_without_details"] = {s: rows for s, rows in outcomes["fresh/without"].items()}
    report["layered_with_details"] = {s: rows for s, rows in outcomes["layered/with"].items()}
    report["layered_without_details"] = {s: rows for s, rows in outcomes["layered/without"].items()}
    write_report("semantic_layer", report)
