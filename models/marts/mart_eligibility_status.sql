{{ config(schema='marts', tags=['marts']) }}
-- One row per member: ACTIVE, PENDING (coverage starts after the as-of date) or TERMINATED (coverage
-- ended before it) on the as-of date: var as_of_date (YYYY-MM-DD, e.g. --vars '{as_of_date: 2026-01-01}'),
-- today by default. Coverage runs through coverage_end inclusive; no coverage_end means open-ended.
with params as (
  select coalesce(cast(nullif('{{ var("as_of_date", "") }}', '') as date), current_date) as as_of_date
)
select
  m.member_id,
  m.plan_id,
  m.coverage_start,
  m.coverage_end,
  m.coverage_source,
  p.as_of_date,
  case
    when m.coverage_start > p.as_of_date then 'PENDING'
    when m.coverage_end < p.as_of_date then 'TERMINATED'
    else 'ACTIVE'
  end as eligibility_status
from {{ ref('int_members') }} m
cross join params p
