{{ config(schema='staging', tags=['staging'], materialized='incremental', incremental_strategy='delete+insert', unique_key='event_id') }}
-- One row per claim status event from operational.claim_status_events. Incremental: a run reads only
-- the events at or after the newest updated_at already here; unique_key replaces re-extracted events.
select event_id, claim_id, status, amount, updated_at
from {{ source('raw', 'operational_claim_status_events') }}
{% if is_incremental() %}
where updated_at >= coalesce((select max(updated_at) from {{ this }}), '-infinity'::timestamptz)
{% endif %}
qualify row_number() over (partition by event_id order by _edp_interval_start desc, _edp_row_number desc) = 1
