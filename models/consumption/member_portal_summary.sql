{{ config(schema='consumption', tags=['consumption'], materialized='view') }}
-- What the member portal shows, one row per member: eligibility on the as-of date, claims and open
-- claims, deductible / out-of-pocket remaining, and how fresh the data is. The rows are stored in
-- marts.mart_member_portal (built with the marts, so a lookup reads one table); only the columns that
-- move with the clock are computed here, at read time: hours since the stalest feed's latest raw load
-- (data_loaded_at), compared with var freshness_threshold_hours (default 8: two 4-hour intervals).
select
  p.member_id,
  p.plan_id,
  p.eligibility_status,
  p.coverage_start,
  p.coverage_end,
  p.as_of_date,
  p.claims,
  p.open_claims,
  p.billed_amount,
  p.paid_amount,
  p.oldest_open_service_date,
  p.plan_year,
  p.deductible,
  p.deductible_remaining,
  p.out_of_pocket_max,
  p.out_of_pocket_remaining,
  p.data_loaded_at,
  {{ edp_hours_since('p.data_loaded_at') }} as hours_since_load,
  coalesce({{ edp_hours_since('p.data_loaded_at') }} <= {{ var('freshness_threshold_hours', 8) }}, false) as is_fresh
from {{ ref('mart_member_portal') }} p
