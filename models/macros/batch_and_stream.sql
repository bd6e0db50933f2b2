{#- Batch and streamed rows as one source (docs/cdc-history.md#batch-and-stream-as-one-source).

    A streamed topic merges into staging.<table> (the latest row per key; a Debezium delete removes the
    row) and keeps every event in raw.<table>. A staging model reads its batch rows and, when that stream
    table exists, the stream's latest event per key; per key the newer one wins: the batch row's
    _edp_loaded_at against the event's _edp_event_time. A winning delete drops the key. Columns the
    stream does not carry keep the batch row's value. Without the stream table the model is its batch
    SQL alone. -#}

{#- The stream table's columns (lower-case) when staging.<table> exists, else none. information_schema
    with lower(): Snowflake stores unquoted names upper-cased, which adapter.get_relation (an exact
    comparison) misses. While parsing (execute false) nothing runs, as in dbt. -#}
{% macro stream_columns(table) -%}
  {%- if execute -%}
    {%- set found = run_query(
        "select lower(column_name) as column_name from information_schema.columns"
        ~ " where lower(table_schema) = 'staging' and lower(table_name) = '" ~ (table | lower) ~ "'"
        ~ " order by ordinal_position") -%}
  {%- endif -%}
  {%- if not execute or found is none or found.rows | length == 0 -%}
    {{ return(none) }}
  {%- else -%}
    {{ return(found.columns[0].values() | list) }}
  {%- endif -%}
{%- endmacro %}

{#- The text of a key in a JSON document column (a raw row's row_json). -#}
{% macro edp_json_text(doc, key) -%}
  {{ return(adapter.dispatch('edp_json_text')(doc, key)) }}
{%- endmacro %}

{% macro default__edp_json_text(doc, key) -%}
  json_extract_string({{ doc }}, '$.{{ key }}')
{%- endmacro %}

{% macro snowflake__edp_json_text(doc, key) -%}
  json_extract_path_text({{ doc }}, '{{ key }}')
{%- endmacro %}

{#- The stream's latest event per key: rows of staging.<table> and deletes from raw.<table>, ordered as
    the staging merge orders them (event time, then partition and offset). `mapped` is a list of
    [model column, stream column] pairs the stream carries; _edp_deleted marks a delete. A delete a
    staging rule quarantined (staging.<table>__quarantined_events, when it exists) removes nothing. -#}
{% macro stream_latest(stream_table, key, mapped) -%}
{%- set quarantined = stream_columns(stream_table ~ '__quarantined_events') is not none -%}
select * from (
  select {{ key }}, {% for pair in mapped %}{{ pair[1] }} as {{ pair[0] }}, {% endfor %}false as _edp_deleted,
    _edp_event_time, _edp_kafka_partition, _edp_kafka_offset
  from staging.{{ stream_table }}
  union all
  select {{ edp_json_text('row_json', key) }}, {% for pair in mapped %}null, {% endfor %}true,
    _edp_event_time, kafka_partition, kafka_offset
  from raw.{{ stream_table }} r
  where _edp_op = 'd'
  {%- if quarantined %}
    and not exists (select 1 from staging.{{ stream_table }}__quarantined_events q
                    where q.kafka_partition = r.kafka_partition and q.kafka_offset = r.kafka_offset)
  {%- endif %}
) edp_events
qualify row_number() over (
  partition by {{ key }} order by _edp_event_time desc, _edp_kafka_partition desc, _edp_kafka_offset desc
) = 1
{%- endmacro %}

{#- [model column, stream column] for each non-key model column the stream table has; `renames` maps a
    model column to the stream's name for it. -#}
{% macro stream_mapping(columns, key, stream_cols, renames) -%}
  {%- set mapped = [] -%}
  {%- for c in columns if c != key -%}
    {%- set named = renames[c] if c in renames else c -%}
    {%- if (named | lower) in stream_cols -%}{%- do mapped.append([c, named]) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(mapped) }}
{%- endmacro %}

{#- The model's rows: `batch` is a SELECT of `columns` and _edp_loaded_at, one row per `key`;
    `stream_table` the streamed table that may hold newer rows. -#}
{% macro batch_and_stream(batch, key, columns, stream_table, renames={}) -%}
{%- set stream_cols = stream_columns(stream_table) if stream_table else none -%}
{%- if stream_cols is none -%}
select {{ columns | join(', ') }} from ({{ batch }}) edp_batch
{%- else -%}
{%- set mapped = stream_mapping(columns, key, stream_cols, renames) -%}
{%- set streamed = [] -%}
{%- for pair in mapped %}{% do streamed.append(pair[0]) %}{% endfor -%}
select
  {%- for c in columns %}
  {% if c == key -%}
  coalesce(s.{{ key }}, b.{{ key }})
  {%- elif c in streamed -%}
  case when s.{{ key }} is not null and (b.{{ key }} is null or s._edp_event_time > b._edp_loaded_at) then s.{{ c }} else b.{{ c }} end
  {%- else -%}
  b.{{ c }}
  {%- endif %} as {{ c }}{{ ',' if not loop.last }}
  {%- endfor %}
from ({{ batch }}) b
full outer join ({{ stream_latest(stream_table, key, mapped) }}) s on s.{{ key }} = b.{{ key }}
where not coalesce(s._edp_deleted and (b.{{ key }} is null or s._edp_event_time > b._edp_loaded_at), false)
{%- endif -%}
{%- endmacro %}

{#- Keys whose latest change is a streamed delete newer than their latest batch load (none without the
    stream table): what an incremental model's post-hook removes from the rows it built before. -#}
{% macro stream_deleted_keys(batch_relation, key, stream_table) -%}
{%- if stream_table and stream_columns(stream_table) is not none -%}
select s.{{ key }} from ({{ stream_latest(stream_table, key, []) }}) s
left join (
  select {{ key }}, max(_edp_loaded_at) as _edp_loaded_at from {{ batch_relation }} group by {{ key }}
) b on b.{{ key }} = s.{{ key }}
where s._edp_deleted and (b.{{ key }} is null or s._edp_event_time > b._edp_loaded_at)
{%- else -%}
select {{ key }} from {{ batch_relation }} where 1 = 0
{%- endif -%}
{%- endmacro %}

{#- The stream table a staging model reads for `entity`: var stream_tables (dbt_project.yml), none when it
    names no table for the entity. -#}
{% macro stream_table_for(entity) -%}
  {%- set tables = var('stream_tables') -%}
  {{ return(tables[entity] if entity in tables else none) }}
{%- endmacro %}
