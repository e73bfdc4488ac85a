"""API keys: issued once in plaintext, kept only as a SHA-256 of their secret, resolved to a caller."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hugdata.tenants.errors import KeyNotFound
from hugdata.tenants.models import ApiKey, KeyScope
from hugdata.tenants.registry import get_project

TOKEN_PREFIX = "hdk"


@dataclass(frozen=True)
class Caller:
    """Who is calling: an admin, or the holder of one project's key."""

    scope: KeyScope
    project_id: str | None = None
    key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.scope is KeyScope.admin

    def may_access(self, project_id: str) -> bool:
        """True for admins and for the key of that very project."""
        return self.is_admin or self.project_id == project_id


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str  # shown to the caller once, never stored


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(session: Session, *, project_id: str | None, name: str = "") -> IssuedKey:
    """Create a key for one project, or an admin key when ``project_id`` is None (the caller commits)."""
    if project_id is not None:
        get_project(session, project_id)
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        id=key_id,
        scope=KeyScope.project if project_id else KeyScope.admin,
        project_id=project_id,
        name=name,
        secret_sha256=_sha256(secret),
    )
    session.add(key)
    session.flush()
    return IssuedKey(key=key, token=f"{TOKEN_PREFIX}_{key_id}_{secret}")


def authenticate(session: Session, token: str, *, admin_token: str | None) -> Caller | None:
    """The caller a bearer token stands for, or None when it is unknown, malformed or revoked."""
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Caller(scope=KeyScope.admin)
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or len(key_id) != 16 or not secret:
        return None
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_sha256, _sha256(secret)):
        return None
    return Caller(scope=KeyScope(key.scope), project_id=key.project_id, key_id=key.id)


def project_keys(session: Session, project_id: str) -> list[ApiKey]:
    """The project's keys, revoked ones included, oldest first (their secrets are not stored, so none is shown)."""
    get_project(session, project_id)
    query = select(ApiKey).where(ApiKey.project_id == project_id).order_by(ApiKey.created_at, ApiKey.id)
    return list(session.scalars(query))


def revoke_key(session: Session, *, key_id: str, project_id: str | None = None) -> ApiKey:
    """Refuse the key from now on (the caller commits); revoking a revoked key keeps its first revocation time.
    With ``project_id`` the key must belong to that project, else KeyNotFound, as for an unknown key."""
    key = session.get(ApiKey, key_id)
    if key is None or (project_id is not None and key.project_id != project_id):
        where = f" of project {project_id!r}" if project_id is not None else ""
        raise KeyNotFound(f"no key {key_id!r}{where}")
    if key.revoked_at is None:
        key.revoked_at = session.scalar(select(func.now()))
        session.flush()
    return key
