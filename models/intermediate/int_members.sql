{{ config(schema='intermediate', tags=['intermediate']) }}
-- One row per member: the member file's attributes with plan and coverage taken from the member's
-- eligibility statement where there is one (the eligibility feed restates coverage changes), else
-- from the member file.
select
  m.member_id,
  m.first_name,
  m.last_name,
  m.birth_date,
  coalesce(e.plan_id, m.plan_id) as plan_id,
  coalesce(e.coverage_start, m.coverage_start) as coverage_start,
  case when e.member_id is null then m.coverage_end else e.coverage_end end as coverage_end,
  case when e.member_id is null then 'members' else 'eligibility' end as coverage_source,
  e.status as eligibility_feed_status,
  e.updated_at as eligibility_updated_at
from {{ ref('stg_members') }} m
left join {{ ref('stg_eligibility') }} e on e.member_id = m.member_id
