"""The process a tenant's SQLite query runs in: `python -m hugdata.query.sqlite_worker MEMORY_BYTES`.

SQLite runs inside its caller. A single step of its VM (one `instr` or LIKE over megabytes) cannot be interrupted,
and what it allocates is the caller's memory. Here the caller is a process of its own, whose address space is capped
at start-up and which the API kills when a query outlives its deadline. It reads jobs from stdin and writes answers to
stdout, each a length-prefixed pickle of plain values; it imports nothing but the standard library and the row
reader, so it starts in tens of milliseconds.
"""

from __future__ import annotations

import io
import pickle
import resource
import sqlite3
import struct
import sys
import time
from collections.abc import Callable
from typing import Any, BinaryIO

from hugdata.query.row_reader import RowReader

# Both ends of the pipe: each frame is this 8-byte big-endian length, then that many bytes of pickle.
FRAME_LENGTH = struct.Struct(">Q")
# A virtual table (FTS, R-tree, the eponymous JSON functions) is set up by its first use on a connection with an
# internal write to the schema table that the authorizer would refuse: each one the query may read is met once first.
_TABLE_FUNCTIONS = ("json_each", "json_tree")
# Shadow tables that SQLite's full-text and R-tree modules read on behalf of a query of their virtual table.
SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config", "_segments", "_segdir", "_stat",
                   "_node", "_parent", "_rowid")  # fmt: skip


def quoted_name(name: str) -> str:
    """``name`` as a double-quoted SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


def write_frame(stream: BinaryIO, value: Any) -> None:
    """One length-prefixed pickle on ``stream``."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(FRAME_LENGTH.pack(len(payload)) + payload)
    stream.flush()


class PlainValues(pickle.Unpickler):
    """An unpickler for lists, tuples, dicts and scalars only: it refuses to look up any class or function."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not a plain value")


def view_reads(connection: sqlite3.Connection, tables: list[str]) -> set[str]:
    """Every table and view the model's views among ``tables`` read, nested views included, as SQLite itself
    resolves them: each is prepared once under an authorizer that only records what it reads."""
    reads: set[str] = set()

    def record(action: int, arg1: str | None, _arg2: str | None, _db: str | None, source: str | None) -> int:
        if action == sqlite3.SQLITE_READ:
            reads.update(name.lower() for name in (arg1, source) if name)  # the table, and the (nested) view reading it
        return sqlite3.SQLITE_OK

    views = {name.lower() for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    for table in tables:
        if table.lower() in views:
            connection.set_authorizer(record)
            try:
                connection.execute(f"SELECT * FROM main.{quoted_name(table)} LIMIT 0").fetchall()
            finally:
                connection.set_authorizer(None)
    return reads


def authorizer(
    job: dict[str, Any],
    behind_views: set[str] = frozenset(),  # type: ignore[assignment]
) -> Callable[[int, str | None, str | None, str | None, str | None], int]:
    """Permits exactly: SELECT, reads of the resolved tables (and of what their views read), their FTS/R-tree shadow
    tables, the query's own CTEs, the JSON table functions, and allowed functions. Anything else (PRAGMA, ATTACH,
    writes, sqlite_master) is denied."""
    tables = {str(t).lower() for t in job["tables"]} | set(behind_views)
    shadows = {t + suffix for t in tables for suffix in SHADOW_SUFFIXES}
    ctes = {str(c).lower() for c in job["ctes"]}
    functions = frozenset(job["functions"])

    def authorize(action: int, arg1: str | None, arg2: str | None, database: str | None, source: str | None) -> int:
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ:
            table = (arg1 or "").lower()
            if database == "main" and (table in tables or table in shadows or table in _TABLE_FUNCTIONS):
                return sqlite3.SQLITE_OK
            if database is None and (table in tables or table in ctes or (source or "").lower() in tables | ctes):
                return sqlite3.SQLITE_OK  # compound selects and CTEs read their operands with no database named
            if database == "main" and (source or "").lower() in tables:
                return sqlite3.SQLITE_OK  # a view of the model reading its own tables
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in functions:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() == "data_version" and arg2 is None:
            return sqlite3.SQLITE_OK  # read by FTS5 to see whether its cached structure is current
        return sqlite3.SQLITE_DENY

    return authorize


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one validated query on a read-only connection; the answer, or the SQLite error it raised."""
    try:
        connection = sqlite3.connect(
            f"file:{job['path']}?mode=ro", uri=True, timeout=job["connect_timeout_s"], check_same_thread=False
        )
    except sqlite3.Error as exc:
        return _error(exc)
    try:
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, job["max_value_bytes"])
        connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        connection.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, job["max_pattern_chars"])
        for function in _TABLE_FUNCTIONS:
            connection.execute(f"SELECT count(*) FROM {function}('[]')").fetchall()
        for table in job["tables"]:
            connection.execute(f"SELECT 1 FROM main.{quoted_name(str(table))} LIMIT 0").fetchall()
        behind_views = view_reads(connection, [str(t) for t in job["tables"]])
        deadline = time.monotonic() + job["timeout_s"]
        connection.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        connection.set_authorizer(authorizer(job, behind_views))
        reader = RowReader(max_rows=job["max_rows"], max_bytes=job["max_bytes"], max_memory=job["max_memory"])
        cursor = connection.execute(job["sql"])
        reader.read(cursor, one_at_a_time=True)
        return {
            "columns": reader.columns,
            "rows": reader.rows,
            "types": [sorted(t) for t in reader.types],
            "truncated_by": reader.truncated_by,
        }
    except sqlite3.Error as exc:
        return _error(exc)
    except MemoryError:
        return {"error": "the query needed more memory than an ask may use", "code": sqlite3.SQLITE_NOMEM}
    finally:
        connection.close()


def _error(exc: sqlite3.Error) -> dict[str, Any]:
    return {"error": str(exc), "code": getattr(exc, "sqlite_errorcode", None), "name": type(exc).__name__}


def read_frame(stream: BinaryIO) -> Any:
    """The next length-prefixed pickle of plain values on ``stream``; None at its end."""
    header = stream.read(FRAME_LENGTH.size)
    if len(header) < FRAME_LENGTH.size:
        return None
    (length,) = FRAME_LENGTH.unpack(header)
    return PlainValues(io.BytesIO(stream.read(length))).load()


def main(memory_bytes: int) -> None:
    # Everything this process will import is imported: from here on it may grow by the ask's budget and no more.
    # (Its address space now, not ru_maxrss: Linux carries the parent's peak across exec.)
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    limit = mapped + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while (job := read_frame(source)) is not None:
        write_frame(sink, run_job(job))


if __name__ == "__main__":
    main(int(sys.argv[1]))
