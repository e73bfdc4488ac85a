"""The curated document as people review it: YAML in, YAML out, exactly; and laid over the inferred model, what the
tenant said wins (descriptions, synonyms, label column, hidden columns, relationships switched off or added)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hugdata.catalog.semantic import SemanticModel
from hugdata.query.planner import plan_question
from hugdata.semantic_layer.apply import curated_model
from hugdata.semantic_layer.document import SemanticLayerDocument, from_yaml, to_yaml
from hugdata.tenants.models import Dialect
from tests.query.demo_models import build_demo_catalogs

REVIEWED = """\
tables:
  main.customers:
    description: People who bought at least once.
    synonyms:
    - clients
    label_column: email
    hidden_columns:
    - last_name
    columns:
      country_code:
        synonyms:
        - land
        value_synonyms:
          Germany: DE
relationships:
- from_table: main.product_reviews
  from_column: customer_id
  to_table: main.customers
  to_column: id
  enabled: false
metrics:
- name: paid revenue
  table: main.orders
  expression: SUM(total_amount)
  filters:
  - status = 'paid'
  grain: month
instructions:
- Revenue counts paid orders only.
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> SemanticModel:
    return build_demo_catalogs(Path(tmp_path_factory.mktemp("shop")))["demo-shop"].model


def test_a_reviewed_yaml_file_round_trips_exactly() -> None:
    document = from_yaml(REVIEWED)
    assert to_yaml(document) == REVIEWED
    assert from_yaml(to_yaml(document)) == document and document.etag() == from_yaml(REVIEWED).etag()
    assert SemanticLayerDocument().etag() != document.etag()


def test_what_the_tenant_said_wins_over_inference(shop: SemanticModel) -> None:
    model = curated_model(shop, from_yaml(REVIEWED))
    customers = model.entity("main.customers")
    assert customers is not None and customers.description == "People who bought at least once."
    assert customers.synonyms == ["clients"] and "last_name" not in {c.name for c in customers.columns}
    assert not any(r.from_entity == "main.product_reviews" and r.to_entity == "main.customers"
                   for r in model.relationships)  # fmt: skip
    assert model.instructions == ["Revenue counts paid orders only."]
    assert curated_model(shop, None) is shop


def test_the_planner_answers_in_the_tenants_words(shop: SemanticModel) -> None:
    model = curated_model(shop, from_yaml(REVIEWED))
    sql = plan_question("How many clients are there with land Germany?", model, dialect=Dialect.sqlite)
    assert "customers" in sql and "'DE'" in sql
    # The curated label column names each client in a grouped answer.
    grouped = plan_question("How many orders are there per client?", model, dialect=Dialect.sqlite)
    assert "email" in grouped


def test_a_curated_relationship_is_followed_and_a_switched_off_one_is_not(shop: SemanticModel) -> None:
    from hugdata.query.planner import PlannerDeclined

    question = "How many product reviews are there per customer?"
    assert "JOIN main.customers" in plan_question(question, shop, dialect=Dialect.sqlite)
    switched_off = curated_model(shop, from_yaml(REVIEWED))
    with pytest.raises(PlannerDeclined, match="no known relationship"):
        plan_question(question, switched_off, dialect=Dialect.sqlite)
    relinked = SemanticLayerDocument.model_validate({"relationships": [{
        "from_table": "main.product_reviews", "from_column": "customer_id", "to_table": "main.customers",
        "to_column": "id"}]})  # fmt: skip
    model = curated_model(curated_model(shop, from_yaml(REVIEWED)), relinked)
    link = next(r for r in model.relationships if r.from_entity == "main.product_reviews" and r.source == "curated")
    assert link.confidence == 1.0 and "JOIN main.customers" in plan_question(question, model, dialect=Dialect.sqlite)


def test_lineage_links_a_curated_metric_to_the_columns_it_reads(shop: SemanticModel) -> None:
    from hugdata.lineage.graph import catalog_graph

    model = curated_model(shop, from_yaml(REVIEWED))
    graph = catalog_graph(model, [("metric:curated:paid revenue", "metric", ["main.orders"], None)]).as_json()
    into = {e["source"] for e in graph["edges"] if e["target"] == "metric:curated:paid revenue"}
    assert {"column:main.orders.total_amount", "column:main.orders.status", "entity:main.orders"} <= into
    assert any(e["source"] == "metric:curated:paid revenue" and e["kind"] == "embedded_as" for e in graph["edges"])
