{#- The orphan condition on an Engagement person column: rows whose uuid has
    no ChemLink person (or one removed at the source), or a soft-deleted one.
    A uuid ChemLink lacks only because it was not loaded yet (every row newer
    than ChemLink's last load: `unsynced`) is not an orphan.

    Severity and threshold are dbt vars: orphan_test_severity (warn, the
    default, or error) and orphan_error_threshold (with severity error, fail
    above this many orphan rows, warn from 1). Failing rows are stored in
    schema test_failures for analysts to query. -#}
{% test has_live_chemlink_person(model, column_name) %}

{{ config(
    severity=var('orphan_test_severity', 'warn'),
    error_if='>' ~ var('orphan_error_threshold', 0),
    warn_if='>0',
    store_failures=true,
) }}

with

person_references as (
    select
        {{ column_name }} as person_id,
        created_at
    from {{ model }}
    where not is_removed
),

persons as (
    select * from {{ ref('int_persons_unioned') }}
)

select
    person_references.person_id,
    persons.person_status as reason,
    person_references.created_at
from person_references
inner join persons
    on person_references.person_id = persons.person_id
where persons.person_status in ('missing_in_chemlink', 'deleted_in_chemlink')

{% endtest %}
