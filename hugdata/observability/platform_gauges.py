"""Gauges read at scrape time with bounded queries: the webhook outbox's backlog and its oldest pending event, and
the API's database pool."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from hugdata.webhooks.outbox import WebhookEvent


class PlatformGauges(Collector):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        # One aggregate over the undelivered rows only; delivered rows are most of the table and are left out.
        with self._engine.connect() as connection:
            pending, oldest = connection.execute(
                select(func.count(), func.min(WebhookEvent.created_at)).where(WebhookEvent.delivered_at.is_(None))
            ).one()
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("hugdata_webhook_outbox_pending", "webhook events not delivered yet", value=pending)
        yield GaugeMetricFamily(
            "hugdata_webhook_outbox_oldest_pending_age_seconds",
            "age of the oldest undelivered webhook event (0 when none)",
            value=max(age, 0.0),
        )
        pool = self._engine.pool
        in_use = GaugeMetricFamily("hugdata_db_pool_connections", "the API's platform database pool", labels=["state"])
        in_use.add_metric(["in_use"], float(getattr(pool, "checkedout", lambda: 0)()))
        in_use.add_metric(["size"], float(getattr(pool, "size", lambda: 0)()))
        yield in_use
