"""Sending outbox events: one signed POST each, retried with backoff until the receiver answers 2xx."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session, sessionmaker

from hugdata.observability.api_metrics import WEBHOOK_DELIVERIES
from hugdata.tenants.models import Project
from hugdata.webhooks.outbox import WebhookEvent, claim_due, mark_delivered, mark_failed
from hugdata.webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int
    skipped: int


def _target(session: Session, event: WebhookEvent, default_url: str | None) -> str | None:
    project = session.get(Project, event.project_id)
    return (project.webhook_url if project is not None else None) or default_url


def deliver_due(
    sessions: sessionmaker[Session], *, http: httpx.Client, secret: str, default_url: str | None, batch: int = 50
) -> DeliveryReport:
    """Send every due event once; failures are rescheduled with backoff. Safe to run in several processes."""
    delivered = failed = skipped = 0
    with sessions() as session:
        for event in claim_due(session, limit=batch):
            url = _target(session, event, default_url)
            if url is None:
                # Nowhere to send yet: keep it and look again later, so setting a URL delivers the backlog.
                mark_failed(event, "no webhook URL configured for the project or the platform")
                skipped += 1
                continue
            body = json.dumps(event.payload, separators=(",", ":"), sort_keys=True).encode()
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                EVENT_ID_HEADER: event.event_id,
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: signature(secret, timestamp, body),
            }
            try:
                response = http.post(url, content=body, headers=headers)
                if 200 <= response.status_code < 300:
                    mark_delivered(event)
                    delivered += 1
                    continue
                cause = f"receiver answered {response.status_code}"
            except httpx.HTTPError as exc:
                cause = type(exc).__name__  # never the URL: it may carry the receiver's own token
            mark_failed(event, cause)
            # One line per failed attempt (backoff bounds them), none per delivery: their count is in the metrics.
            log.warning("webhook %s not delivered (attempt %d): %s", event.event_id, event.attempts, cause,
                        extra={"project_id": event.project_id})  # fmt: skip
            failed += 1
        session.commit()
    if delivered:
        WEBHOOK_DELIVERIES.labels("delivered").inc(delivered)
    if failed or skipped:
        WEBHOOK_DELIVERIES.labels("failed").inc(failed + skipped)
    return DeliveryReport(delivered=delivered, failed=failed, skipped=skipped)


class WebhookDispatcher:
    """A background thread in the API process that drains the outbox every ``interval_s`` seconds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        secret: str,
        default_url: str | None,
        interval_s: float = 1.0,
        timeout_s: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._secret = secret
        self._default_url = default_url
        self._interval_s = interval_s
        self._http = httpx.Client(timeout=timeout_s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-dispatcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._http.close()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                deliver_due(self._sessions, http=self._http, secret=self._secret, default_url=self._default_url)
            except Exception as exc:  # the database may be down; the next tick tries again
                log.warning("webhook delivery tick failed: %s", type(exc).__name__)
