{{ config(schema='staging', tags=['staging']) }}
-- One row per member: the latest version loaded into raw.
select member_id, first_name, last_name, birth_date, plan_id, coverage_start, coverage_end
from {{ source('raw', 'members') }}
qualify row_number() over (partition by member_id order by _edp_interval_start desc, _edp_row_number desc) = 1
