{{ config(
    schema='staging',
    tags=['staging'],
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='event_id',
    post_hook="delete from {{ this }} where event_id in ({{ stream_deleted_keys(source('raw', 'operational_claim_status_events'), 'event_id', stream_table_for('claim_status_events')) }})"
) }}
-- One row per claim status event from operational.claim_status_events, extracted by batch or, when
-- newer, streamed (macros/batch_and_stream.sql). Incremental: a run reads only the events at or after
-- the newest updated_at already here; unique_key replaces re-extracted events; the post-hook removes
-- events the stream deleted.
{% set batch %}
select event_id, claim_id, status, amount, updated_at, _edp_loaded_at
from {{ source('raw', 'operational_claim_status_events') }}
{% if is_incremental() %}
where updated_at >= coalesce((select max(updated_at) from {{ this }}), {{ edp_earliest_timestamp() }})
{% endif %}
qualify row_number() over (partition by event_id order by _edp_interval_start desc, _edp_row_number desc) = 1
{% endset %}
select * from ({{ batch_and_stream(
    batch,
    'event_id',
    ['event_id', 'claim_id', 'status', 'amount', 'updated_at'],
    stream_table_for('claim_status_events')
) }}) events
{% if is_incremental() %}
where updated_at >= coalesce((select max(updated_at) from {{ this }}), {{ edp_earliest_timestamp() }})
{% endif %}
