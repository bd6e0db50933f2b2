{{ config(schema='marts', tags=['marts']) }}
-- Member dimension, SCD type 2: one row per member version from the members snapshot; the current
-- version has valid_to NULL and is_current true.
select
  dbt_scd_id as member_version_id,
  member_id,
  row_number() over (partition by member_id order by dbt_valid_from) as member_version,
  first_name,
  last_name,
  birth_date,
  plan_id,
  coverage_start,
  coverage_end,
  dbt_valid_from as valid_from,
  dbt_valid_to as valid_to,
  dbt_valid_to is null as is_current
from {{ ref('members_snapshot') }}
