"""Rotating the credential key: old keys keep decrypting, and `hugdata secrets reencrypt` moves every password to
the new key so the old one can be dropped."""

import os

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from hugdata.api.runtime import ApiRuntime
from hugdata.cli import main
from hugdata.config import Settings, get_settings
from hugdata.tenants.data_sources import DataSourceSpec, spec_of
from hugdata.tenants.models import DataSource, Dialect
from hugdata.tenants.vault import CredentialDecryptError, CredentialVault
from tests.helpers import CANARY_PASSWORD, register


def test_reencrypt_moves_every_password_to_the_newest_key(
    clean_platform: ApiRuntime, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    old_key = settings.fernet_keys()[0]
    for i in range(3):
        spec = DataSourceSpec(
            dialect=Dialect.postgresql, host="db", database="d", username="u", password=f"{CANARY_PASSWORD}-{i}"
        )
        register(clean_platform, f"rot-{i}", spec)
    register(clean_platform, "rot-sqlite", DataSourceSpec(dialect=Dialect.sqlite, path="/tmp/x.sqlite"))
    new_key = Fernet.generate_key().decode()
    saved = os.environ["HUGDATA_ENCRYPTION_KEYS"]
    os.environ["HUGDATA_ENCRYPTION_KEYS"] = f"{new_key},{old_key}"
    get_settings.cache_clear()
    try:
        assert main(["secrets", "reencrypt"]) == 0
    finally:
        os.environ["HUGDATA_ENCRYPTION_KEYS"] = saved
        get_settings.cache_clear()
    assert '"reencrypted": 3' in capsys.readouterr().out
    only_new, only_old = CredentialVault([new_key]), CredentialVault([old_key])
    with clean_platform.sessions() as session:
        sources = session.scalars(select(DataSource).where(DataSource.password_encrypted.is_not(None))).all()
        assert len(sources) == 3
        for source in sources:
            assert spec_of(source, only_new).password == f"{CANARY_PASSWORD}-{source.project_id[-1]}"
            with pytest.raises(CredentialDecryptError):
                spec_of(source, only_old)
