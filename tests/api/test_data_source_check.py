"""Connection checks through the API, on every server dialect: what works (version, tables, read-only confirmed),
warnings for credentials that could write, the classified cause when a source cannot be read; registration and
updates refuse an unreadable source only when asked to check."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from hugdata.api.runtime import ApiRuntime
from hugdata.tenants.data_sources import DataSourceSpec
from tests.helpers import ADMIN_TOKEN, CANARY_PASSWORD, register
from tests.sources import MACHINE_MARIADB, MACHINE_PG, demo_source, machine_mariadb_database

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _body(spec: DataSourceSpec) -> dict[str, object]:
    fields = {"dialect": spec.dialect.value, "host": spec.host, "port": spec.port, "database": spec.database,
              "username": spec.username, "password": spec.password, "path": spec.path}  # fmt: skip
    return {k: v for k, v in fields.items() if v is not None}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql", "mariadb"])
def test_a_readable_source_reports_what_the_platform_can_see(dialect: str, client: TestClient, tmp_path: Path) -> None:
    with demo_source(dialect, "demo-shop", tmp_path) as spec:
        response = client.post("/v1/data-sources/check", json=_body(spec), headers=ADMIN)
    assert response.status_code == 200, response.text
    check = response.json()
    assert check["ok"] is True and check["error"] is None and check["tables"] == 6 and check["read_only"] is True
    assert check["server_version"].split()[0] in {"SQLite", "PostgreSQL", "MariaDB"}
    # The machine's servers are reached as a superuser and as root: exactly what a tenant should not hand over.
    if dialect == "postgresql":
        assert check["schemas"] == ["public"] and "superuser" in check["warnings"][0]
    elif dialect in ("mysql", "mariadb"):
        assert "server-wide privileges" in check["warnings"][0]
    else:
        assert check["warnings"] == []


@pytest.fixture
def read_only_postgres_role(tmp_path: Path) -> Iterator[DataSourceSpec]:
    role = f"hd_reader_{secrets.token_hex(3)}"
    with demo_source("postgresql", "demo-shop", tmp_path) as spec:
        with psycopg.connect(**MACHINE_PG, dbname=spec.database, autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {role} LOGIN")
            admin.execute(f"REVOKE CREATE ON DATABASE {spec.database} FROM PUBLIC")
            admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        try:
            yield DataSourceSpec(dialect=spec.dialect, host=spec.host, port=spec.port, database=spec.database,
                                 username=role)  # fmt: skip
        finally:
            with psycopg.connect(**MACHINE_PG, dbname=spec.database, autocommit=True) as admin:
                admin.execute(f"DROP OWNED BY {role}")
                admin.execute(f"DROP ROLE {role}")


def test_a_read_only_role_gets_no_warning_and_a_writing_one_does(
    client: TestClient, read_only_postgres_role: DataSourceSpec
) -> None:
    reader = client.post("/v1/data-sources/check", json=_body(read_only_postgres_role), headers=ADMIN).json()
    assert reader["ok"] and reader["warnings"] == [] and reader["tables"] == 6
    with machine_mariadb_database(["CREATE TABLE t (id INT)"], user_password=CANARY_PASSWORD) as database:
        writer = client.post(
            "/v1/data-sources/check",
            json={
                "dialect": "mariadb",
                "host": MACHINE_MARIADB["host"],
                "port": MACHINE_MARIADB["port"],
                "database": database,
                "username": database,
                "password": CANARY_PASSWORD,
            },  # fmt: skip
            headers=ADMIN,
        )
    assert writer.status_code == 200 and writer.json()["ok"]
    assert "may write (INSERT)" in writer.json()["warnings"][0] and CANARY_PASSWORD not in writer.text


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        (
            {
                "dialect": "postgresql",
                "host": "127.0.0.1",
                "port": 5432,
                "database": "hd_missing",
                "username": "postgres",
                "password": CANARY_PASSWORD,
            },
            "unknown_database",
        ),  # fmt: skip
        ({"dialect": "mariadb", "host": "127.0.0.1", "database": "hd_missing", "username": "root"}, "unknown_database"),
        ({"dialect": "mysql", "host": "hd-nowhere.invalid", "database": "x", "username": "u"}, "unknown_host"),
        ({"dialect": "postgresql", "host": "127.0.0.1", "port": 1, "database": "x", "username": "u"}, "refused"),
        ({"dialect": "sqlite", "path": "/nonexistent/hd/shop.db"}, "unknown_database"),
    ],
)
def test_an_unreadable_source_says_why(source: dict, kind: str, client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post("/v1/data-sources/check", json=source, headers=ADMIN)
    assert response.status_code == 200
    check = response.json()
    assert check["ok"] is False and check["error"]["kind"] == kind
    where = source.get("path") or f"{source['host']}:{source.get('port', 3306)}/{source['database']}"
    assert where in check["error"]["message"] and CANARY_PASSWORD not in response.text


def test_registration_refuses_an_unreadable_source_only_when_asked_to_check(
    client: TestClient, clean_platform: ApiRuntime, tmp_path: Path
) -> None:
    missing = {"dialect": "sqlite", "path": str(tmp_path / "not-there.db")}
    checked = client.post("/v1/projects", json={"id": "chk", "name": "c", "data_source": missing, "check": True},
                          headers=ADMIN)  # fmt: skip
    assert checked.status_code == 422
    assert checked.json()["detail"].startswith(f"the data source cannot be read: sqlite database at {missing['path']}")
    assert client.get("/v1/projects/chk", headers=ADMIN).status_code == 404  # nothing was stored
    # Laravel may register before the customer's firewall opens: without `check` the project is accepted.
    assert client.post("/v1/projects", json={"id": "chk", "name": "c", "data_source": missing},
                       headers=ADMIN).status_code == 201  # fmt: skip
    project_check = client.post("/v1/projects/chk/data-source/check", headers=ADMIN).json()
    assert project_check["ok"] is False and project_check["error"]["kind"] == "unknown_database"
    with demo_source("sqlite", "demo-shop", tmp_path) as spec:
        fixed = client.patch("/v1/projects/chk", json={"data_source": _body(spec), "check": True}, headers=ADMIN)
        assert fixed.status_code == 200 and fixed.json()["data_source"]["path"] == spec.path
        assert client.post("/v1/projects/chk/data-source/check", headers=ADMIN).json()["ok"] is True
    broken = client.patch("/v1/projects/chk", json={"data_source": missing, "check": True}, headers=ADMIN)
    assert (
        broken.status_code == 422
        and client.get("/v1/projects/chk", headers=ADMIN).json()["data_source"]["path"] == spec.path
    )


def test_only_admins_check_sources(client: TestClient, clean_platform: ApiRuntime) -> None:
    register(clean_platform, "acme")
    token = client.post("/v1/projects/acme/keys", json={}, headers=ADMIN).json()["token"]
    key = {"Authorization": f"Bearer {token}"}
    assert client.post("/v1/projects/acme/data-source/check", headers=key).status_code == 403
    assert (
        client.post("/v1/data-sources/check", json={"dialect": "sqlite", "path": "/x.db"}, headers=key).status_code
        == 403
    )
