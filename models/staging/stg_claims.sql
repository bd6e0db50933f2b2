{{ config(schema='staging', tags=['staging']) }}
-- One row per claim: its latest status, from the claim files or, when newer, the claims stream table
-- where one runs (its `status` is the claim status; macros/batch_and_stream.sql).
{% set batch %}
select claim_id, member_id, provider_id, service_date, billed_amount, paid_amount, claim_status, _edp_loaded_at
from {{ source('raw', 'claims') }}
qualify row_number() over (partition by claim_id order by _edp_interval_start desc, _edp_row_number desc) = 1
{% endset %}
{{ batch_and_stream(
    batch,
    'claim_id',
    ['claim_id', 'member_id', 'provider_id', 'service_date', 'billed_amount', 'paid_amount', 'claim_status'],
    stream_table_for('claims'),
    {'claim_status': 'status'}
) }}
