"""An answer explains itself: its SQL read from the parsed tree, part by part, each part naming its fragment and the
question's words it answers; the words no part answers are `unaccounted`. Reuse of a past question's SQL and the
offline planner's answers both stop at an unaccounted word."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from hugdata.catalog.semantic import SemanticModel
from hugdata.explain.reading import answers_every_word, explain
from hugdata.query.planner import PlannerDeclined, plan_question
from hugdata.query.sql_policy import sqlglot_dialect
from hugdata.tenants.models import Dialect
from tests.explain.near_misses import NEAR_MISSES, PARAPHRASES
from tests.query.demo_models import build_demo_catalogs


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> SemanticModel:
    return build_demo_catalogs(Path(tmp_path_factory.mktemp("shop")))["demo-shop"].model


@pytest.mark.parametrize("dialect", list(Dialect))
def test_an_explanation_names_each_part_with_its_sql_and_the_words_it_answers(
    shop: SemanticModel, dialect: Dialect
) -> None:
    sql = sqlglot.transpile(
        "SELECT c.country_code, SUM(o.total_amount) AS revenue FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE o.status = 'paid' GROUP BY c.country_code ORDER BY revenue DESC LIMIT 3",
        read="sqlite", write=sqlglot_dialect(dialect),
    )[0]  # fmt: skip
    explained = explain(sql, dialect=dialect, model=shop, question="Top 3 countries by revenue of paid orders")
    kinds = {p.kind: p for p in explained.parts}
    assert set(kinds) == {"column", "measure", "source", "join", "filter", "group", "order", "limit"}
    assert "revenue" in kinds["order"].words and "paid" in kinds["filter"].words  # "by revenue": the order
    assert "countries" in kinds["group"].words and "3" in kinds["limit"].words
    assert kinds["filter"].sql == "o.status = 'paid'" and explained.unaccounted == []
    # The text is for a person: columns by their labels, no table aliases, aggregates in words.
    assert explained.text.startswith("The ") and "only where status = 'paid'" in explained.text
    assert "o." not in explained.text and "c." not in explained.text and "SUM(" not in explained.text
    assert "highest total total amount first" in explained.text


def test_the_words_an_answer_leaves_out_are_named(shop: SemanticModel) -> None:
    explained = explain("SELECT * FROM products", dialect=Dialect.sqlite, model=shop,
                        question="Which products have been discontinued?")  # fmt: skip
    assert explained.unaccounted == ["discontinued"]
    grouped = explain("SELECT COUNT(*) FROM customers", dialect=Dialect.sqlite, model=shop,
                      question="How many customers are there per country?")  # fmt: skip
    assert grouped.unaccounted == ["country"]


def test_no_near_miss_reuses_a_past_answer_and_paraphrases_still_do(shop: SemanticModel) -> None:
    assert len(NEAR_MISSES) >= 60
    wrong = [new for past, sql, new in NEAR_MISSES
             if answers_every_word(new, sql, past_question=past, dialect=Dialect.sqlite, model=shop)]  # fmt: skip
    assert wrong == []
    kept = [new for past, sql, new in PARAPHRASES
            if answers_every_word(new, sql, past_question=past, dialect=Dialect.sqlite, model=shop)]  # fmt: skip
    assert len(kept) >= len(PARAPHRASES) - 1, kept


@pytest.mark.parametrize(
    ("question", "word"),
    [("Which products have been discontinued?", "discontinued"), ("How many ratings are there per weekday?", "")],
)
def test_the_planner_declines_what_its_answer_would_leave_out(shop: SemanticModel, question: str, word: str) -> None:
    with pytest.raises(PlannerDeclined) as declined:
        plan_question(question, shop, dialect=Dialect.sqlite)
    assert word in str(declined.value)


def test_a_past_answer_narrower_than_the_new_question_is_not_reused(shop: SemanticModel) -> None:
    # Every word of the new question is answered, but the past filter is not asked for: it would count paid only.
    past, sql = "How many paid orders are there?", "SELECT COUNT(*) FROM orders WHERE status = 'paid'"
    assert not answers_every_word("How many orders are there?", sql, past_question=past,
                                  dialect=Dialect.sqlite, model=shop)  # fmt: skip
    assert answers_every_word("What is the number of paid orders?", sql, past_question=past,
                              dialect=Dialect.sqlite, model=shop)  # fmt: skip
