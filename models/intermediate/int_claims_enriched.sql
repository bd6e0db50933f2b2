{{ config(schema='intermediate', tags=['intermediate'], materialized='view') }}
-- Claims with their member's plan and the provider's network status; claims for unknown members drop out.
-- A view: two marts and its tests read it, and the join costs them less than storing its 1 M rows costs
-- (docs/transform.md, "The platform's own project at scale").
select c.*, m.plan_id, p.in_network
from {{ ref('stg_claims') }} c
join {{ ref('stg_members') }} m using (member_id)
left join {{ ref('stg_providers') }} p using (provider_id)
