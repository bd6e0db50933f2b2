{{ config(schema='staging', tags=['staging']) }}
-- One row per provider: the latest version loaded into raw, or a newer change streamed into the
-- providers stream table where one runs (macros/batch_and_stream.sql).
{% set batch %}
select provider_id, provider_name, specialty, network_status, _edp_loaded_at
from {{ source('raw', 'providers') }}
qualify row_number() over (partition by provider_id order by _edp_interval_start desc, _edp_row_number desc) = 1
{% endset %}
select provider_id, provider_name, specialty, network_status = 'in_network' as in_network
from ({{ batch_and_stream(
    batch,
    'provider_id',
    ['provider_id', 'provider_name', 'specialty', 'network_status'],
    stream_table_for('providers')
) }}) providers
