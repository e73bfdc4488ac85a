"""A tenant's source database as the registry accepts it, checked per dialect."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hugdata.tenants.errors import InvalidDataSource
from hugdata.tenants.models import DataSource, Dialect
from hugdata.tenants.vault import CredentialVault

DEFAULT_PORTS = {Dialect.postgresql: 5432, Dialect.mysql: 3306, Dialect.mariadb: 3306}
_HOST = re.compile(r"[A-Za-z0-9._:\[\]-]{1,253}", re.ASCII)


@dataclass(frozen=True)
class DataSourceSpec:
    """What a registration says about the tenant's database; ``password`` is plaintext and never persisted as such."""

    dialect: Dialect
    host: str | None = None
    port: int | None = None
    database: str | None = None
    username: str | None = None
    password: str | None = None
    path: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def normalized(self) -> DataSourceSpec:
        """The spec with defaults filled in and the dialect's rules checked."""
        if self.dialect is Dialect.sqlite:
            if not self.path or "\x00" in self.path or not self.path.startswith("/"):
                raise InvalidDataSource("a sqlite data source needs `path`, an absolute path to the database file")
            if self.host or self.port or self.username or self.password or self.options:
                raise InvalidDataSource(
                    "a sqlite data source takes only `path` (no host, port, username, password or schema patterns)"
                )
            return DataSourceSpec(dialect=self.dialect, path=self.path, options=dict(self.options))
        missing = [name for name in ("host", "database", "username") if not getattr(self, name)]
        if missing:
            raise InvalidDataSource(f"a {self.dialect.value} data source needs {', '.join(missing)}")
        if self.path:
            raise InvalidDataSource(f"`path` is only for sqlite; a {self.dialect.value} source uses host and database")
        if self.options and self.dialect is not Dialect.postgresql:
            raise InvalidDataSource("schema patterns apply to postgresql sources only")
        assert self.host is not None
        if not _HOST.fullmatch(self.host):
            raise InvalidDataSource("`host` must be a hostname or IP address")
        port = self.port if self.port is not None else DEFAULT_PORTS[self.dialect]
        if not 1 <= port <= 65535:
            raise InvalidDataSource("`port` must be between 1 and 65535")
        return DataSourceSpec(
            dialect=self.dialect,
            host=self.host,
            port=port,
            database=self.database,
            username=self.username,
            password=self.password,
            options=dict(self.options),
        )


def apply_spec(row: DataSource, spec: DataSourceSpec, vault: CredentialVault) -> None:
    """Write a normalized spec into a registry row, encrypting the password."""
    row.dialect = spec.dialect
    row.host = spec.host
    row.port = spec.port
    row.database = spec.database
    row.username = spec.username
    row.path = spec.path
    row.options = dict(spec.options)
    row.password_encrypted = vault.encrypt(spec.password) if spec.password else None


def spec_of(row: DataSource, vault: CredentialVault) -> DataSourceSpec:
    """The spec a registry row stands for, password decrypted in memory only."""
    return DataSourceSpec(
        dialect=Dialect(row.dialect),
        host=row.host,
        port=row.port,
        database=row.database,
        username=row.username,
        password=vault.decrypt(row.password_encrypted) if row.password_encrypted else None,
        path=row.path,
        options=dict(row.options or {}),
    )
