-- One row per person uuid known to either database: ChemLink's persons with
-- both their keys, plus the uuids Engagement refers to that ChemLink lacks.

with

persons as (
    select * from {{ ref('stg_chemlink__persons') }}
),

person_references as (
    select * from {{ ref('int_person_references_unioned') }}
),

chemlink_persons as (
    select
        person_id,
        chemlink_person_id,
        account_type,
        created_at as signed_up_at,
        updated_at as profile_updated_at,
        case
            when is_deleted then 'deleted_in_chemlink' else 'live'
        end as person_status
    from persons
),

persons_missing_in_chemlink as (
    select distinct
        person_references.person_id,
        cast(null as {{ dbt.type_bigint() }}) as chemlink_person_id,
        cast(null as {{ dbt.type_string() }}) as account_type,
        cast(null as {{ dbt.type_timestamp() }}) as signed_up_at,
        cast(null as {{ dbt.type_timestamp() }}) as profile_updated_at,
        'missing_in_chemlink' as person_status
    from person_references
    left join persons
        on person_references.person_id = persons.person_id
    where persons.person_id is null
),

unioned as (
    select * from chemlink_persons
    union all
    select * from persons_missing_in_chemlink
),

final as (
    select
        *,
        person_status = 'live' as is_live
    from unioned
)

select * from final
