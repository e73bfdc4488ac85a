"""A metric the tenant defined once answers every question that names it: its expression and filters expanded into
the planner's SQL, grouped, ranked and filtered as asked, in each dialect's own SQL; the explanation names it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import build_semantic_model
from hugdata.explain.reading import explain
from hugdata.query.planner import plan_question
from hugdata.semantic_layer.apply import curated_model
from hugdata.semantic_layer.document import SemanticLayerDocument
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import demo_source

DIALECTS = ["sqlite", "postgresql", "mysql", "mariadb"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_curated_metric_is_expanded_wherever_a_question_names_it(tmp_path: Path, dialect: str) -> None:
    with demo_source(dialect, "demo-shop", tmp_path) as spec:
        engine = open_source_engine(spec)
        try:
            inferred = build_semantic_model(profile_source(engine, introspect_schema(engine, dialect=dialect)))
            orders = next(e.name for e in inferred.entities if e.table == "orders")
            layer = SemanticLayerDocument.model_validate({"metrics": [{
                "name": "paid revenue", "synonyms": ["takings"], "table": orders, "expression": "SUM(total_amount)",
                "filters": ["status = 'paid'"], "time_column": "ordered_at", "grain": "month"}]})  # fmt: skip
            model = curated_model(inferred, layer)
            with engine.connect() as conn:

                def rows(sql: str) -> list[tuple]:
                    return sorted((tuple(float(v) if isinstance(v, int | float) or hasattr(v, "is_nan") else v
                                         for v in r) for r in conn.execute(text(sql))), key=str)  # fmt: skip

                whole = plan_question("What is the paid revenue?", model, dialect=spec.dialect)
                paid = "SELECT SUM(total_amount) FROM orders WHERE status = 'paid'"
                assert rows(whole) == rows(paid)
                per_country = plan_question("takings per shipping country", model, dialect=spec.dialect)
                by_country = ("SELECT shipping_country_code, SUM(total_amount) FROM orders WHERE status = 'paid' "
                              "GROUP BY shipping_country_code")  # fmt: skip
                assert rows(per_country) == rows(by_country)
                top = plan_question("Which 3 customers have the most paid revenue?", model, dialect=spec.dialect)
                assert len(rows(top)) == 3 and "LIMIT 3" in top.upper()
                # "Over time" names no bucket: the metric's own grain (month) is the one.
                trend = plan_question("paid revenue over time", model, dialect=spec.dialect)
                asked = plan_question("paid revenue per month", model, dialect=spec.dialect)
                assert rows(trend) == rows(asked) and len(rows(trend)) > 1
        finally:
            engine.dispose()
    explained = explain(per_country, dialect=spec.dialect, model=model, question="takings per shipping country")
    assert explained.unaccounted == [] and "the paid revenue (as the project defines it)" in explained.text
    # Without the definition the planner has no such word: it declines rather than guess what "takings" are.
    with pytest.raises(Exception, match="takings"):
        plan_question("takings per shipping country", inferred, dialect=spec.dialect)
