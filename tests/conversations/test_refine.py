"""A follow-up applied to the previous query: each refinement changes what it names and nothing else, says what it
changed, and anything it cannot apply is declined with the user's own words."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hugdata.catalog.semantic import ColumnSemantics
from hugdata.conversations.followup_words import is_fragment
from hugdata.conversations.frame import RefinementDeclined
from hugdata.conversations.refine import NotARefinement, refine
from hugdata.query.planner import plan_question
from hugdata.query.values import category_value_lookup, value_probe
from hugdata.tenants.models import Dialect
from tests.query.demo_models import DemoCatalog, build_demo_catalogs
from tests.sources import sqlite_catalog


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> DemoCatalog:
    return build_demo_catalogs(tmp_path_factory.mktemp("demo"))["demo-shop"]


def _turns(shop: DemoCatalog, first: str, *follow_ups: str) -> list[str]:
    sql = plan_question(first, shop.model, dialect=Dialect.sqlite, values=shop.values())
    found = [sql]
    for text in follow_ups:
        sql = refine(sql, text, dialect=Dialect.sqlite, model=shop.model, values=shop.values()).sql
        found.append(sql)
    return found


def _rows(shop: DemoCatalog, sql: str) -> dict[object, object]:
    return {r[0]: r[-1] for r in shop.rows(sql)}


IN_2025 = "ordered_at >= '2025-01-01' AND ordered_at < '2026-01-01'"


def test_a_new_year_replaces_the_year_before(shop: DemoCatalog) -> None:
    _, y2025, y2024 = _turns(shop, "How many orders are there per status?", "only 2025", "2024 instead")
    assert _rows(shop, y2025) == _rows(shop, f"SELECT status, COUNT(*) FROM orders WHERE {IN_2025} GROUP BY status")
    assert _rows(shop, y2024) == _rows(shop, "SELECT status, COUNT(*) FROM orders WHERE ordered_at >= '2024-01-01' "
                                             "AND ordered_at < '2025-01-01' GROUP BY status")  # fmt: skip
    assert "2026" not in y2024  # the old bounds are gone, not kept beside the new


def test_and_by_adds_a_grouping_and_instead_replaces_it(shop: DemoCatalog) -> None:
    _, both, instead = _turns(shop, "How many orders are there per status?", "and by month", "by country code instead")
    assert shop.rows(both) and all(len(r) == 3 for r in shop.rows(both))
    joined = "SELECT c.country_code, COUNT(*) FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY 1"
    assert sorted(shop.rows(instead)) == sorted(shop.rows(joined))


def test_excluding_a_value_keeps_the_rows_without_one(
    shop: DemoCatalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _, kept = _turns(shop, "How many orders are there per status?", "excluding cancelled")
    assert _rows(shop, kept) == _rows(shop, "SELECT status, COUNT(*) FROM orders WHERE status IS NOT 'cancelled' "
                                            "GROUP BY status")  # fmt: skip


def test_a_new_measure_keeps_the_filters_and_the_ranking(shop: DemoCatalog) -> None:
    *_, average = _turns(shop, "How many orders are there per status?", "only 2025", "top 2",
                         "average total amount instead")  # fmt: skip
    assert shop.rows(average) == shop.rows(
        f"SELECT status, AVG(total_amount) FROM orders WHERE {IN_2025} GROUP BY status "
        "ORDER BY AVG(total_amount) DESC LIMIT 2")  # fmt: skip


def test_which_one_picks_the_top_row_of_the_grouping_it_names(shop: DemoCatalog) -> None:
    *_, best = _turns(shop, "How many orders are there per status?", "which status had the fewest?")
    assert shop.rows(best) == shop.rows("SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY 2 LIMIT 1")


@pytest.mark.parametrize(
    ("first", "follow_up", "named"),
    [
        ("How many orders are there per status?", "only the shiny ones", ["shiny"]),
        # A row per month and status: its top row is not "the month".
        ("How many orders are there per status?", "and by month", None),
        ("How many orders are there?", "average instead", ["average"]),
        ("How many orders are there?", "which month was highest?", ["month"]),
    ],
)
def test_what_cannot_be_applied_is_declined_in_the_users_words(
    shop: DemoCatalog, first: str, follow_up: str, named: list[str] | None
) -> None:
    sql = _turns(shop, first, follow_up)[-1] if named is None else _turns(shop, first)[0]
    text = "which month was highest?" if named is None else follow_up
    with pytest.raises(RefinementDeclined) as declined:
        refine(sql, text, dialect=Dialect.sqlite, model=shop.model, values=shop.values())
    assert declined.value.words == (named or ["month"])


def test_a_question_of_its_own_is_not_a_refinement(shop: DemoCatalog) -> None:
    sql = _turns(shop, "How many orders are there per status?")[0]
    with pytest.raises(NotARefinement):
        refine(sql, "how many are there?", dialect=Dialect.sqlite, model=shop.model, values=shop.values())


def test_each_change_is_said_in_plain_words(shop: DemoCatalog) -> None:
    sql = _turns(shop, "How many orders are there per status?")[0]
    refined = refine(sql, "only 2025, lowest first", dialect=Dialect.sqlite, model=shop.model, values=shop.values())
    assert refined.changes == ["only 2025 (ordered at)", "ordered by the count, lowest first"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("and by league", True), ("only males", True), ("2018 instead", True), ("what about 2024?", True),
     ("and the products", True), ("How many customers are there?", False), ("Total wins per franchise", False),
     ("What is the average salary per year?", False)],
)  # fmt: skip
def test_a_fragment_is_told_from_a_question_of_its_own(text: str, fragment: bool) -> None:
    assert is_fragment(text) is fragment


def test_the_tenants_value_synonyms_are_read_in_a_follow_up(shop: DemoCatalog) -> None:
    def curated(column: ColumnSemantics) -> ColumnSemantics:
        said = {"voided": "cancelled"} if column.name == "status" else {}
        return column.model_copy(update={"value_synonyms": said})

    entities = [e.model_copy(update={"columns": [curated(c) for c in e.columns]}) if e.table == "orders" else e
                for e in shop.model.entities]  # fmt: skip
    model = shop.model.model_copy(update={"entities": entities})
    sql = plan_question("How many orders are there per status?", model, dialect=Dialect.sqlite)
    refined = refine(sql, "excluding voided ones", dialect=Dialect.sqlite, model=model, values=shop.values())
    assert "'cancelled'" in refined.sql and refined.changes == ["leaves out status cancelled"]


def test_a_value_of_the_grouped_column_is_asked_for_and_never_guessed(tmp_path: Path) -> None:
    """ "excluding USA" on players per birth country: birth countries are too many to list, so the grouped column is
    asked whether it holds USA; a value two columns hold is declined, whichever the answer is grouped by."""
    rows = ", ".join(f"('C{i}', 'CAN')" for i in range(60))
    script = (
        "CREATE TABLE people (id INTEGER PRIMARY KEY, birthcountry TEXT, deathcountry TEXT);"
        f"INSERT INTO people (birthcountry, deathcountry) VALUES {rows}, ('USA', 'MEX'), ('USA', NULL);"
    )
    engine, model = sqlite_catalog(tmp_path / "people.sqlite", script)
    values = category_value_lookup(lambda: engine, dialect=Dialect.sqlite, model=model)
    probe = value_probe(lambda: engine, dialect=Dialect.sqlite, model=model)
    sql = "SELECT birthcountry, COUNT(*) FROM people GROUP BY birthcountry"
    refined = refine(sql, "excluding USA", dialect=Dialect.sqlite, model=model, values=values, probe=probe)
    assert "birthcountry <> 'USA'" in refined.sql
    # MEX is a death country the lists show, and could be a birth country: asked, it is not one.
    only = refine(sql, "only MEX", dialect=Dialect.sqlite, model=model, values=values, probe=probe)
    assert "deathcountry = 'MEX'" in only.sql
    with sqlite3.connect(tmp_path / "people.sqlite") as db:
        db.execute("INSERT INTO people (birthcountry, deathcountry) VALUES ('MEX', 'USA')")
    values = category_value_lookup(lambda: engine, dialect=Dialect.sqlite, model=model)
    probe = value_probe(lambda: engine, dialect=Dialect.sqlite, model=model)
    with pytest.raises(RefinementDeclined, match="several columns"):
        refine(sql, "excluding USA", dialect=Dialect.sqlite, model=model, values=values, probe=probe)
    # Unable to ask the grouped column, a listed column's value is not taken on trust.
    with pytest.raises(RefinementDeclined, match="could not be checked"):
        refine(sql, "only MEX", dialect=Dialect.sqlite, model=model, values=values)
    engine.dispose()
