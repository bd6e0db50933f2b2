{{ config(schema='staging', tags=['staging']) }}
-- One row per provider: the latest version loaded into raw.
select provider_id, provider_name, specialty, network_status = 'in_network' as in_network
from {{ source('raw', 'providers') }}
qualify row_number() over (partition by provider_id order by _edp_interval_start desc, _edp_row_number desc) = 1
