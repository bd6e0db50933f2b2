"""The strict check of the local Snowflake-protocol server: SQL that real Snowflake rejects is refused.

fakesnow translates Snowflake SQL to DuckDB and runs it there, so DuckDB-only SQL (``epoch(...)``,
``count(*) filter (where ...)``, ``INSERT OR REPLACE``, ``'-infinity'::timestamptz``, ``read_csv``...)
would pass tests that claim Snowflake. Each statement is read with sqlglot's Snowflake dialect (the one
fakesnow itself parses with) and refused, with the compilation error Snowflake gives, when it calls a
DuckDB built-in function Snowflake lacks or uses DuckDB-only syntax. What cannot be checked without
Snowflake itself (types of expressions, argument counts, Snowflake functions fakesnow lacks, semantics)
is not: this narrows the gap, it does not close it.

A module of its own (imported by fakesnow-json-shim.py) so the unit test can load it without a server.
"""

import re
import threading
from collections import OrderedDict

from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.tokens import TokenType

# Functions Snowflake has under the same name as a DuckDB built-in (from Snowflake's function reference).
# A DuckDB built-in outside this list is refused; a name DuckDB does not know (a Snowflake function
# fakesnow translates, a user function) is left to fakesnow.
SNOWFLAKE_ALSO_IN_DUCKDB = frozenset(
    """
    abs acos acosh any_value ascii asin asinh atan atan2 atanh avg cbrt ceil ceiling char_length
    character_length chr concat concat_ws contains corr cos cosh cot count count_if covar_pop covar_samp
    cume_dist day dayname dayofmonth dayofweek dayofyear decode degrees dense_rank exp factorial filter
    first_value flatten floor greatest hash hour instr kurtosis lag last_day last_value lead least left len
    length listagg ln log log10 log2 lower lpad ltrim max max_by md5 md5_number median min min_by minute mod
    mode month monthname nth_value ntile nullif octet_length percent_rank pi position pow power quarter
    radians random rank reduce regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx
    regr_sxy regr_syy repeat replace reverse right round rpad rtrim row_number second sha1 sign sin sinh
    split split_part sqrt stddev stddev_pop stddev_samp substr substring sum tan tanh translate trim trunc
    typeof unicode upper var_pop var_samp variance week weekofyear year
    approx_count_distinct approx_top_k array_agg array_append array_cat array_contains array_distinct
    array_position array_prepend array_reverse array_slice array_sort array_to_string
    bit_and bit_or bit_xor bit_length current_date current_role current_schema current_schemas current_user
    current_database date_part date_trunc datediff datepart json_extract_path_text regexp_replace
    regexp_extract_all to_binary to_json to_timestamp now bool_and bool_or
    """.split()
)

# DuckDB-only types sqlglot's Snowflake dialect still reads (Snowflake has VARIANT/OBJECT/ARRAY instead).
DUCKDB_ONLY_TYPES = frozenset(
    name
    for name in ("JSON", "INT128", "UINT128", "UBIGINT", "UINT", "UMEDIUMINT", "USMALLINT", "UTINYINT", "UUID", "UNION", "LIST", "STRUCT", "HUGEINT")
    if hasattr(exp.DataType.Type, name)
)
TEMPORAL_TYPES = frozenset(
    getattr(exp.DataType.Type, name)
    for name in ("DATE", "DATETIME", "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMPLTZ", "TIMESTAMPNTZ", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")
    if hasattr(exp.DataType.Type, name)
)
# Tokens after which `name (` is a table, view, alias or type, not a call.
NOT_A_CALL_AFTER = frozenset({TokenType.DOT, TokenType.TABLE, TokenType.INTO, TokenType.VIEW, TokenType.ALIAS, TokenType.DCOLON})
# Statements DuckDB runs and Snowflake has no command for (sqlglot reads some as a bare name or a Command).
DUCKDB_COMMANDS = frozenset({"pragma", "install", "load", "attach", "detach", "summarize", "checkpoint", "force", "export", "import", "vacuum"})
DUCKDB_CREATE = re.compile(r"^\s*(or\s+replace\s+)?(temp\w*\s+)?(macro|secret|type)\b", re.IGNORECASE)


def duckdb_functions():
    """DuckDB's built-in function names (a fresh in-memory database, so nothing fakesnow defines)."""
    import duckdb

    with duckdb.connect() as conn:
        rows = conn.execute("SELECT DISTINCT lower(function_name) FROM duckdb_functions()").fetchall()
    return frozenset(name for (name,) in rows if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and not name.startswith("__"))


_duckdb_only = None


def duckdb_only_functions():
    """DuckDB built-ins Snowflake does not have (computed once)."""
    global _duckdb_only
    if _duckdb_only is None:
        _duckdb_only = duckdb_functions() - SNOWFLAKE_ALSO_IN_DUCKDB
    return _duckdb_only


class Refusal:
    """Why Snowflake would reject a statement: its error code, SQLSTATE and message."""

    def __init__(self, code, sql_state, message):
        self.code = code
        self.sql_state = sql_state
        self.message = message

    def response(self):
        """The query-request answer Snowflake sends for it, which the drivers raise as an error."""
        return {
            "data": {"errorCode": self.code, "sqlState": self.sql_state},
            "code": self.code,
            "message": self.message,
            "success": False,
        }


def syntax(what, fix):
    """A DuckDB-only construct, as Snowflake's 001003 compilation error."""
    return Refusal("001003", "42000", f"SQL compilation error:\n{what} is DuckDB syntax, not Snowflake's ({fix}) [fakesnow strict check]")


# The statements last checked, parsed: fakesnow parses each statement again (twice), and a copy of the
# tree costs a quarter of a parse, which matters for the streaming path's multi-row VALUES.
_parsed = OrderedDict()
_parsed_lock = threading.Lock()
PARSED_KEPT = 8


def parsed(sql):
    """A copy of the tree `check` parsed for the single statement `sql`, or None when it has none."""
    with _parsed_lock:
        tree = _parsed.get(sql)
    return None if tree is None else tree.copy()


def check(sql):
    """A Refusal when real Snowflake would reject `sql` for DuckDB-only SQL, else None (fakesnow answers)."""
    dialect = Snowflake()
    try:
        tokens = dialect.tokenize(sql)
    except Exception:
        return None  # fakesnow answers its own tokenizer error
    refusal = check_tokens(tokens)
    if refusal is not None:
        return refusal
    try:
        statements = dialect.parser().parse(tokens, sql)
    except Exception:
        return None  # fakesnow answers its own parse error
    if len(statements) == 1 and statements[0] is not None:
        with _parsed_lock:
            _parsed[sql] = statements[0]
            while len(_parsed) > PARSED_KEPT:
                _parsed.popitem(last=False)
    for statement in statements:
        refusal = statement is not None and check_statement(statement)
        if refusal:
            return refusal
    return None


def check_tokens(tokens):
    """What shows in the tokens alone: DuckDB function calls and word-order syntax sqlglot normalises away."""
    only = duckdb_only_functions()
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        previous = tokens[i - 1] if i > 0 else None
        word = token.text.lower()
        if (
            following is not None
            and following.token_type == TokenType.L_PAREN
            and token.token_type not in (TokenType.STRING, TokenType.IDENTIFIER)
            and (previous is None or previous.token_type not in NOT_A_CALL_AFTER)
            and word in only
        ):
            return Refusal("002140", "42601", f"SQL compilation error:\nUnknown function {token.text.upper()} (a DuckDB function) [fakesnow strict check]")
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if (
            token.token_type == TokenType.USING
            and following is not None
            and following.text.upper() == "SAMPLE"
            and after is not None
            and (after.token_type in (TokenType.NUMBER, TokenType.L_PAREN) or after.text.lower() in ("reservoir", "bernoulli", "system"))
        ):
            return syntax("USING SAMPLE", "use SAMPLE (n) or TABLESAMPLE")
        if token.token_type == TokenType.INTERVAL and following is not None and following.token_type in (TokenType.NUMBER, TokenType.L_PAREN):
            return syntax("INTERVAL without a quoted value", "write INTERVAL '1 day'")
        if word == "positional" and following is not None and following.token_type == TokenType.JOIN:
            return syntax("POSITIONAL JOIN", "join on a key")
        if token.token_type == TokenType.COPY and following is not None and following.token_type != TokenType.INTO:
            return syntax("COPY without INTO", "use COPY INTO a table or a stage")
    first = next((t for t in tokens if t.token_type != TokenType.SEMICOLON), None)
    if first is not None and first.token_type == TokenType.FROM:
        return syntax("A statement starting with FROM", "write SELECT ... FROM")
    if first is not None and first.text.lower() in DUCKDB_COMMANDS:
        return syntax(first.text.upper(), "Snowflake has no such command")
    return None


def check_statement(statement):
    """What shows in the parsed statement: DuckDB-only clauses, types and values."""
    if isinstance(statement, (exp.Alias, exp.Column, exp.Identifier, exp.Pragma)):
        return syntax(statement.sql("snowflake")[:40], "not a Snowflake statement")
    if isinstance(statement, exp.Command) and str(statement.this).lower() == "create":
        if DUCKDB_CREATE.match(str(statement.expression or "")):
            return syntax("CREATE MACRO / SECRET / TYPE", "Snowflake has CREATE FUNCTION")
    if isinstance(statement, exp.Create) and statement.args.get("replace") and statement.args.get("exists"):
        return syntax("CREATE OR REPLACE ... IF NOT EXISTS", "Snowflake allows one of them, not both")
    for node in statement.walk():
        refusal = check_node(node)
        if refusal is not None:
            return refusal
    return None


def check_node(node):
    """One expression of a statement."""
    if isinstance(node, exp.Filter):
        return syntax("An aggregate's FILTER (WHERE ...)", "use COUNT_IF(...) or an aggregate over CASE WHEN ... END")
    if isinstance(node, exp.Insert) and node.args.get("alternative"):
        return syntax(f"INSERT OR {str(node.args['alternative']).upper()}", "use MERGE")
    if isinstance(node, exp.Insert) and node.args.get("by_name"):
        return syntax("INSERT ... BY NAME", "list the columns")
    if isinstance(node, exp.OnConflict):
        return syntax("ON CONFLICT", "use MERGE")
    if isinstance(node, exp.Distinct) and node.args.get("on") is not None:
        return syntax("DISTINCT ON", "use QUALIFY ROW_NUMBER() OVER (...) = 1")
    if isinstance(node, exp.SimilarTo):
        return syntax("SIMILAR TO", "use REGEXP_LIKE")
    if isinstance(node, exp.Join) and str(node.args.get("kind") or "").upper() in ("SEMI", "ANTI"):
        return syntax(f"{str(node.args['kind']).upper()} JOIN", "use [NOT] EXISTS")
    if isinstance(node, exp.Join) and str(node.args.get("method") or "").upper() == "ASOF" and node.args.get("match_condition") is None:
        return syntax("ASOF JOIN without MATCH_CONDITION", "Snowflake's ASOF JOIN takes MATCH_CONDITION (...)")
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Literal) and node.this.is_string:
        return syntax("Reading a file named in FROM", "load it through a stage with COPY INTO")
    if isinstance(node, exp.DataType) and node.this.name in DUCKDB_ONLY_TYPES:
        return syntax(f"Type {node.this.name}", "use VARIANT, OBJECT, ARRAY or NUMBER")
    if (
        isinstance(node, (exp.Cast, exp.TryCast))
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
        and node.this.name.strip().lower().lstrip("+-") == "infinity"
        and isinstance(node.to, exp.DataType)
        and node.to.this in TEMPORAL_TYPES
    ):
        return Refusal("100035", "22007", f"Timestamp '{node.this.name}' is not recognized [fakesnow strict check]")
    return None
