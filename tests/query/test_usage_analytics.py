"""Usage analytics count the columns questions read, as table.column: an output alias or an ambiguous bare name is
no column."""

import pandas as pd

from hugdata.query.analytics import usage_summary

TOP5 = (
    "SELECT t1.id, t1.name, SUM(t0.total_amount) AS value FROM main.orders AS t0 JOIN main.customers AS t1 "
    "ON t0.customer_id = t1.id GROUP BY t1.id, t1.name ORDER BY value DESC LIMIT 5"
)


def test_top_columns_are_table_columns_not_aliases_or_guesses() -> None:
    log = pd.DataFrame(
        [
            ("2026-12-01T10:00:00Z", TOP5, True, 12, None),
            ("2026-12-01T11:00:00Z", "SELECT id, COUNT(*) AS n FROM orders GROUP BY id ORDER BY n", True, 9, None),
            ("2026-12-02T09:00:00Z", "SELECT id FROM orders JOIN customers ON orders.customer_id = customers.id",
             True, 7, None),
        ],
        columns=["created_at", "sql", "valid", "latency_ms", "error_class"],
    )  # fmt: skip
    counted = {c["column"]: c["uses"] for c in usage_summary(log)["top_columns"]}
    assert counted["orders.id"] == 1 and counted["customers.id"] == 2 and counted["orders.customer_id"] == 2
    assert not {"value", "n", "id"} & set(counted) and all("." in c for c in counted)
