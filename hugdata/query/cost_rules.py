"""Limits on what one call may cost where the engine cannot stop a call once it started.

SQLite runs a function call as one step of its VM, which no progress handler interrupts; MariaDB keeps running
LOCATE on long strings after its statement time limit marked the statement killed, and ignores KILL CONNECTION.
On those engines a query may not make a call whose cost is the product of two sizes it chooses: the text searched
for (or matched, or replaced) must be a short literal, and text is built only in short, literal lengths. PostgreSQL
interrupts its functions and searches in linear time, so it keeps its full vocabulary.
"""

from __future__ import annotations

import re

from sqlglot import exp

from hugdata.query.rejections import QueryRejected, RejectionReason

MAX_PATTERN_CHARS = 256  # a searched-for text, LIKE pattern or regular expression
MAX_BUILT_CHARS = 1_000_000  # the length REPEAT, LPAD, RPAD, SPACE or a printf width may ask for
MAX_BUILDERS = 8  # length-building calls in one query
_PRINTF_WIDTH = re.compile(r"%[-+ 0#,!]*(\*|\d+)?(?:\.(\*|\d+))?")
_UNINTERRUPTIBLE = ("sqlite", "mysqlfamily")


def check_call_costs(tree: exp.Expression, read: str) -> None:
    """Refuse calls whose running time ``read``'s engine could not bound; a no-op where it can."""
    if read not in _UNINTERRUPTIBLE:
        return
    builders = 0
    for node in tree.walk():
        if isinstance(node, (exp.StrPosition, exp.SubstringIndex)):
            _short_literal(node.args.get("substr") or node.args.get("delimiter"), node, "the text searched for")
        elif isinstance(node, (exp.Replace, exp.RegexpReplace)):
            _short_literal(node.expression, node, "the text replaced")
            _short_literal(node.args.get("replacement"), node, "the replacement")
        elif isinstance(node, (exp.RegexpLike, exp.RegexpInstr, exp.RegexpSubstr, exp.RegexpExtract)):
            _short_literal(node.expression, node, "the pattern")
        elif isinstance(node, (exp.Like, exp.ILike, exp.Glob)):
            wildcard = "*" if isinstance(node, exp.Glob) else "%"
            pattern = _short_literal(node.expression, node, "the pattern")
            # Both engines backtrack: text between two wildcards is searched again from every place the first
            # matched, so '%a%b' costs the square of the text's length. One, or two with the second last, stay linear.
            wildcards = pattern.count(wildcard)
            if wildcards > 2 or (wildcards == 2 and not pattern.endswith(wildcard)):
                example = f"{wildcard}word{wildcard}"
                raise _costly(node, f"a pattern may hold one '{wildcard}', or two when the second ends it ({example})")
        elif isinstance(node, (exp.Repeat, exp.Pad, exp.Space)):
            builders += 1
            length = node.args.get("times") or (node.this if isinstance(node, exp.Space) else node.expression)
            _small_count(length, node)
            if any(isinstance(inner, (exp.Repeat, exp.Pad, exp.Space)) for inner in node.find_all(exp.Func)
                   if inner is not node):  # fmt: skip
                raise _costly(node, "text built by REPEAT, LPAD, RPAD or SPACE may not be built again by another")
        elif _is_printf(node):
            builders += 1
            _checked_printf(node)
    if builders > MAX_BUILDERS:
        raise _costly(tree, f"a query may build text at most {MAX_BUILDERS} times (REPEAT, LPAD, RPAD, SPACE, printf)")


def _short_literal(node: exp.Expression | None, call: exp.Expression, what: str) -> str:
    if node is None:
        return ""
    if not isinstance(node, exp.Literal) or not node.is_string:
        raise _costly(call, f"{what} must be a literal string (at most {MAX_PATTERN_CHARS} characters)")
    if len(node.this) > MAX_PATTERN_CHARS:
        raise _costly(call, f"{what} may be at most {MAX_PATTERN_CHARS} characters long")
    return str(node.this)


def _small_count(node: exp.Expression | None, call: exp.Expression) -> None:
    value = node.this if isinstance(node, exp.Neg) else node
    if not (isinstance(value, exp.Literal) and value.is_int and int(value.this) <= MAX_BUILT_CHARS):
        raise _costly(call, f"the length asked for must be a literal number up to {MAX_BUILT_CHARS:,}")


def _is_printf(node: exp.Expression) -> bool:
    if isinstance(node, exp.Format):
        return True
    return isinstance(node, exp.Anonymous) and node.name.lower() in ("printf", "format")


def _checked_printf(node: exp.Expression) -> None:
    template = node.this if isinstance(node, exp.Format) else (node.expressions or [None])[0]
    if not (isinstance(template, exp.Literal) and template.is_string):
        raise _costly(node, "the format must be a literal string")
    for width, precision in _PRINTF_WIDTH.findall(str(template.this)):
        for size in (width, precision):
            if size == "*" or (size and int(size) > MAX_BUILT_CHARS):
                raise _costly(node, f"a width or precision must be written out and at most {MAX_BUILT_CHARS:,}")


def _costly(node: exp.Expression, why: str) -> QueryRejected:
    return QueryRejected(
        RejectionReason.too_costly, f"{node.sql()[:80]}: {why}; this database cannot interrupt such a call once it runs"
    )
