{{ config(schema='staging', tags=['staging']) }}
-- One row per claim: its latest status.
select claim_id, member_id, provider_id, service_date, billed_amount, paid_amount, claim_status
from {{ source('raw', 'claims') }}
qualify row_number() over (partition by claim_id order by _edp_interval_start desc, _edp_row_number desc) = 1
