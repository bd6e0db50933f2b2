{#- Claim statuses that count as open (not yet decided): the list member_claims_summary uses. -#}
{% macro open_claim_statuses() -%}
('submitted', 'adjudicated')
{%- endmacro %}
