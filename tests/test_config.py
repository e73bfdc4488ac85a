"""Settings: safe local defaults, and no placeholder secrets in production."""

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from hugdata.config import Settings, with_local_secrets

PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql://hugdata@db/hugdata",
    "dagster_database_url": "postgresql+psycopg2://dagster@db/dagster",
    "admin_token": "a-long-enough-random-admin-token-value",
    "encryption_keys": "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY=",
}


@pytest.fixture(autouse=True)
def no_hugdata_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests describe settings from scratch, not the test session's platform."""
    for key in list(os.environ):
        if key.startswith("HUGDATA_"):
            monkeypatch.delenv(key)


def test_local_secrets_are_generated_once_owner_only_and_reused(tmp_path: Path) -> None:
    first = with_local_secrets(Settings(state_dir=tmp_path))
    second = with_local_secrets(Settings(state_dir=tmp_path))
    assert first.admin_token is not None and second.admin_token is not None
    assert first.admin_token.get_secret_value() == second.admin_token.get_secret_value()
    mode = (tmp_path / "secrets.json").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_two_state_folders_get_different_secrets(tmp_path: Path) -> None:
    a = with_local_secrets(Settings(state_dir=tmp_path / "a")).admin_token
    b = with_local_secrets(Settings(state_dir=tmp_path / "b")).admin_token
    assert a is not None and b is not None and a.get_secret_value() != b.get_secret_value()


def test_production_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in PRODUCTION.items():
        monkeypatch.setenv(f"HUGDATA_{key.upper()}", value)
    settings = Settings()
    assert settings.environment == "production"
    assert with_local_secrets(settings) is settings


@pytest.mark.parametrize("missing", ["database_url", "dagster_database_url"])
def test_production_refuses_missing_database_urls(missing: str) -> None:
    values = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ValidationError, match=f"HUGDATA_{missing.upper()}"):
        Settings(**values)


@pytest.mark.parametrize("missing", ["admin_token", "encryption_keys"])
def test_a_process_may_lack_the_secrets_it_does_not_read_but_the_api_refuses_to_start_without_its_own(
    missing: str,
) -> None:
    from hugdata.api.runtime import build_runtime

    settings = Settings(**{k: v for k, v in PRODUCTION.items() if k != missing})  # a run pod, a daemon
    assert settings.missing_api_secrets() == [f"HUGDATA_{missing.upper()}"]
    with pytest.raises(RuntimeError, match=f"HUGDATA_{missing.upper()}"):
        build_runtime(settings)  # before it connects to anything
    assert Settings(**PRODUCTION).missing_api_secrets() == []


def test_production_refuses_placeholder_admin_token() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(**{**PRODUCTION, "admin_token": "changeme"})


def test_durations_read_as_seconds_or_iso_8601(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    monkeypatch.setenv("HUGDATA_ANSWER_CACHE_TTL", "600")
    monkeypatch.setenv("HUGDATA_CATALOG_MAX_AGE", "PT48H")
    settings = Settings()
    assert settings.answer_cache_ttl == timedelta(minutes=10) and settings.catalog_max_age == timedelta(hours=48)
    monkeypatch.setenv("HUGDATA_CATALOG_MAX_AGE", "two days")
    with pytest.raises(ValueError, match="catalog_max_age"):
        Settings()
