"""Signatures: HMAC-SHA256 over timestamp + body, refused when altered or stale."""

from hugdata.webhooks.signing import signature, verify


def test_valid_signature_verifies_and_tampering_does_not() -> None:
    body = b'{"run_id":"r1","status":"succeeded"}'
    sig = signature("s3cret", 1_700_000_000, body)
    assert verify("s3cret", 1_700_000_000, body, sig, now=1_700_000_010)
    assert not verify("s3cret", 1_700_000_000, body.replace(b"succeeded", b"failed"), sig, now=1_700_000_010)
    assert not verify("other", 1_700_000_000, body, sig, now=1_700_000_010)
    assert not verify("s3cret", 1_700_000_001, body, sig, now=1_700_000_010)


def test_old_timestamps_are_refused_as_replays() -> None:
    body = b"{}"
    sig = signature("s3cret", 1_700_000_000, body)
    assert not verify("s3cret", 1_700_000_000, body, sig, now=1_700_000_000 + 301)
