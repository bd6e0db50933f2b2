{{ config(schema='staging', tags=['staging']) }}
-- One row per member and plan year: the most recent deductible / out-of-pocket totals (newest as_of, then the latest load).
select
  member_id || '-' || plan_year as accumulator_id,
  member_id,
  plan_year,
  deductible_met,
  out_of_pocket_met,
  as_of
from {{ source('raw', 'accumulators') }}
qualify row_number() over (
  partition by member_id, plan_year
  order by as_of desc nulls last, _edp_interval_start desc, _edp_row_number desc
) = 1
