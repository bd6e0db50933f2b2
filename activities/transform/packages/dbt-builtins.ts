/**
 * The engine's own `dbt` namespace: the cross-database macros dbt-core ships (`dbt.date_trunc`,
 * `dbt.type_string`, …), written here for DuckDB (as dbt-duckdb renders them) and Snowflake. Each
 * dispatches like dbt's, so a project or package can override `duckdb__dateadd` or `default__hash`.
 */
interface Builtin {
  name: string;
  params: string;
  /** The `default__` body (also Snowflake's unless `snowflake` is given). */
  body: string;
  duckdb?: string;
  snowflake?: string;
}

/** Macros without arguments that print a constant: the type names and set operators. */
const CONSTANTS: Record<string, string> = {
  type_string: 'varchar',
  type_timestamp: 'timestamp',
  type_int: 'integer',
  type_bigint: 'bigint',
  type_float: 'float',
  type_numeric: 'numeric(28,6)',
  type_boolean: 'boolean',
  except: 'except',
  intersect: 'intersect',
};

const BUILTINS: Builtin[] = [
  ...Object.entries(CONSTANTS).map(([name, body]) => ({ name, params: '', body })),
  { name: 'hash', params: 'field', body: 'md5(cast({{ field }} as {{ dbt.type_string() }}))' },
  { name: 'concat', params: 'fields', body: "{{ fields|join(' || ') }}" },
  { name: 'date_trunc', params: 'datepart, date', body: "date_trunc('{{ datepart }}', {{ date }})" },
  {
    name: 'dateadd',
    params: 'datepart, interval, from_date_or_timestamp',
    body: 'dateadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})',
    duckdb: 'date_add({{ from_date_or_timestamp }}, interval ({{ interval }}) {{ datepart }})',
  },
  {
    name: 'datediff',
    params: 'first_date, second_date, datepart',
    body: 'datediff({{ datepart }}, {{ first_date }}, {{ second_date }})',
    duckdb: "date_diff('{{ datepart }}', {{ first_date }}::timestamp, {{ second_date }}::timestamp)",
  },
  {
    name: 'safe_cast',
    params: 'field, type',
    body: 'try_cast({{ field }} as {{ type }})',
  },
  { name: 'cast', params: 'field, type', body: 'cast({{ field }} as {{ type }})' },
  {
    name: 'listagg',
    params: 'measure, delimiter_text="\',\'", order_by_clause=none, limit_num=none',
    body: 'listagg({{ measure }}, {{ delimiter_text }}){% if order_by_clause %} within group ({{ order_by_clause }}){% endif %}',
    duckdb:
      '{% if limit_num %}list_aggr((array_agg({{ measure }} {{ order_by_clause or "" }}))[1:{{ limit_num }}], \'string_agg\', {{ delimiter_text }}){% else %}string_agg({{ measure }}, {{ delimiter_text }} {{ order_by_clause or "" }}){% endif %}',
  },
  {
    name: 'split_part',
    params: 'string_text, delimiter_text, part_number',
    body: 'split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})',
    duckdb: 'string_split({{ string_text }}, {{ delimiter_text }})[ {{ part_number }} ]',
  },
  {
    name: 'replace',
    params: 'field, old_chars, new_chars',
    body: 'replace({{ field }}, {{ old_chars }}, {{ new_chars }})',
  },
  { name: 'length', params: 'expression', body: 'length({{ expression }})' },
  {
    name: 'right',
    params: 'string_text, length_expression',
    body: 'right({{ string_text }}, {{ length_expression }})',
  },
  {
    name: 'position',
    params: 'substring_text, string_text',
    body: 'position({{ substring_text }} in {{ string_text }})',
  },
  {
    name: 'any_value',
    params: 'expression',
    body: 'any_value({{ expression }})',
    duckdb: 'arbitrary({{ expression }})',
  },
  {
    name: 'bool_or',
    params: 'expression',
    body: 'bool_or({{ expression }})',
    snowflake: 'boolor_agg({{ expression }})',
  },
  {
    name: 'last_day',
    params: 'date, datepart',
    body: "cast({{ dbt.dateadd('day', '-1', dbt.dateadd(datepart, '1', dbt.date_trunc(datepart, date))) }} as date)",
    snowflake: "cast(last_day({{ date }}, '{{ datepart }}') as date)",
  },
  { name: 'current_timestamp', params: '', body: 'current_timestamp()', duckdb: 'now()' },
  { name: 'string_literal', params: 'value', body: "'{{ value }}'" },
  { name: 'escape_single_quotes', params: 'expression', body: '{{ expression | replace("\'", "\'\'") }}' },
  { name: 'cast_bool_to_text', params: 'field', body: 'cast({{ field }} as {{ dbt.type_string() }})' },
  { name: 'array_construct', params: 'inputs=[], data_type=none', body: 'array[{{ inputs|join(", ") }}]' },
  {
    name: 'date',
    params: 'year, month, day',
    body: 'make_date({{ year }}, {{ month }}, {{ day }})',
    snowflake: 'date_from_parts({{ year }}, {{ month }}, {{ day }})',
  },
];

function render(b: Builtin): string {
  const args = [...b.params.matchAll(/(?:^|,)\s*([A-Za-z_]+)/g)].map((m) => m[1]).join(', ');
  const impl = (prefix: string, body: string) => `{% macro ${prefix}__${b.name}(${b.params}) %}${body}{% endmacro %}`;
  return [
    `{% macro ${b.name}(${b.params}) %}{{ return(adapter.dispatch('${b.name}', 'dbt')(${args})) }}{% endmacro %}`,
    impl('default', b.body),
    b.duckdb ? impl('duckdb', b.duckdb) : '',
    b.snowflake ? impl('snowflake', b.snowflake) : '',
  ].join('');
}

/** The `dbt` namespace's macros as one Jinja source, one macro family per line. */
export const DBT_BUILTINS = [
  ...BUILTINS.map(render),
  '{% macro should_store_failures() %}{{ return(edp__store_failures is defined and edp__store_failures) }}{% endmacro %}',
  '{% macro statement(name=none, fetch_result=false, auto_begin=true) %}{{ edp__statement(name, caller(), fetch_result) }}{% endmacro %}',
].join('\n');
