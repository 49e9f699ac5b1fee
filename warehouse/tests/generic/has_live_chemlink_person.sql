{#- The orphan condition: an Engagement person uuid with no ChemLink person,
    or one that is soft-deleted. Returns one row per offending Engagement row. -#}
{% test has_live_chemlink_person(model, column_name) %}

with

references_to_persons as (
    select {{ column_name }} as person_id from {{ model }}
),

persons as (
    select * from {{ ref('stg_chemlink__persons') }}
)

select
    references_to_persons.person_id,
    case
        when persons.person_id is null then 'missing_in_chemlink'
        else 'deleted_in_chemlink'
    end as reason
from references_to_persons
left join persons
    on references_to_persons.person_id = persons.person_id
where persons.person_id is null or persons.is_deleted

{% endtest %}
