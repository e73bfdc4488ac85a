"""The outbox: every event is delivered, signed, at least once, after the receiver comes back."""

import httpx
import pytest
from sqlalchemy import func, select, update

from hugdata.api.runtime import ApiRuntime
from hugdata.webhooks.delivery import deliver_due
from hugdata.webhooks.outbox import WebhookEvent, backoff, enqueue
from tests.helpers import WEBHOOK_SECRET, register
from tests.webhooks.receiver import webhook_receiver


def _event(runtime: ApiRuntime, project_id: str, run_id: str, status: str) -> bool:
    with runtime.sessions() as session:
        added = enqueue(
            session,
            event_id=f"{run_id}:{status}",
            project_id=project_id,
            payload={"event_id": f"{run_id}:{status}", "project_id": project_id, "run_id": run_id, "status": status},
        )
        session.commit()
        return added


def _deliver(runtime: ApiRuntime, default_url: str | None = None):  # type: ignore[no-untyped-def]
    with httpx.Client(timeout=5) as http:
        return deliver_due(runtime.sessions, http=http, secret=WEBHOOK_SECRET, default_url=default_url)


def _time_passes(runtime: ApiRuntime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(update(WebhookEvent).values(next_attempt_at=func.now()))


def test_events_are_delivered_signed_to_the_projects_url(clean_platform: ApiRuntime) -> None:
    with webhook_receiver(WEBHOOK_SECRET) as receiver:
        register(clean_platform, "acme", webhook_url=receiver.url)
        assert _event(clean_platform, "acme", "run-1", "started")
        assert not _event(clean_platform, "acme", "run-1", "started")  # a repeated producer adds nothing
        _event(clean_platform, "acme", "run-1", "succeeded")
        report = _deliver(clean_platform, default_url="http://127.0.0.1:9/never-used")
    assert (report.delivered, report.failed) == (2, 0)
    assert [(e["run_id"], e["status"]) for e in receiver.events] == [("run-1", "started"), ("run-1", "succeeded")]
    assert receiver.events[0]["_event_id_header"] == "run-1:started" and receiver.bad_signatures == 0


def test_a_receiver_that_is_down_gets_every_event_when_it_comes_back(clean_platform: ApiRuntime) -> None:
    with webhook_receiver(WEBHOOK_SECRET) as receiver:
        register(clean_platform, "acme")
        for i in range(3):
            _event(clean_platform, "acme", f"run-{i}", "succeeded")
        receiver.failing = True
        assert _deliver(clean_platform, default_url=receiver.url).failed == 3
        assert _deliver(clean_platform, default_url=receiver.url).delivered == 0  # backing off: nothing is due
        with clean_platform.sessions() as session:
            attempts = session.scalars(select(WebhookEvent.attempts)).all()
        assert attempts == [1, 1, 1]
        receiver.failing = False
        _time_passes(clean_platform)
        assert _deliver(clean_platform, default_url=receiver.url).delivered == 3
        assert _deliver(clean_platform, default_url=receiver.url).delivered == 0  # delivered once, not again
    assert sorted(e["run_id"] for e in receiver.events) == ["run-0", "run-1", "run-2"]


def test_a_failed_delivery_is_a_log_line_of_its_project_without_the_url(
    clean_platform: ApiRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    with webhook_receiver(WEBHOOK_SECRET) as receiver:
        register(clean_platform, "acme")
        _event(clean_platform, "acme", "run-9", "failed")
        receiver.failing = True
        with caplog.at_level("WARNING", logger="hugdata.webhooks"):
            assert _deliver(clean_platform, default_url=f"{receiver.url}?token=receiver-secret-42").failed == 1
    [line] = [r for r in caplog.records if r.name == "hugdata.webhooks.delivery"]
    assert line.project_id == "acme" and "run-9:failed" in line.getMessage()  # type: ignore[attr-defined]
    assert "receiver answered 5" in line.getMessage() and "receiver-secret-42" not in line.getMessage()


def test_events_wait_when_no_url_is_configured(clean_platform: ApiRuntime) -> None:
    register(clean_platform, "acme")
    _event(clean_platform, "acme", "run-1", "failed")
    assert _deliver(clean_platform).skipped == 1
    with clean_platform.sessions() as session:
        assert session.scalar(select(func.count()).where(WebhookEvent.delivered_at.is_(None))) == 1


@pytest.mark.parametrize(("attempts", "low", "high"), [(1, 0.8, 1.2), (4, 6.4, 9.6), (30, 240, 360)])
def test_backoff_grows_exponentially_and_is_capped(attempts: int, low: float, high: float) -> None:
    assert low <= backoff(attempts).total_seconds() <= high
