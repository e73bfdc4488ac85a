"""Run status webhooks to HugData's Laravel backend: an outbox table, signed deliveries, retries with backoff."""
