"""What tenant SQL may use, per dialect family: pure functions, plain cast types, and the system schemas it may not.

The lists name functions as analysts write them (from each database's manual: aggregates, math, string, date/time,
conditional, JSON, arrays, window functions). Nothing on them reads files, reaches the network, waits, locks, runs SQL
from a string, takes a table name, reads the server's settings or identity, or writes. sqlglot turns many names into
typed expressions; which expression classes the names become is learned by parsing sample calls once per process, and
only those classes and the remaining names (sqlglot's `Anonymous` calls) are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL

from hugdata.tenants.models import Dialect


class MySQLFamily(MySQL):
    """MySQL's SQL as both MySQL and MariaDB run it: sqlglot writes `REGEXP` as REGEXP_LIKE(), which only MySQL 8
    has, and UTC_DATE() as `CURRENT_DATE AT TIME ZONE`, which neither server parses."""

    class Generator(MySQL.Generator):
        TRANSFORMS = {
            **MySQL.Generator.TRANSFORMS,
            exp.RegexpLike: lambda self, e: self.binary(e, "REGEXP"),
            exp.UtcDate: lambda self, e: "UTC_DATE()",
        }


# The one mapping from a tenant's dialect to sqlglot's: MariaDB speaks MySQL's SQL.
SQLGLOT_DIALECT = {
    Dialect.sqlite: "sqlite",
    Dialect.postgresql: "postgres",
    Dialect.mysql: "mysqlfamily",
    Dialect.mariadb: "mysqlfamily",
}


def sqlglot_dialect(dialect: Dialect) -> str:
    """sqlglot's name for the SQL a tenant's database speaks."""
    return SQLGLOT_DIALECT[Dialect(dialect)]


def is_mysql_family(dialect: Dialect) -> bool:
    """MySQL and MariaDB: one SQL, one driver, one family of session limits."""
    return Dialect(dialect) in (Dialect.mysql, Dialect.mariadb)


_WINDOW = "row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value"
_AGGREGATES = "count sum avg min max"
_CONDITIONAL = "coalesce nullif"

_POSTGRESQL = f"""
{_WINDOW} {_AGGREGATES} {_CONDITIONAL} greatest least num_nulls num_nonnulls
abs cbrt ceil ceiling degrees div exp factorial floor gcd lcm ln log log10 min_scale mod pi power radians random round
scale sign sqrt trim_scale trunc width_bucket acos acosd asin asind atan atand atan2 atan2d cos cosd cot cotd sin sind
tan tand sinh cosh tanh asinh acosh atanh
ascii bit_length btrim char_length character_length chr concat concat_ws format initcap left length lower lpad ltrim
md5 normalize octet_length overlay position quote_ident quote_literal quote_nullable regexp_count regexp_instr
regexp_like regexp_match regexp_matches regexp_replace regexp_split_to_array regexp_split_to_table regexp_substr repeat
replace reverse right rpad rtrim split_part starts_with string_to_array string_to_table strpos substr substring to_hex
translate trim upper sha224 sha256 sha384 sha512 encode decode to_ascii unistr casefold
age clock_timestamp date_add date_bin date_part date_subtract date_trunc extract isfinite justify_days justify_hours
justify_interval make_date make_interval make_time make_timestamp make_timestamptz now statement_timestamp
transaction_timestamp timezone to_char to_date to_number to_timestamp
array_agg string_agg bit_and bit_or bit_xor bool_and bool_or every json_agg jsonb_agg json_object_agg jsonb_object_agg
corr covar_pop covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy
stddev stddev_pop stddev_samp variance var_pop var_samp mode percentile_cont percentile_disc grouping any_value
json_build_object jsonb_build_object json_build_array jsonb_build_array to_json to_jsonb array_to_json
json_array_length jsonb_array_length json_extract_path json_extract_path_text jsonb_extract_path
jsonb_extract_path_text json_object_keys jsonb_object_keys json_each jsonb_each json_each_text jsonb_each_text
json_array_elements jsonb_array_elements json_array_elements_text jsonb_array_elements_text json_typeof jsonb_typeof
jsonb_pretty jsonb_set jsonb_insert jsonb_strip_nulls json_strip_nulls jsonb_path_query jsonb_path_query_first
jsonb_path_exists jsonb_path_match
array_append array_cat array_dims array_length array_lower array_upper array_position array_positions array_prepend
array_remove array_replace array_to_string array_ndims cardinality unnest generate_series generate_subscripts
gen_random_uuid
"""

_MYSQL = f"""
{_WINDOW} {_AGGREGATES} {_CONDITIONAL} greatest least if ifnull isnull
abs acos asin atan atan2 ceil ceiling conv cos cot crc32 degrees exp floor ln log log10 log2 mod pi pow power radians
rand round sign sin sqrt tan truncate
ascii bin bit_length char char_length character_length concat concat_ws elt field find_in_set format from_base64 hex
insert instr lcase left length locate lower lpad ltrim make_set mid oct octet_length ord position quote
regexp_instr regexp_like regexp_replace regexp_substr repeat replace reverse right rpad rtrim soundex space strcmp
substr substring substring_index to_base64 trim ucase unhex upper md5 sha sha1 sha2
adddate addtime convert_tz curdate current_date current_time current_timestamp curtime date date_add date_format
date_sub datediff day dayname dayofmonth dayofweek dayofyear extract from_days from_unixtime hour last_day
localtime localtimestamp makedate maketime microsecond minute month monthname now period_add period_diff quarter
sec_to_time second str_to_date subdate subtime time time_format time_to_sec timediff timestamp timestampadd
timestampdiff to_days to_seconds unix_timestamp utc_date utc_time utc_timestamp week weekday weekofyear year yearweek
bit_and bit_or bit_xor group_concat json_arrayagg json_objectagg std stddev stddev_pop stddev_samp var_pop var_samp
variance median percentile_cont percentile_disc
json_array json_object json_extract json_unquote json_value json_contains json_contains_path json_keys json_length
json_type json_valid json_merge_patch json_merge_preserve json_set json_insert json_replace json_remove json_quote
json_search json_depth json_overlaps json_table
inet_aton inet_ntoa uuid
"""

_SQLITE = f"""
{_WINDOW} {_AGGREGATES} {_CONDITIONAL} ifnull iif
abs char concat concat_ws format glob hex instr length like likelihood likely lower ltrim octet_length printf
quote random replace round rtrim sign soundex substr substring trim typeof unhex unicode unlikely upper
date time datetime julianday unixepoch strftime timediff
group_concat string_agg total
acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10 log2 mod pi pow power
radians sin sinh sqrt tan tanh trunc
json json_array json_array_length json_extract json_insert json_object json_patch json_remove json_replace json_set
json_type json_valid json_quote json_group_array json_group_object json_each json_tree
"""

ALLOWED_FUNCTIONS: dict[str, frozenset[str]] = {
    "postgres": frozenset(_POSTGRESQL.split()),
    "mysqlfamily": frozenset(_MYSQL.split()),
    "sqlite": frozenset(_SQLITE.split()),
}

# Written with their own syntax rather than as name(...) calls: EXTRACT(x FROM y), POSITION(a IN b), CASE, CAST.
SYNTAX_FUNCTIONS: tuple[type[exp.Func], ...] = (
    exp.Cast, exp.TryCast, exp.Case, exp.If, exp.Extract, exp.StrPosition, exp.Substring, exp.Trim, exp.Overlay,
    exp.Coalesce, exp.Count, exp.Collate, exp.Convert, exp.CurrentDate, exp.CurrentTime, exp.CurrentTimestamp,
    exp.Localtime, exp.Localtimestamp, exp.Unnest,
)  # fmt: skip

# Schemas that hold the server's own catalogs, settings and other sessions' activity.
SYSTEM_SCHEMAS: dict[str, frozenset[str]] = {
    "postgres": frozenset({"pg_catalog", "information_schema", "pg_toast"}),
    "mysqlfamily": frozenset({"mysql", "information_schema", "performance_schema", "sys"}),
    "sqlite": frozenset({"temp"}),
}
SYSTEM_TABLE_PREFIXES: dict[str, tuple[str, ...]] = {
    "postgres": ("pg_",),
    "mysqlfamily": (),
    "sqlite": ("sqlite_", "pragma_"),
}

_T = exp.DataType.Type
# Casts to anything else (PostgreSQL's reg* lookups, XML, user-defined types) are refused.
ALLOWED_CAST_TYPES = frozenset(
    {
        _T.BIT, _T.BOOLEAN, _T.TINYINT, _T.UTINYINT, _T.SMALLINT, _T.USMALLINT, _T.MEDIUMINT, _T.UMEDIUMINT, _T.INT,
        _T.UINT, _T.BIGINT, _T.UBIGINT, _T.DECIMAL, _T.UDECIMAL, _T.BIGDECIMAL, _T.DOUBLE, _T.UDOUBLE, _T.FLOAT,
        _T.MONEY, _T.SMALLMONEY, _T.CHAR, _T.NCHAR, _T.VARCHAR, _T.NVARCHAR, _T.TEXT, _T.MEDIUMTEXT, _T.LONGTEXT,
        _T.TINYTEXT, _T.NAME, _T.DATE, _T.DATE32, _T.DATETIME, _T.DATETIME2, _T.DATETIME64, _T.TIME, _T.TIMETZ,
        _T.TIMESTAMP, _T.TIMESTAMPTZ, _T.TIMESTAMPLTZ, _T.TIMESTAMPNTZ, _T.INTERVAL, _T.YEAR, _T.JSON, _T.JSONB,
        _T.UUID, _T.BINARY, _T.VARBINARY, _T.BLOB, _T.ARRAY, _T.INET,
    }
)  # fmt: skip


@dataclass(frozen=True)
class FunctionAllowList:
    """The sqlglot expression classes and the untyped function names one dialect family may call."""

    classes: frozenset[type[exp.Func]]
    names: frozenset[str]

    def allows(self, node: exp.Func) -> bool:
        if isinstance(node, exp.Anonymous):
            return node.name.lower() in self.names
        return type(node) in self.classes


_SAMPLE_ARGUMENTS = ("x", "x, y", "x, y, z", "", "x, y, z, w", "x, INTERVAL 1 DAY", "DAY, x, y", "'day', x")


@cache
def function_allow_list(read: str) -> FunctionAllowList:
    """What the names allowed for sqlglot dialect ``read`` parse into (~30 ms, once per process)."""
    classes: set[type[exp.Func]] = set(SYNTAX_FUNCTIONS)
    names: set[str] = set()
    for name in ALLOWED_FUNCTIONS[read]:
        for arguments in _SAMPLE_ARGUMENTS:
            try:
                tree = sqlglot.parse_one(f"SELECT {name}({arguments})", read=read)
            except Exception:  # sqlglot raises more than its own errors for some argument counts
                continue
            for node in tree.selects[0].walk():
                if isinstance(node, exp.Anonymous):
                    names.add(node.name.lower())
                elif isinstance(node, exp.Func) and not isinstance(node, exp.Column):
                    classes.add(type(node))
    return FunctionAllowList(classes=frozenset(classes), names=frozenset(names))


def function_name(node: exp.Func) -> str:
    """How a refusal names a function: as written when sqlglot kept no type for it, else sqlglot's own name."""
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    return node.sql_name().lower()
