{{ config(schema='marts', tags=['marts']) }}
-- One row per known member with at least one open claim (submitted or adjudicated, as in
-- member_claims_summary): counts, amounts and the service-date range of the open claims.
select
  member_id,
  plan_id,
  count(*) as open_claims,
  count_if(claim_status = 'submitted') as submitted_claims,
  count_if(claim_status = 'adjudicated') as adjudicated_claims,
  sum(billed_amount) as open_billed_amount,
  min(service_date) as oldest_open_service_date,
  max(service_date) as newest_open_service_date
from {{ ref('fct_claims') }}
where is_open and is_known_member
group by member_id, plan_id
