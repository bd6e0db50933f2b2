{#- SQL whose spelling differs by warehouse, dispatched per adapter as dbt packages do: default__ is
    DuckDB's, snowflake__ Snowflake's. The local Snowflake server refuses DuckDB-only SQL
    (docs/snowflake.md#the-strict-check), so each model stays valid on both. -#}

{#- Hours (two decimals) from timestamp `since` to now. -#}
{% macro edp_hours_since(since) -%}
  {{ return(adapter.dispatch('edp_hours_since')(since)) }}
{%- endmacro %}

{% macro default__edp_hours_since(since) -%}
  round(epoch(now() - {{ since }}) / 3600, 2)
{%- endmacro %}

{% macro snowflake__edp_hours_since(since) -%}
  round((date_part(epoch_millisecond, current_timestamp()) - date_part(epoch_millisecond, {{ since }})) / 3600000, 2)
{%- endmacro %}

{#- A timestamp (with time zone) before any real one: the floor of an incremental filter on an empty table. -#}
{% macro edp_earliest_timestamp() -%}
  {{ return(adapter.dispatch('edp_earliest_timestamp')()) }}
{%- endmacro %}

{% macro default__edp_earliest_timestamp() -%}
  '-infinity'::timestamptz
{%- endmacro %}

{% macro snowflake__edp_earliest_timestamp() -%}
  '0001-01-01 00:00:00 +00:00'::timestamp_tz
{%- endmacro %}

{#- An index for point lookups by `column` on table `schema`.`identifier`, as a post-hook (pass this.schema and
    this.identifier): DuckDB answers `column = <value>` from an ART index instead of scanning row groups.
    Snowflake has no indexes: nothing to run. -#}
{% macro edp_lookup_index(schema, identifier, column) -%}
  {{ return(adapter.dispatch('edp_lookup_index')(schema, identifier, column)) }}
{%- endmacro %}

{% macro default__edp_lookup_index(schema, identifier, column) -%}
  create index if not exists {{ identifier }}_{{ column }} on {{ schema }}.{{ identifier }} ({{ column }})
{%- endmacro %}

{% macro snowflake__edp_lookup_index(schema, identifier, column) -%}
{%- endmacro %}
