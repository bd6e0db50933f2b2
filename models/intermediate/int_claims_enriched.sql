{{ config(schema='intermediate', tags=['intermediate']) }}
-- Claims with their member's plan and the provider's network status; claims for unknown members drop out.
select c.*, m.plan_id, p.in_network
from {{ ref('stg_claims') }} c
join {{ ref('stg_members') }} m using (member_id)
left join {{ ref('stg_providers') }} p using (provider_id)
