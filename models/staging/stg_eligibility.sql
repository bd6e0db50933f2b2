{{ config(schema='staging', tags=['staging']) }}
-- One row per member: the latest eligibility statement (newest updated_at, then the latest load).
select member_id, plan_id, coverage_start, coverage_end, status, updated_at
from {{ source('raw', 'eligibility') }}
qualify row_number() over (
  partition by member_id
  order by updated_at desc nulls last, _edp_interval_start desc, _edp_row_number desc
) = 1
