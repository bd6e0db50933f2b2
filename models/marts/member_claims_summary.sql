{{ config(schema='marts', tags=['marts']) }}
-- Per member: claim counts, open claims and amounts, for the customer-service portal.
select
  m.member_id,
  m.plan_id,
  count(c.claim_id) as claims,
  count_if(c.claim_id is not null and c.claim_status in ('submitted', 'adjudicated')) as open_claims,
  coalesce(sum(c.billed_amount), 0) as billed_amount,
  coalesce(sum(c.paid_amount), 0) as paid_amount
from {{ ref('stg_members') }} m
left join {{ ref('int_claims_enriched') }} c using (member_id)
group by all
