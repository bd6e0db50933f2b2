{{ config(schema='consumption', tags=['consumption'], materialized='view') }}
-- What the member portal shows, one row per member: eligibility on the as-of date, claims and open
-- claims, deductible / out-of-pocket remaining, and how fresh the data is. Freshness is that of the
-- stalest feed behind the page (the oldest of the latest raw loads of members, eligibility, claims
-- and accumulators), compared with var freshness_threshold_hours (default 8: two 4-hour intervals).
with feeds as (
  select max(_edp_loaded_at) as loaded_at from {{ source('raw', 'members') }}
  union all
  select max(_edp_loaded_at) from {{ source('raw', 'eligibility') }}
  union all
  select max(_edp_loaded_at) from {{ source('raw', 'claims') }}
  union all
  select max(_edp_loaded_at) from {{ source('raw', 'accumulators') }}
),

freshness as (
  select
    min(loaded_at) as data_loaded_at,
    {{ edp_hours_since('min(loaded_at)') }} as hours_since_load
  from feeds
)

select
  e.member_id,
  e.plan_id,
  e.eligibility_status,
  e.coverage_start,
  e.coverage_end,
  e.as_of_date,
  coalesce(s.claims, 0) as claims,
  coalesce(o.open_claims, 0) as open_claims,
  coalesce(s.billed_amount, 0) as billed_amount,
  coalesce(s.paid_amount, 0) as paid_amount,
  o.oldest_open_service_date,
  d.plan_year,
  d.deductible,
  d.deductible_remaining,
  d.out_of_pocket_max,
  d.out_of_pocket_remaining,
  f.data_loaded_at,
  f.hours_since_load,
  coalesce(f.hours_since_load <= {{ var('freshness_threshold_hours', 8) }}, false) as is_fresh
from {{ ref('mart_eligibility_status') }} e
left join {{ ref('member_claims_summary') }} s on s.member_id = e.member_id
left join {{ ref('mart_open_claims') }} o on o.member_id = e.member_id
left join {{ ref('mart_deductible_remaining') }} d on d.member_id = e.member_id
cross join freshness f
