"""Key rotation for stored credentials: every password re-encrypted under the newest key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hugdata.tenants.models import DataSource
from hugdata.tenants.vault import CredentialVault

BATCH = 500


def reencrypt_credentials(session: Session, vault: CredentialVault) -> int:
    """Re-encrypt every stored data-source password with the vault's newest key; returns how many (commits per
    batch, so a long rotation holds no long lock and a re-run picks up where it stopped)."""
    done = 0
    after = ""
    while True:
        sources = session.scalars(
            select(DataSource)
            .where(DataSource.password_encrypted.is_not(None), DataSource.project_id > after)
            .order_by(DataSource.project_id)
            .limit(BATCH)
            .with_for_update()
        ).all()
        if not sources:
            return done
        for source in sources:
            assert source.password_encrypted is not None
            source.password_encrypted = vault.reencrypt(source.password_encrypted)
        after = sources[-1].project_id
        done += len(sources)
        session.commit()
