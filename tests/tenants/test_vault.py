"""Credentials at rest: encrypted, and still readable after a key rotation."""

import pytest
from cryptography.fernet import Fernet

from hugdata.tenants.vault import CredentialDecryptError, CredentialVault


def test_ciphertext_does_not_contain_the_password() -> None:
    vault = CredentialVault([Fernet.generate_key().decode()])
    ciphertext = vault.encrypt("hunter2-canary")
    assert "hunter2" not in ciphertext
    assert vault.decrypt(ciphertext) == "hunter2-canary"


def test_old_key_still_decrypts_after_rotation_and_reencrypt_moves_to_new_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = CredentialVault([old]).encrypt("pw")
    rotated = CredentialVault([new, old])
    assert rotated.decrypt(stored) == "pw"
    moved = rotated.reencrypt(stored)
    assert CredentialVault([new]).decrypt(moved) == "pw"


def test_unknown_key_fails_without_echoing_the_ciphertext() -> None:
    stored = CredentialVault([Fernet.generate_key().decode()]).encrypt("pw")
    with pytest.raises(CredentialDecryptError) as raised:
        CredentialVault([Fernet.generate_key().decode()]).decrypt(stored)
    assert stored not in str(raised.value)
