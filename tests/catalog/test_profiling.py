"""The data profile taken with the schema: numbers stored as text, category values, row counts without
statistics; none of it changes the schema's fingerprint."""

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import build_semantic_model
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import MACHINE_PG, machine_postgres_database

SHOP = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT, country TEXT, zip TEXT);
CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer (id),
                      "InvoiceDate" DATETIME, "Total" TEXT, status TEXT);
"""


def _shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(SHOP)
        for i in range(1, 61):
            db.execute(
                "INSERT INTO customer VALUES (?, ?, ?, ?)",
                (i, f"c{i}@x.example", ["NO", "SE", "DK"][i % 3], f"{1000 + i}"),
            )
            db.execute(
                "INSERT INTO invoice VALUES (?, ?, '2024-01-02 10:00:00', ?, ?)",
                (i, i, f"{i * 1.5:.2f}", ["paid", "open"][i % 2]),
            )
    return path


def test_a_money_column_stored_as_text_becomes_a_numeric_money_measure(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{_shop(tmp_path)}")
    plain = introspect_schema(engine, dialect="sqlite")
    unprofiled = build_semantic_model(plain).entity("main.invoice")
    profiled = build_semantic_model(profile_source(engine, plain)).entity("main.invoice")
    assert unprofiled is not None and profiled is not None
    assert {c.name: c.role for c in unprofiled.columns}["Total"] == "dimension"
    total = next(c for c in profiled.columns if c.name == "Total")
    assert (total.role, total.numeric_text, total.money) == ("measure", True, True)
    assert "cast before arithmetic" in total.description
    # a zip code is numeric text too, but no measure
    customer = build_semantic_model(profile_source(engine, plain)).entity("main.customer")
    assert {c.name: c.role for c in customer.columns}["zip"] == "dimension"  # type: ignore[union-attr]


def test_category_values_are_kept_but_never_for_personal_columns(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{_shop(tmp_path)}")
    snapshot = profile_source(engine, introspect_schema(engine, dialect="sqlite"))
    customer = snapshot.table("main.customer")
    assert customer is not None
    assert sorted(customer.column_profile("country").values) == ["DK", "NO", "SE"]  # type: ignore[union-attr]
    assert customer.column_profile("email").values == []  # type: ignore[union-attr]
    assert customer.column_profile("zip").values == []  # 60 distinct in 60 rows: no category  # type: ignore[union-attr]
    assert snapshot.fingerprint() == introspect_schema(engine, dialect="sqlite").fingerprint()


def test_a_never_analyzed_postgres_table_is_counted_and_says_so() -> None:
    ddl = (
        "CREATE TABLE events (id bigint PRIMARY KEY, kind text); "
        "INSERT INTO events SELECT g, 'k' FROM generate_series(1, 1234) g;"
    )
    with machine_postgres_database(ddl, analyze=False) as database:
        spec = DataSourceSpec(dialect=Dialect.postgresql, host=MACHINE_PG["host"], port=MACHINE_PG["port"],
                              database=database, username=MACHINE_PG["user"])  # fmt: skip
        engine = open_source_engine(spec)
        try:
            plain = introspect_schema(engine, dialect="postgresql")
            events = profile_source(engine, plain).table("public.events")
        finally:
            engine.dispose()
    assert plain.table("public.events").row_estimate is None  # type: ignore[union-attr]
    assert events is not None and (events.row_estimate, events.row_estimate_source) == (1234, "count")


def test_a_lost_connection_fails_the_profile_but_an_unreadable_table_only_skips_it(tmp_path: Path) -> None:
    import pytest
    from sqlalchemy.exc import DBAPIError

    from hugdata.catalog import profiling

    class Lost(Exception):
        pass

    lost = DBAPIError("SELECT 1", {}, Lost("server closed the connection"), connection_invalidated=True)
    with pytest.raises(DBAPIError):
        profiling._skip_or_raise(lost, "sample")
    denied = DBAPIError("SELECT 1", {}, Lost("permission denied for table secrets"))
    profiling._skip_or_raise(denied, "sample")  # logged, not raised
