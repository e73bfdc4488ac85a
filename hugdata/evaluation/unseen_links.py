"""The links between tables that the unseen schemas' documentation states, though no key declares them (issue 29).

Written 2026-12-07 from the Lahman databank's readme (every table's `playerID` is a `People` row, `franchID` a
franchise, `schoolID` a school, `park.key` a park) and the R packages' help pages (nycflights13: a flight's
carrier, plane, origin and destination; the weather's origin; portal: a survey's species and plot; bakeoff: every
table's series). Only single-column links: Lahman's team is (year, team) and bakeoff's baker is (series, baker).
Inferring them from a key-less copy measures relationship inference: recall and precision against these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import infer_relationships

_LAHMAN_PLAYER_TABLES = (
    "allstarfull", "appearances", "awardsmanagers", "awardsplayers", "awardssharemanagers", "awardsshareplayers",
    "batting", "battingpost", "collegeplaying", "fielding", "fieldingof", "fieldingofsplit", "fieldingpost",
    "halloffame", "managers", "managershalf", "pitching", "pitchingpost", "salaries",
)  # fmt: skip

# schema -> {(child table, child column, parent table, parent column)}
DOCUMENTED_LINKS: dict[str, set[tuple[str, str, str, str]]] = {
    "lahman": {(t, "playerid", "people", "playerid") for t in _LAHMAN_PLAYER_TABLES}
    | {
        ("teams", "franchid", "teamsfranchises", "franchid"),
        ("collegeplaying", "schoolid", "schools", "schoolid"),
        ("homegames", "park.key", "parks", "park.key"),
    },
    "nycflights13": {
        ("flights", "carrier", "airlines", "carrier"),
        ("flights", "tailnum", "planes", "tailnum"),
        ("flights", "origin", "airports", "faa"),
        ("flights", "dest", "airports", "faa"),
        ("weather", "origin", "airports", "faa"),
    },
    "portal": {("surveys", "species_id", "species", "species_id"), ("surveys", "plot_id", "plots", "plot_id")},
    "bakeoff": {
        (t, "series", "series_raw", "series")
        for t in ("bakers", "challenges", "episodes", "ratings", "seasons_raw", "results_raw", "bakes_raw")
    },
}


def link_quality(schema: str, sqlite_path: Path) -> dict[str, Any] | None:
    """Inferred relationships of the SQLite build at ``sqlite_path`` against the documented links of ``schema``."""
    engine = create_engine(f"sqlite:///{sqlite_path}")
    try:
        snapshot = profile_source(engine, introspect_schema(engine, dialect="sqlite", include=[], exclude=[]))
    finally:
        engine.dispose()
    inferred = {
        (r.from_entity.split(".", 1)[-1], r.from_columns[0], r.to_entity.split(".", 1)[-1], r.to_columns[0])
        for r in infer_relationships(snapshot)
        if len(r.from_columns) == 1
    }
    documented = DOCUMENTED_LINKS.get(schema, set())
    right = documented & inferred
    return {
        "documented": len(documented),
        "inferred": len(inferred),
        "right": len(right),
        "precision": round(len(right) / len(inferred), 3) if inferred else None,
        "recall": round(len(right) / len(documented), 3) if documented else None,
        "missed": sorted(" -> ".join((f"{c}.{cc}", f"{p}.{pc}")) for c, cc, p, pc in documented - inferred),
        "not_documented": sorted(" -> ".join((f"{c}.{cc}", f"{p}.{pc}")) for c, cc, p, pc in inferred - documented),
    }
