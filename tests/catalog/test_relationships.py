"""Undeclared relationships: named like keys, confirmed or refuted by the source's own values."""

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.relationships import column_prefix, relationship_candidates
from hugdata.catalog.schema import SchemaSnapshot
from hugdata.catalog.semantic import infer_relationships

# No key is declared anywhere, as in TPC-H's and many warehouses' DDL.
UNDECLARED = """
CREATE TABLE business (business_id TEXT, name TEXT, city TEXT);
CREATE TABLE review (review_id TEXT, business_id TEXT, stars INTEGER);
CREATE TABLE customer (c_custkey INTEGER, c_name TEXT, c_acctbal REAL);
CREATE TABLE orders (o_orderkey INTEGER, o_custkey INTEGER, o_totalprice REAL, o_orderdate DATE);
CREATE TABLE date_dim (d_date_sk INTEGER, d_date DATE, d_year INTEGER);
CREATE TABLE store_sales (ss_sold_date_sk INTEGER, ss_item_sk INTEGER, ss_net_paid REAL);
CREATE TABLE checkin (checkin_id INTEGER, business_id TEXT, day TEXT);
INSERT INTO business VALUES ('b1', 'Cafe', 'Oslo'), ('b2', 'Bar', 'Bergen'), ('b3', 'Deli', 'Oslo');
INSERT INTO review VALUES ('r1', 'b1', 5), ('r2', 'b2', 3), ('r3', 'b1', 4);
INSERT INTO customer VALUES (1, 'Ann', 10.5), (2, 'Bo', -3.0);
INSERT INTO orders VALUES (10, 1, 99.5, '2024-01-02'), (11, 2, 5.0, '2024-02-03'), (12, 1, 7.25, '2024-03-04');
INSERT INTO date_dim VALUES (100, '2024-01-01', 2024), (101, '2024-01-02', 2024);
INSERT INTO store_sales VALUES (100, 7, 1.5), (101, 8, 2.5);
-- checkin's business ids are not businesses at all: the names agree, the values do not
INSERT INTO checkin VALUES (1, 'x9', 'Mon'), (2, 'x8', 'Tue');
"""


def _snapshot(tmp_path: Path, ddl: str = UNDECLARED) -> tuple[SchemaSnapshot, SchemaSnapshot]:
    path = tmp_path / "source.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(ddl)
    engine = create_engine(f"sqlite:///{path}")
    plain = introspect_schema(engine, dialect="sqlite")
    return plain, profile_source(engine, plain)


def _links(snapshot: SchemaSnapshot) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (r.from_entity.split(".")[1], r.from_columns[0]): (r.to_entity.split(".")[1], r.to_columns[0])
        for r in infer_relationships(snapshot)
    }


def test_same_named_prefixed_and_role_named_keys_are_inferred_without_declared_keys(tmp_path: Path) -> None:
    _, profiled = _snapshot(tmp_path)
    links = _links(profiled)
    assert links[("review", "business_id")] == ("business", "business_id")
    assert links[("orders", "o_custkey")] == ("customer", "c_custkey")
    assert links[("store_sales", "ss_sold_date_sk")] == ("date_dim", "d_date_sk")
    # a table's own identifier is not a reference, and a key with no parent table links nowhere
    assert ("customer", "c_custkey") not in links and ("store_sales", "ss_item_sk") not in links


def test_a_candidate_whose_values_are_missing_from_the_parent_is_dropped(tmp_path: Path) -> None:
    plain, profiled = _snapshot(tmp_path)
    assert ("checkin", "business_id") in {
        (c.child.split(".")[1], c.child_column) for c in relationship_candidates(plain)
    }
    assert ("checkin", "business_id") not in _links(profiled)
    check = next(c for c in profiled.value_checks if c.child.endswith("checkin"))
    assert (check.sampled, check.found) == (2, 0)


def test_confirmed_links_carry_confidence_and_evidence(tmp_path: Path) -> None:
    plain, profiled = _snapshot(tmp_path)
    unchecked = {(r.from_entity, r.from_columns[0]): r for r in infer_relationships(plain)}
    confirmed = {(r.from_entity, r.from_columns[0]): r for r in infer_relationships(profiled)}
    key = ("main.review", "business_id")
    assert "values not checked" in unchecked[key].evidence
    assert "all 2 sampled values found in the parent" in confirmed[key].evidence
    assert confirmed[key].confidence > unchecked[key].confidence


def test_column_prefix_is_the_one_most_columns_share(tmp_path: Path) -> None:
    plain, _ = _snapshot(tmp_path)
    assert column_prefix(plain.table("main.orders")) == "o_"  # type: ignore[arg-type]
    assert column_prefix(plain.table("main.business")) == ""  # type: ignore[arg-type]


def test_two_equally_named_parents_link_neither(tmp_path: Path) -> None:
    ddl = """
    CREATE TABLE crm_account (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE billing_account (id INTEGER PRIMARY KEY, iban TEXT);
    CREATE TABLE invoice (id INTEGER PRIMARY KEY, account_id INTEGER);
    INSERT INTO crm_account VALUES (1, 'a'); INSERT INTO billing_account VALUES (1, 'x');
    INSERT INTO invoice VALUES (5, 1);
    """
    _, profiled = _snapshot(tmp_path, ddl)
    assert ("invoice", "account_id") not in _links(profiled)
