{{ config(schema='staging', tags=['staging']) }}
-- One row per claim line: the latest version loaded into raw.
select
  claim_id || '-' || line_number as claim_line_id,
  claim_id,
  line_number,
  procedure_code,
  billed_amount,
  allowed_amount,
  paid_amount
from {{ source('raw', 'claim_lines') }}
qualify row_number() over (
  partition by claim_id, line_number
  order by _edp_interval_start desc, _edp_row_number desc
) = 1
