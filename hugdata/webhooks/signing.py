"""HMAC-SHA256 signatures over timestamp + body, so the receiver can check origin and freshness."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-HugData-Signature"
TIMESTAMP_HEADER = "X-HugData-Timestamp"
EVENT_ID_HEADER = "X-HugData-Event-Id"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}.{body}"`` with the shared secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: int, body: bytes, received: str, *, now: int, tolerance_s: int = 300) -> bool:
    """True when ``received`` is the signature of this body and the timestamp is recent (replays are refused)."""
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), received)
