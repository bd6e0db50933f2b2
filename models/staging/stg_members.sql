{{ config(schema='staging', tags=['staging']) }}
-- One row per member: the latest version loaded into raw, or a newer change streamed into the members
-- stream table where one runs (macros/batch_and_stream.sql; a streamed delete removes the member).
{% set batch %}
select member_id, first_name, last_name, birth_date, plan_id, coverage_start, coverage_end, _edp_loaded_at
from {{ source('raw', 'members') }}
qualify row_number() over (partition by member_id order by _edp_interval_start desc, _edp_row_number desc) = 1
{% endset %}
{{ batch_and_stream(
    batch,
    'member_id',
    ['member_id', 'first_name', 'last_name', 'birth_date', 'plan_id', 'coverage_start', 'coverage_end'],
    stream_table_for('members')
) }}
