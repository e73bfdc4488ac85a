"""The offline planner: what it answers from the semantic model alone, how, and what it declines."""

import pytest
import sqlglot

from hugdata.demo.ask_set import ASK_SET, HELD_OUT
from hugdata.query.compare import is_ordered, results_match
from hugdata.query.planner import PlannerDeclined, plan_question
from hugdata.query.validation import validate_query
from hugdata.tenants.models import Dialect
from tests.query.demo_models import DemoCatalog, build_demo_catalogs

# Measured 2026-11-26 (this file's test prints it): 47/52 on ASK_SET, and on HELD_OUT 13/16 before the planner was
# ever run on it, 16/16 after three fixes it showed (so it is no longer held out). A wrong number is worse than a
# decline: since 2026-12-02 the planner declines what it cannot place exactly (63 answered of 68, 62 right:
# precision 0.984, coverage 0.926). The floors sit below.
PRECISION_FLOOR = 0.95
COVERAGE_FLOOR = 0.85


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DemoCatalog]:
    return build_demo_catalogs(tmp_path_factory.mktemp("demo"))


def _answer(catalog: DemoCatalog, question: str) -> list[tuple]:
    sql = plan_question(question, catalog.model, dialect=Dialect.sqlite, values=catalog.values())
    validated = validate_query(sql, dialect=Dialect.sqlite, model=catalog.model, max_rows=1000)
    return catalog.rows(validated.sql)


def test_count_of_a_table(catalogs: dict[str, DemoCatalog]) -> None:
    shop = catalogs["demo-shop"]
    assert _answer(shop, "How many customers are there?") == shop.rows("SELECT COUNT(*) FROM customers")


def test_count_per_column_of_the_same_table(catalogs: dict[str, DemoCatalog]) -> None:
    shop = catalogs["demo-shop"]
    expected = shop.rows("SELECT status, COUNT(*) FROM orders GROUP BY status")
    assert sorted(_answer(shop, "Number of orders per status")) == sorted(expected)


def test_group_by_a_related_table_joins_along_the_foreign_keys(catalogs: dict[str, DemoCatalog]) -> None:
    sql = plan_question("Average annual salary per department", catalogs["demo-hr"].model, dialect=Dialect.sqlite)
    tree = sqlglot.parse_one(sql, read="sqlite")
    assert {t.name for t in tree.find_all(sqlglot.exp.Table)} == {"salaries", "employees", "departments"}
    assert "AVG(t0.annual_amount)" in sql and "GROUP BY" in sql


def test_category_values_become_filters(catalogs: dict[str, DemoCatalog]) -> None:
    shop = catalogs["demo-shop"]
    answer = _answer(shop, "How many orders were cancelled or refunded?")
    assert answer == shop.rows("SELECT COUNT(*) FROM orders WHERE status IN ('cancelled', 'refunded')")
    assert answer != shop.rows("SELECT COUNT(*) FROM orders")


def test_a_value_matches_the_databases_spelling(catalogs: dict[str, DemoCatalog]) -> None:
    shop = catalogs["demo-shop"]
    sql = plan_question(
        "List customers whose country code is jp", shop.model, dialect=Dialect.sqlite, values=shop.values()
    )
    assert "'JP'" in sql


def test_boolean_flags_year_filters_and_comparisons(catalogs: dict[str, DemoCatalog]) -> None:
    shop = catalogs["demo-shop"]
    assert _answer(shop, "How many active products are there?") == shop.rows(
        "SELECT COUNT(*) FROM products WHERE is_active"
    )
    assert _answer(shop, "How many orders were placed in 2025?") == shop.rows(
        "SELECT COUNT(*) FROM orders WHERE ordered_at LIKE '2025%'"
    )
    over = _answer(shop, "List orders with a total amount over 3000")
    assert over and len(over) == shop.rows("SELECT COUNT(*) FROM orders WHERE total_amount > 3000")[0][0]


def test_top_n_ranks_by_the_measure(catalogs: dict[str, DemoCatalog]) -> None:
    shop = catalogs["demo-shop"]
    rows = _answer(shop, "List the 3 most expensive products")
    assert [r[-1] for r in rows] == [r[0] for r in shop.rows("SELECT unit_price FROM products ORDER BY 1 DESC LIMIT 3")]


def test_time_buckets_group_by_month(catalogs: dict[str, DemoCatalog]) -> None:
    billing = catalogs["demo-billing"]
    rows = _answer(billing, "Total payments amount per month")
    assert rows == billing.rows("SELECT STRFTIME('%Y-%m', paid_at), SUM(amount) FROM payments GROUP BY 1 ORDER BY 1")


@pytest.mark.parametrize(
    "question",
    ["Which customers have never placed an order?", "What share of invoices is paid?", "How many unicorns flew?"],
)
def test_questions_beyond_it_are_declined_not_guessed(catalogs: dict[str, DemoCatalog], question: str) -> None:
    with pytest.raises(PlannerDeclined):
        plan_question(question, catalogs["demo-shop"].model, dialect=Dialect.sqlite)


@pytest.mark.parametrize("dialect", [Dialect.postgresql, Dialect.mysql])
def test_sql_is_written_in_the_tenants_dialect(catalogs: dict[str, DemoCatalog], dialect: Dialect) -> None:
    sql = plan_question("Number of orders per month", catalogs["demo-shop"].model, dialect=dialect)
    assert ("TO_CHAR" if dialect is Dialect.postgresql else "DATE_FORMAT") in sql
    assert "STRFTIME" not in sql


def test_precision_and_coverage_on_the_question_set_meet_their_floors(catalogs: dict[str, DemoCatalog]) -> None:
    pairs = ASK_SET + HELD_OUT
    assert len(pairs) >= 40
    answered, right = 0, 0
    for pair in pairs:
        catalog = catalogs[pair.project_id]
        try:
            got = _answer(catalog, pair.question)
        except PlannerDeclined:
            continue
        answered += 1
        right += results_match(catalog.rows(pair.sql), got, ordered=is_ordered(pair.sql, "sqlite"))
    precision, coverage = right / answered, answered / len(pairs)
    print(f"offline planner: {right} right of {answered} answered of {len(pairs)}: precision {precision:.3f}")
    assert precision >= PRECISION_FLOOR and coverage >= COVERAGE_FLOOR


def test_revenue_is_the_fact_tables_money_never_a_dimensions_price(catalogs: dict[str, DemoCatalog]) -> None:
    shop = catalogs["demo-shop"]
    revenue = _answer(shop, "What was our total revenue in 2024?")
    assert revenue == shop.rows(
        "SELECT SUM(total_amount) FROM orders WHERE ordered_at >= '2024-01-01' AND ordered_at < '2025-01-01'"
    )
    assert revenue != shop.rows("SELECT SUM(unit_price) FROM products WHERE created_at LIKE '2024%'")
    monthly = _answer(shop, "Show revenue per month")
    assert monthly == shop.rows(
        "SELECT STRFTIME('%Y-%m', ordered_at), SUM(total_amount) FROM orders GROUP BY 1 ORDER BY 1"
    )


def test_spend_per_customer_sums_the_customers_orders(catalogs: dict[str, DemoCatalog]) -> None:
    shop = catalogs["demo-shop"]
    top = _answer(shop, "Who are the top 3 customers by total spend?")
    expected = shop.rows(
        "SELECT c.id, SUM(o.total_amount) FROM orders o JOIN customers c ON c.id = o.customer_id "
        "GROUP BY c.id ORDER BY 2 DESC LIMIT 3"
    )
    assert [(r[0], round(r[-1], 2)) for r in top] == [(r[0], round(r[1], 2)) for r in expected]


@pytest.mark.parametrize(
    "question",
    [
        "Who manages whom?",  # employees.manager_id -> employees: a self-join
        "How many employees are there per office?",  # "per" something it cannot place
        "What is the total?",  # a sum of nothing it can name
    ],
)
def test_a_question_it_would_answer_wrongly_is_declined(catalogs: dict[str, DemoCatalog], question: str) -> None:
    with pytest.raises(PlannerDeclined):
        plan_question(question, catalogs["demo-hr"].model, dialect=Dialect.sqlite)
