"""Relationships in key-less data: run-together lowercase keys, identifying first columns checked over the whole
table, same-named columns confirmed by their values, and a few orphans tolerated, on every dialect."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import SAMPLE_ROWS, profile_source
from hugdata.catalog.semantic import Relationship, infer_relationships
from hugdata.tenants.source_engines import open_source_engine
from tests.sources import copied_source

DIALECTS = ["sqlite", "postgresql", "mysql", "mariadb"]


def _league(path: Path) -> Path:
    """People and their batting lines (no key declared): the first SAMPLE_ROWS batting lines name each player
    once, as a season's lines do, so only the whole table shows ``batting.playerid`` is not unique."""
    players = [f"p{i:04d}" for i in range(SAMPLE_ROWS + 20)]
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE people (playerid TEXT, namefirst TEXT, namelast TEXT);"
            "CREATE TABLE batting (playerid TEXT, yearid INTEGER, hr INTEGER);"
            "CREATE TABLE airlines (carrier TEXT, name TEXT);"
            "CREATE TABLE planes (tailnum TEXT, seats INTEGER);"
            "CREATE TABLE flights (flight INTEGER, carrier TEXT, tailnum TEXT, origin TEXT);"
            "CREATE TABLE lounges (origin TEXT, seats INTEGER);"
        )
        db.executemany("INSERT INTO people VALUES (?, 'A', 'B')", [(p,) for p in players])
        lines = [(p, 1990, 1) for p in players] + [(p, 1991, 2) for p in players[:50]]
        db.executemany("INSERT INTO batting VALUES (?, ?, ?)", lines)
        db.executemany("INSERT INTO airlines VALUES (?, ?)", [("AA", "American"), ("UA", "United"), ("DL", "Delta")])
        db.executemany("INSERT INTO planes VALUES (?, 150)", [(f"N{i}",) for i in range(100)])
        # 2 of the 60 planes flown are missing from the plane list; origins are not lounges' origins at all.
        flights = [(i, ["AA", "UA", "DL"][i % 3], f"N{i}" if i < 58 else f"X{i}", "JFK") for i in range(60)]
        db.executemany("INSERT INTO flights VALUES (?, ?, ?, ?)", flights)
        db.executemany("INSERT INTO lounges VALUES (?, 10)", [("EWR",), ("LGA",), ("BOS",)])
    return path


@pytest.fixture(scope="module")
def league(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _league(tmp_path_factory.mktemp("league") / "league.sqlite")


def _inferred(league: Path, dialect: str) -> dict[tuple[str, str], Relationship]:
    with copied_source(dialect, league) as spec:
        engine = open_source_engine(spec)
        try:
            snapshot = profile_source(engine, introspect_schema(engine, dialect=spec.dialect.value))
        finally:
            engine.dispose()
    return {(r.from_entity.split(".")[-1], r.from_columns[0]): r for r in infer_relationships(snapshot)}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_key_less_tables_link_by_run_together_keys_and_same_named_identifiers(league: Path, dialect: str) -> None:
    links = _inferred(league, dialect)
    # batting.playerid looks unique in its sample; the whole table says it is the child, people the parent.
    assert (links[("batting", "playerid")].to_entity.split(".")[-1], links[("batting", "playerid")].to_columns) == (
        "people",
        ["playerid"],
    )
    assert ("people", "playerid") not in links
    carrier = links[("flights", "carrier")]
    assert carrier.to_entity.endswith("airlines") and "all 3 sampled values found" in carrier.evidence
    # Same name, values elsewhere: flights' origins are not lounges' origins, so no link.
    assert ("flights", "origin") not in links


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_few_orphans_still_link_with_less_confidence_and_say_so(league: Path, dialect: str) -> None:
    tailnum = _inferred(league, dialect)[("flights", "tailnum")]
    assert tailnum.to_entity.endswith("planes") and "58 of 60 sampled values found" in tailnum.evidence
    assert tailnum.confidence < 0.9


def test_too_many_orphans_link_nothing(tmp_path: Path) -> None:
    path = _league(tmp_path / "league.sqlite")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE flights SET tailnum = 'Z' || flight WHERE flight >= 50")  # 10 of 60 unknown
    assert ("flights", "tailnum") not in _inferred(path, "sqlite")
