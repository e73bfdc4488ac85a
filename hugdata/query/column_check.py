"""Every column a tenant query names must be one the query can see: a column of a model table it reads, an output of
one of its own derived tables, CTEs or table functions, or one of its select aliases.

Scope by scope, with the servers' folding rules. PostgreSQL needs more than existence checks: it reads ``s.name``
as the function call ``name(s)`` when ``s`` has no column ``name`` (field notation), a bare table alias as the whole
row (every column, modelled or not), and bare ``user`` or ``current_role`` as functions that return the session role.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from hugdata.catalog.semantic import Entity
from hugdata.query.identifiers import catalog_key, written_key
from hugdata.query.rejections import QueryRejected, RejectionReason

# PostgreSQL's SQL-standard functions written without parentheses: unquoted, these names never mean a column.
POSTGRES_KEYWORD_FUNCTIONS = frozenset(
    {"user", "current_user", "current_role", "session_user", "system_user", "current_catalog", "current_schema"}
)
# Columns of PostgreSQL's record-returning table functions; the others return one column named after their alias.
_POSTGRES_FUNCTION_COLUMNS = {
    "json_each": ("key", "value"),
    "jsonb_each": ("key", "value"),
    "json_each_text": ("key", "value"),
    "jsonb_each_text": ("key", "value"),
}
# SQLite's JSON table functions have fixed columns.
_SQLITE_FUNCTION_COLUMNS = ("key", "value", "type", "atom", "id", "parent", "fullkey", "path", "json", "root")

Outputs = frozenset[str] | None  # column keys a source offers; None when they cannot be told from the query


class ColumnCheck:
    """Checks the columns of one query whose table references are already resolved to entities."""

    def __init__(self, tree: exp.Query, scopes: list[Scope], entities: dict[int, Entity], read: str) -> None:
        self.scopes, self.entities, self.read = scopes, entities, read
        self._scope_of = {id(s.expression): s for s in scopes}
        self._spelled: dict[int, dict[str, exp.Identifier]] = {}
        self._outputs_of: dict[int, Outputs] = {}
        # Every column any model table of the query has: bare names may correlate across scopes.
        self._known = frozenset(
            catalog_key(c.name, read=read, kind="column") for e in entities.values() for c in e.columns
        )
        self._aliases = frozenset(self._key(a.args["alias"]) for a in tree.find_all(exp.Alias) if a.args.get("alias"))

    def run(self) -> None:
        # Scopes come innermost first; sqlglot also lists a subquery's unqualified columns in the scopes around it,
        # where they would be checked against the wrong tables.
        checked: set[int] = set()
        for scope in self.scopes:
            for column in scope.columns:
                if id(column) not in checked:
                    checked.add(id(column))
                    self._check(column, scope)

    def _key(self, name: exp.Identifier | str) -> str:
        return written_key(name, read=self.read, kind="column")

    def _check(self, column: exp.Column, scope: Scope) -> None:
        if isinstance(column.this, exp.Star) or not column.name:
            return
        if column.args.get("db") is not None or column.args.get("catalog") is not None:
            raise QueryRejected(
                RejectionReason.unknown_column, f"{column.sql()}: refer to a column by its table or alias only"
            )
        identifier = column.this
        name = self._key(identifier)
        qualifier = column.args.get("table")
        if qualifier is None:
            self._check_bare(column, identifier, name, scope)
            return
        source = self._source(self._key(qualifier), scope)
        if source is None:
            raise QueryRejected(
                RejectionReason.unknown_column, f"{column.sql()}: {qualifier.name!r} is not in the query"
            )
        outputs = self._outputs(source)
        if outputs is not None and name in outputs:
            return
        if isinstance(source, exp.Table) and id(source) in self.entities:
            raise QueryRejected(RejectionReason.unknown_column, f"unknown column {qualifier.name}.{column.name}")
        if self.read == "postgres":
            # PostgreSQL would call a function of this name with the row: only columns it is known to have may be read.
            raise QueryRejected(
                RejectionReason.unknown_column,
                f"{column.sql()}: {qualifier.name!r} has no column {column.name!r} that this query can see (name "
                "a table function's columns with AS alias(column, ...))",
            )

    def _check_bare(self, column: exp.Column, identifier: exp.Identifier, name: str, scope: Scope) -> None:
        if self.read == "postgres" and not identifier.args.get("quoted") and name in POSTGRES_KEYWORD_FUNCTIONS:
            raise QueryRejected(
                RejectionReason.denied_function,
                f"{column.name}: PostgreSQL reads this name as a function returning the session's role or schema; "
                "quote it if it is a column",
            )
        visible = list(self._visible_outputs(scope))
        if any(outputs is not None and name in outputs for outputs in visible) or name in self._aliases:
            return
        source = self._source(name, scope)
        if source is not None:
            if self.read == "postgres" and isinstance(source, exp.Table) and id(source) in self.entities:
                raise QueryRejected(
                    RejectionReason.unknown_column,
                    f"{column.name!r} names a whole table row, which carries columns outside the project's model; "
                    "name the columns",
                )
            return  # a table function's one value, a derived table's row, or SQLite's FTS table in MATCH
        if any(outputs is None for outputs in visible):
            return  # a source whose columns the query does not spell out (the server checks the name)
        if self.read != "postgres" and name in self._known:
            return  # a name of a table read elsewhere in the query: no server turns it into another kind of value
        raise QueryRejected(RejectionReason.unknown_column, f"unknown column {column.name!r} in the tables used")

    def _source(self, key: str, scope: Scope | None) -> exp.Table | Scope | None:
        """The source a qualifier names, looked up in this scope and then in the scopes around it."""
        while scope is not None:
            spelled = self._spellings(scope)
            for alias, source in scope.sources.items():
                if alias and self._key(spelled.get(alias, alias)) == key:
                    return source
            scope = scope.parent
        return None

    def _spellings(self, scope: Scope) -> dict[str, exp.Identifier]:
        """Each source name of ``scope`` as the query wrote it, quoting included (sqlglot keys them by bare text)."""
        found = self._spelled.get(id(scope))
        if found is None:
            found = {}
            for node in [*scope.tables, *scope.derived_tables, *scope.udtfs]:
                alias = node.args.get("alias")
                if isinstance(alias, exp.TableAlias) and isinstance(alias.this, exp.Identifier):
                    found[alias.this.name] = alias.this
                elif isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
                    found[node.this.name] = node.this
            self._spelled[id(scope)] = found
        return found

    def _visible_outputs(self, scope: Scope | None) -> Iterable[Outputs]:
        """The columns of every source this scope and the scopes around it read."""
        while scope is not None:
            for source in scope.sources.values():
                yield self._outputs(source)
            scope = scope.parent

    def _outputs(self, source: exp.Table | Scope, depth: int = 0) -> Outputs:
        if id(source) not in self._outputs_of:
            self._outputs_of[id(source)] = self._find_outputs(source, depth) if depth <= 32 else None
        return self._outputs_of[id(source)]

    def _find_outputs(self, source: exp.Table | Scope, depth: int) -> Outputs:
        if isinstance(source, exp.Table):
            entity = self.entities.get(id(source))
            if entity is not None:
                return frozenset(catalog_key(c.name, read=self.read, kind="column") for c in entity.columns)
            return self._function_outputs(source)
        named = _alias_columns(source.expression.parent) or _alias_columns(source.expression)
        if named is not None:
            return frozenset(self._key(c) for c in named)
        return self._expression_outputs(source.expression, depth)

    def _expression_outputs(self, expression: exp.Expression, depth: int) -> Outputs:
        if isinstance(expression, exp.SetOperation):
            return self._expression_outputs(expression.left, depth + 1)
        if isinstance(expression, exp.Subquery):
            return self._expression_outputs(expression.this, depth + 1)
        if isinstance(expression, (exp.Lateral, exp.Unnest)):
            inner = expression.this
            if isinstance(inner, exp.Subquery):
                return self._expression_outputs(inner.this, depth + 1)
            alias = expression.args.get("alias")
            return frozenset({self._key(alias.this)}) if isinstance(alias, exp.TableAlias) and alias.this else None
        if not isinstance(expression, exp.Select):
            return None
        scope = self._scope_of.get(id(expression))
        names: set[str] = set()
        for projection in expression.selects:
            if isinstance(projection, exp.Star):
                if scope is None:
                    return None
                for source in scope.selected_sources.values():
                    found = self._outputs(source[1], depth + 1)
                    if found is None:
                        return None
                    names |= found
            elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
                star_source = self._source(self._key(projection.table), scope) if scope else None
                found = self._outputs(star_source, depth + 1) if star_source is not None else None
                if found is None:
                    return None
                names |= found
            elif isinstance(projection, exp.Alias) and projection.args.get("alias"):
                names.add(self._key(projection.args["alias"]))
            elif isinstance(projection, exp.Column):
                names.add(self._key(projection.this))
            elif projection.alias_or_name:
                names.add(self._key(projection.alias_or_name))
        return frozenset(names)

    def _function_outputs(self, table: exp.Table) -> Outputs:
        named = _alias_columns(table)
        if named is not None:
            return frozenset(self._key(c) for c in named)
        function = table.this
        name = function.name.lower() if isinstance(function, exp.Anonymous) else function.sql_name().lower()
        if self.read == "sqlite" and name in ("json_each", "json_tree"):
            return frozenset(_SQLITE_FUNCTION_COLUMNS)
        if self.read != "postgres":
            return None
        if name in _POSTGRES_FUNCTION_COLUMNS:
            return frozenset(_POSTGRES_FUNCTION_COLUMNS[name])
        alias = table.args.get("alias")
        own = self._key(alias.this) if isinstance(alias, exp.TableAlias) and alias.this else name
        return frozenset({own, "ordinality"} if table.args.get("ordinality") else {own})


def _alias_columns(node: exp.Expression | None) -> list[exp.Identifier] | None:
    alias = node.args.get("alias") if node is not None else None
    if isinstance(alias, exp.TableAlias) and alias.columns:
        return [c if isinstance(c, exp.Identifier) else exp.to_identifier(c.name) for c in alias.columns]
    return None
