"""Reading an answer's rows off a driver cursor: one row at a time or in batches, stopping at a row cap or a byte cap.

Shared by the API process (PostgreSQL, MySQL/MariaDB) and the SQLite worker process, so both count bytes the same way.
"""

from __future__ import annotations

from typing import Any, Literal

from hugdata.query.results import encoded_size, json_value, value_type

TruncatedBy = Literal["max_rows", "max_bytes"]
FIRST_BATCH = 8  # small: a server computes every row a fetch asks for, even past the budget
MAX_BATCH = 500
# What a value costs in memory beyond its JSON text: a Python object and a list slot (a Decimal is ~100 bytes).
VALUE_OVERHEAD_BYTES = 48


class RowReader:
    """Fetches rows in batches sized to the bytes left, keeping columns, types and the reason reading stopped."""

    def __init__(self, *, max_rows: int, max_bytes: int, max_memory: int | None = None) -> None:
        self.max_rows, self.max_bytes = max_rows, max_bytes
        # Many small values cost far more as Python objects than as JSON: both totals are capped.
        self.max_memory = max_memory if max_memory is not None else 4 * max_bytes
        self._memory = 0
        self.columns: list[str] = []
        self.rows: list[list[Any]] = []
        self.types: list[set[str]] = []
        self.truncated_by: TruncatedBy | None = None
        self._bytes = 0

    def start(self, description: Any) -> None:
        """Take the column names from a DB-API ``cursor.description``."""
        self.columns = [str(d[0]) for d in description or []]
        self.types = [set() for _ in self.columns]

    def add(self, row: Any) -> bool:
        """Keep ``row`` if it fits under both caps; False (with the reason set) once reading must stop."""
        if len(self.rows) == self.max_rows:
            self.truncated_by = "max_rows"
            return False
        size = sum(encoded_size(json_value(v)) + 1 for v in row) + 2
        memory = size + VALUE_OVERHEAD_BYTES * (len(row) + 1)
        if self._bytes + size > self.max_bytes or self._memory + memory > self.max_memory:
            self.truncated_by = "max_bytes"
            return False
        self._bytes += size
        self._memory += memory
        self.rows.append(list(row))
        for seen, value in zip(self.types, row, strict=False):
            if (kind := value_type(value)) is not None:
                seen.add(kind)
        return True

    def read(self, cursor: Any, *, one_at_a_time: bool = False, over_budget_flag: bool = False) -> None:
        """Read ``cursor`` until it ends or a cap is reached; ``one_at_a_time`` where a batch could outgrow memory;
        ``over_budget_flag`` when the last column says the server stopped sending values (`answer_bounds`)."""
        description = cursor.description or []
        self.start(description[:-1] if over_budget_flag else description)
        batch = 1 if one_at_a_time else FIRST_BATCH
        while True:
            wanted = min(batch, self.max_rows + 1 - len(self.rows))
            fetched = cursor.fetchmany(wanted)
            for row in fetched:
                if over_budget_flag:
                    if row[-1]:
                        self.truncated_by = "max_bytes" if len(self.rows) < self.max_rows else "max_rows"
                        return
                    row = row[:-1]
                if not self.add(row):
                    return
            if len(fetched) < wanted:
                return
            if not one_at_a_time:
                average = max(1, self._bytes // max(1, len(self.rows)))
                batch = max(1, min(MAX_BATCH, (self.max_bytes - self._bytes) // average))
