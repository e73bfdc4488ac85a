"""One ask cannot take the API's memory: rows far larger than an answer may be (a 100 MB value twenty times on
PostgreSQL, 36 rows of four 6 MiB values on every dialect) are cut before the driver holds them, alone and two
at once, while this process's resident memory is sampled; and every answer is strict JSON."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pymysql
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hugdata.api.app import create_app
from hugdata.api.runtime import ApiRuntime
from hugdata.config import Settings
from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.models import Dialect
from tests.helpers import ADMIN_TOKEN, catalogued
from tests.llm import ScriptedLlm, scripted_llm
from tests.sources import MACHINE_MARIADB, MACHINE_PG, machine_mariadb_database, machine_postgres_database

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MIB = 1024 * 1024
ASK_MEMORY = 32 * MIB
VALUE = 6 * MIB  # a row of four is 24 MiB: far over the answer (4 MiB) and the budget (32 MiB) at 36 rows
HUGE = {
    "postgresql": [
        "SELECT repeat('x', 100000000) AS big FROM generate_series(1, 20)",
        "SELECT a.big, b.big, a.big AS c, b.big AS d FROM docs a, docs b",
        "SELECT ARRAY(SELECT random() FROM generate_series(1, 1000000)) AS numbers",
        "SELECT to_jsonb(ARRAY(SELECT g FROM generate_series(1, 1000000) g)) AS numbers FROM docs",
    ],
    "mariadb": [
        "SELECT a.big, b.big, a.big AS c, b.big AS d FROM docs a, docs b",
        "SELECT REPEAT('x', 1000000) AS a, REPEAT('y', 1000000) AS b, REPEAT('z', 1000000) AS c FROM docs a, docs b",
    ],
    "sqlite": [
        "SELECT a.big, b.big, a.big AS c, b.big AS d FROM docs a, docs b",
        "SELECT printf('%.1000000c', 'x') AS a, printf('%.1000000c', 'y') AS b FROM docs a, docs b",
    ],
}


@contextmanager
def _docs_source(dialect: str, folder: Path) -> Iterator[DataSourceSpec]:
    """A database whose table docs holds six rows of a 6 MiB text."""
    if dialect == "postgresql":
        ddl = (
            "CREATE TABLE docs (id INT PRIMARY KEY, big TEXT); "
            f"INSERT INTO docs SELECT g, repeat('p', {VALUE}) FROM generate_series(1, 6) g"
        )
        with machine_postgres_database(ddl) as database:
            yield DataSourceSpec(dialect=Dialect.postgresql, host=MACHINE_PG["host"], port=MACHINE_PG["port"],
                                 database=database, username=MACHINE_PG["user"])  # fmt: skip
        return
    if dialect == "mariadb":
        with machine_mariadb_database(["CREATE TABLE docs (id INT PRIMARY KEY, big LONGTEXT)"]) as database:
            with pymysql.connect(**MACHINE_MARIADB, database=database, autocommit=True) as conn, conn.cursor() as cur:
                for i in range(6):
                    cur.execute("INSERT INTO docs VALUES (%s, REPEAT('m', %s))", (i, VALUE))
            yield DataSourceSpec(dialect=Dialect.mariadb, host=MACHINE_MARIADB["host"], port=MACHINE_MARIADB["port"],
                                 database=database, username=MACHINE_MARIADB["user"])  # fmt: skip
        return
    path = folder / "docs.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, big TEXT)")
        db.executemany("INSERT INTO docs VALUES (?, ?)", [(i, "s" * VALUE) for i in range(6)])
    yield DataSourceSpec(dialect=Dialect.sqlite, path=str(path))


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with scripted_llm() as url:
        yield url


@pytest.fixture(params=["postgresql", "mariadb", "sqlite"])
def docs(
    request: pytest.FixtureRequest, clean_platform: ApiRuntime, settings: Settings, tmp_path: Path
) -> Iterator[str]:
    with _docs_source(request.param, tmp_path) as spec:
        catalogued(clean_platform, settings.resolved_dagster_home, "big-docs", spec)
        yield request.param


@pytest.fixture
def api(clean_platform: ApiRuntime, llm_url: str) -> Iterator[TestClient]:
    ScriptedLlm.reset()
    update = {
        "llm_base_url": llm_url, "llm_model": "sql-writer", "llm_api_key": SecretStr("sk-x"), "ask_max_tries": 1,
        "ask_max_memory": ASK_MEMORY, "ask_max_result_bytes": 4 * MIB,
    }  # fmt: skip
    runtime = dataclasses.replace(clean_platform, settings=clean_platform.settings.model_copy(update=update))
    with TestClient(create_app(runtime=runtime)) as client:
        yield client


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@contextmanager
def _peak_rss() -> Iterator[Callable[[], int]]:
    """The highest resident memory of this process (the API's, under TestClient) while the block runs."""
    peak, done = [_rss()], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield lambda: peak[0]
    finally:
        done.set()
        sampler.join()


def _ask(api: TestClient, question: str, sql: str) -> tuple[int, str]:
    ScriptedLlm.by_question[question] = sql
    response = api.post("/v1/projects/big-docs/ask", json={"question": question, "max_rows": 1000}, headers=ADMIN)
    return response.status_code, response.text


def _strict(text: str) -> dict[str, object]:
    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return dict(json.loads(text, parse_constant=refuse))


def test_an_ask_far_larger_than_an_answer_raises_the_api_memory_by_less_than_its_budget(
    docs: str, api: TestClient
) -> None:
    # Warm up: the embedding model, the first source connection and the answer path are loaded before measuring.
    status, _ = _ask(api, "warm", "SELECT id FROM docs")
    assert status == 200
    for i, sql in enumerate(HUGE[docs]):
        before = _rss()
        with _peak_rss() as peak:
            status, text = _ask(api, f"huge {i}", sql)
        assert peak() - before < ASK_MEMORY, (sql, (peak() - before) // MIB)
        assert status in (200, 422), (sql, text[:300])
        if status == 200:
            body = _strict(text)
            assert body["truncated_by"] == "max_bytes", sql
            assert len(text) < 4 * MIB + 64 * 1024
        else:
            assert "memory" in text or "cannot interrupt" in text, text[:300]


def test_two_huge_asks_at_once_stay_within_two_budgets(docs: str, api: TestClient) -> None:
    assert _ask(api, "warm", "SELECT id FROM docs")[0] == 200
    sql = HUGE[docs][0] if docs != "postgresql" else HUGE[docs][1]
    before = _rss()
    with _peak_rss() as peak, ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda q: _ask(api, q, sql), ["one", "two"]))
    assert peak() - before < 2 * ASK_MEMORY, (peak() - before) // MIB
    assert all(status in (200, 422) for status, _ in answers), answers


@pytest.mark.parametrize(
    ("docs", "sql", "expected"),
    [
        ("postgresql", "SELECT ARRAY[CAST('NaN' AS DOUBLE PRECISION), CAST('Infinity' AS DOUBLE PRECISION), "
         "CAST('-Infinity' AS DOUBLE PRECISION)] AS a, CAST('NaN' AS NUMERIC) AS b, CAST('Infinity' AS FLOAT) AS c",
         [[["NaN", "Infinity", "-Infinity"], "NaN", "Infinity"]]),
        ("postgresql", "SELECT CAST('{\"a\": [1.5, 2]}' AS JSONB) AS j", [[{"a": [1.5, 2]}]]),
        ("postgresql", "SELECT CAST(repeat('9', 131072) AS NUMERIC) AS n", [["9" * 131072]]),
        ("sqlite", "SELECT 9e999 AS inf, -9e999 AS neg", [["Infinity", "-Infinity"]]),
    ],
    indirect=["docs"],
)  # fmt: skip
def test_non_finite_and_huge_numbers_come_as_strict_json(
    docs: str, api: TestClient, sql: str, expected: list[list[object]]
) -> None:
    status, text = _ask(api, "numbers", sql)
    assert status == 200, text
    assert _strict(text)["rows"] == expected


@pytest.mark.parametrize("docs", ["sqlite"], indirect=True)
def test_the_sqlite_answer_worker_cannot_grow_past_the_ask_budget(docs: str, api: TestClient) -> None:
    # Eight 6 MiB values a row: the worker's address space is capped at the budget (32 MiB), so it fails cleanly.
    wide = ", ".join(f"{t}.big AS {t}{i}" for i in range(4) for t in ("a", "b"))
    status, text = _ask(api, "wide", f"SELECT {wide} FROM docs a, docs b")
    assert status == 422 and "memory" in text, text[:300]
    assert _ask(api, "after", "SELECT count(*) AS n FROM docs")[1].count('"rows":[[6]]') == 1  # a new worker serves


@pytest.mark.parametrize("docs", ["postgresql"], indirect=True)
def test_postgresql_rows_keep_their_order_and_types_under_the_budget(docs: str, api: TestClient) -> None:
    sql = "SELECT g AS n, g * 1.5 AS half, now()::date AS d FROM generate_series(1, 500) g ORDER BY g DESC"
    status, text = _ask(api, "ordered", sql)
    body = _strict(text)
    assert status == 200 and [row[0] for row in body["rows"]] == list(range(500, 0, -1))
    assert body["column_types"] == ["integer", "decimal", "date"] and body["columns"] == ["n", "half", "d"]
    with psycopg.connect(**MACHINE_PG, dbname="postgres") as conn:  # the wrapper left no cursor or session behind
        assert conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hugdata' "
                            "AND state = 'idle in transaction'").fetchone()[0] == 0  # fmt: skip
