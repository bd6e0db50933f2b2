{{ config(schema='marts', tags=['marts']) }}
-- Claims fact: one row per claim, including claims whose member is unknown (is_known_member false),
-- with the member's current plan, the provider's network status, line totals and the latest
-- operational status event.
with lines as (
  select
    claim_id,
    count(*) as claim_lines,
    sum(billed_amount) as line_billed_amount,
    sum(allowed_amount) as line_allowed_amount,
    sum(paid_amount) as line_paid_amount
  from {{ ref('stg_claim_lines') }}
  group by claim_id
)
select
  c.claim_id,
  c.member_id,
  c.provider_id,
  c.service_date,
  m.plan_id,
  p.in_network,
  c.claim_status,
  c.claim_status in {{ open_claim_statuses() }} as is_open,
  m.member_id is not null as is_known_member,
  c.billed_amount,
  c.paid_amount,
  coalesce(l.claim_lines, 0) as claim_lines,
  l.line_billed_amount,
  l.line_allowed_amount,
  l.line_paid_amount,
  s.latest_status as latest_event_status,
  s.latest_status_at as latest_event_at
from {{ ref('stg_claims') }} c
left join {{ ref('stg_members') }} m on m.member_id = c.member_id
left join {{ ref('stg_providers') }} p on p.provider_id = c.provider_id
left join lines l on l.claim_id = c.claim_id
left join {{ ref('int_claim_status_latest') }} s on s.claim_id = c.claim_id
