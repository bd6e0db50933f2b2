-- Every member in the dimension has exactly one current version: returns the members that do not.
select member_id, count_if(is_current) as current_versions
from {{ ref('dim_member') }}
group by member_id
having count_if(is_current) <> 1
