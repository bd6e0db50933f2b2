{{ config(schema='marts', tags=['marts']) }}
-- Per provider: claim volume and amounts, in or out of network.
select
  provider_id,
  any_value(in_network) as in_network,
  count(*) as claims,
  sum(billed_amount) as billed_amount,
  sum(paid_amount) as paid_amount
from {{ ref('int_claims_enriched') }}
group by provider_id
