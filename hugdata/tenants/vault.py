"""Encryption of tenant credentials at rest, with rotatable keys."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CredentialDecryptError(Exception):
    """A stored credential could not be decrypted with any configured key."""


class CredentialVault:
    """Encrypts with the newest key; decrypts with any configured key, so old keys keep working after rotation."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("the credential vault needs at least one key")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext of ``plaintext`` under the newest key."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """The plaintext; raises `CredentialDecryptError` without revealing the ciphertext."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise CredentialDecryptError("stored credential cannot be decrypted with the configured keys") from None

    def reencrypt(self, ciphertext: str) -> str:
        """The same secret encrypted under the newest key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise CredentialDecryptError("stored credential cannot be decrypted with the configured keys") from None
