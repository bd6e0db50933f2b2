{#- Member history (SCD type 2): a new version whenever a checked column changes between runs.
    Members have no trustworthy updated_at, hence the check strategy. -#}
{% snapshot members_snapshot %}
{{
  config(
    target_schema='snapshots',
    unique_key='member_id',
    strategy='check',
    check_cols=['first_name', 'last_name', 'birth_date', 'plan_id', 'coverage_start', 'coverage_end'],
    tags=['snapshots']
  )
}}
select member_id, first_name, last_name, birth_date, plan_id, coverage_start, coverage_end
from {{ ref('int_members') }}
{% endsnapshot %}
