{{ config(schema='marts', tags=['marts']) }}
-- One row per member and plan year (the plan year of the member's current plan): deductible and
-- out-of-pocket amounts of the plan minus what the accumulators say is met, floored at 0. A member
-- without accumulators for that year has met nothing yet.
select
  m.member_id || '-' || p.plan_year as member_plan_year_id,
  m.member_id,
  p.plan_year,
  m.plan_id,
  p.plan_name,
  p.deductible,
  p.out_of_pocket_max,
  cast(coalesce(a.deductible_met, 0) as decimal(18, 2)) as deductible_met,
  cast(coalesce(a.out_of_pocket_met, 0) as decimal(18, 2)) as out_of_pocket_met,
  cast(greatest(p.deductible - coalesce(a.deductible_met, 0), 0) as decimal(18, 2)) as deductible_remaining,
  cast(greatest(p.out_of_pocket_max - coalesce(a.out_of_pocket_met, 0), 0) as decimal(18, 2)) as out_of_pocket_remaining,
  a.as_of as accumulators_as_of
from {{ ref('int_members') }} m
join {{ ref('stg_plans') }} p on p.plan_id = m.plan_id
left join {{ ref('stg_accumulators') }} a on a.member_id = m.member_id and a.plan_year = p.plan_year
