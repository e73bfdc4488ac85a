"""Every table a tenant query reads, resolved to an entity of the tenant's model and rewritten to that entity's exact
name, so the server runs the table the check resolved and nothing that server state (search path, case folding,
inheritance) could put in its place.

Resolution follows the server's own folding rules (`identifiers`), scope by scope, so a CTE cannot pass for a table.
The rewritten reference is the entity's schema and table, both quoted, and on PostgreSQL ``ONLY`` unless the table is
partitioned (its partitions are its rows; an inheritance child's are not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from hugdata.catalog.semantic import Entity, SemanticModel
from hugdata.query.identifiers import ascii_lower, catalog_key, quoted, written_key
from hugdata.query.rejections import QueryRejected, RejectionReason
from hugdata.query.sql_policy import SYSTEM_SCHEMAS, SYSTEM_TABLE_PREFIXES


@dataclass(frozen=True)
class ModelIndex:
    """The model's entities under the keys the server would find them by."""

    qualified: dict[tuple[str, str], Entity]
    by_table: dict[str, list[Entity]]

    @classmethod
    def of(cls, model: SemanticModel, read: str) -> ModelIndex:
        qualified: dict[tuple[str, str], Entity] = {}
        by_table: dict[str, list[Entity]] = {}
        for entity in model.entities:
            schema = catalog_key(entity.schema_name, read=read, kind="relation")
            table = catalog_key(entity.table, read=read, kind="relation")
            qualified[(schema, table)] = entity
            by_table.setdefault(table, []).append(entity)
        return cls(qualified=qualified, by_table=by_table)

    def hidden_by(self, name: str) -> bool:
        """Whether a CTE called ``name`` would read, to a person or a server with other folding, as a table."""
        folded = ascii_lower(name)
        return any(ascii_lower(table) == folded for table in self.by_table) or any(
            ascii_lower(f"{schema}.{table}") == folded for schema, table in self.qualified
        )


def resolve_tables(scopes: Iterable[Scope], tree: exp.Query, index: ModelIndex, read: str) -> dict[int, Entity]:
    """The entity each real table reference of ``tree`` reads (keyed by the reference node's id); a reference that
    is neither a table of the model nor one of the query's own CTEs is refused."""
    for cte in tree.find_all(exp.CTE):
        if index.hidden_by(cte.alias_or_name):
            raise QueryRejected(
                RejectionReason.denied_construct,
                f"the CTE name {cte.alias_or_name!r} hides a table of the project; give the CTE another name",
            )
    seen: set[int] = set()
    resolved: dict[int, Entity] = {}
    for scope in scopes:
        for table in scope.tables:
            seen.add(id(table))
            if isinstance(table.this, exp.Func):
                continue  # a table-valued function, checked as a function
            if isinstance(scope.sources.get(table.alias_or_name), Scope) and not table.db:
                continue  # one of this query's CTEs
            resolved[id(table)] = _model_table(table, index, read)
    for table in tree.find_all(exp.Table):
        if table.name and id(table) not in seen:
            raise QueryRejected(
                RejectionReason.unknown_table, f"cannot tell what {table.sql(dialect=read)!r} refers to in this query"
            )
    return resolved


def _model_table(table: exp.Table, index: ModelIndex, read: str) -> Entity:
    written = table.sql(dialect=read)[:80]
    if not table.name or not isinstance(table.this, exp.Identifier):
        raise QueryRejected(RejectionReason.unknown_table, f"{written} is not a table")
    if table.catalog:
        raise QueryRejected(RejectionReason.unknown_table, f"{written!r} names another database; not allowed")
    name = written_key(table.this, read=read, kind="relation")
    schema_identifier = table.args.get("db")
    if isinstance(schema_identifier, exp.Identifier) and schema_identifier.this:
        schema = written_key(schema_identifier, read=read, kind="relation")
        entity = index.qualified.get((schema, name))
        if entity is not None:
            return entity
        if ascii_lower(schema) in SYSTEM_SCHEMAS[read]:
            raise QueryRejected(
                RejectionReason.unknown_table, f"{written} is in a system schema, outside the project's model"
            )
        raise QueryRejected(
            RejectionReason.unknown_table,
            f"unknown table {written}: the project's schema has no such table (names are matched as the database "
            "matches them: quoted names exactly, and on MySQL and MariaDB table names case-sensitively)",
        )
    matches = index.by_table.get(name, [])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise QueryRejected(RejectionReason.unknown_table, f"unknown table {written!r}: name its schema")
    if ascii_lower(name).startswith(SYSTEM_TABLE_PREFIXES[read]):
        raise QueryRejected(RejectionReason.unknown_table, f"{written} is a system table, outside the project's model")
    raise QueryRejected(
        RejectionReason.unknown_table, f"unknown table {written!r}: the project's schema has no such table"
    )


def pin_table_references(resolved: dict[int, Entity], tree: exp.Query, read: str) -> None:
    """Rewrite each resolved reference in place to its entity's quoted schema and table (and PostgreSQL ``ONLY``);
    the name as written stays as the alias, so the query's own qualifiers keep meaning what they meant."""
    for table in list(tree.find_all(exp.Table)):
        entity = resolved.get(id(table))
        if entity is None:
            continue
        if not table.alias:
            table.set("alias", exp.TableAlias(this=table.this.copy()))
        table.set("this", quoted(entity.table))
        table.set("db", quoted(entity.schema_name))
        table.set("catalog", None)
        if read == "postgres":
            table.set("only", not entity.partitioned)
