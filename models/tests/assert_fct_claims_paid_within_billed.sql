-- A claim never pays more than was billed: returns the claims that do (the test fails on any row).
select claim_id, billed_amount, paid_amount
from {{ ref('fct_claims') }}
where paid_amount > billed_amount
