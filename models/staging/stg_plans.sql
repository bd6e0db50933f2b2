{{ config(schema='staging', tags=['staging']) }}
-- One row per plan (operational.plans, extracted in full every run): amounts for its current plan year.
select plan_id, plan_name, deductible, out_of_pocket_max, plan_year
from {{ source('raw', 'operational_plans') }}
qualify row_number() over (partition by plan_id order by _edp_interval_start desc, _edp_row_number desc) = 1
