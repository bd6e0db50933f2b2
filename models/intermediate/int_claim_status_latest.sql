{{ config(schema='intermediate', tags=['intermediate']) }}
-- One row per claim with status events: its latest operational status (newest updated_at, then event_id).
select
  claim_id,
  status as latest_status,
  amount as latest_amount,
  updated_at as latest_status_at,
  count(*) over (partition by claim_id) as status_events
from {{ ref('stg_claim_status_events') }}
qualify row_number() over (partition by claim_id order by updated_at desc, event_id desc) = 1
