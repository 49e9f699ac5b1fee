-- One row per person uuid known to either database: ChemLink's persons with
-- both their keys, plus the uuids Engagement refers to that ChemLink lacks.
-- A uuid ChemLink lacks is `unsynced` while all its Engagement rows are newer
-- than ChemLink's last load (the person may simply not be loaded yet), and
-- `missing_in_chemlink` otherwise, as is a person removed at the source.

with

persons as (
    select * from {{ ref('stg_chemlink__persons') }}
),

person_references as (
    select * from {{ ref('int_person_references_unioned') }}
),

source_loads as (
    select * from {{ ref('int_source_loads_unioned') }}
),

chemlink_synced as (
    select max(extraction_started_at) as synced_until
    from source_loads
    where source_name = 'chemlink'
),

chemlink_persons as (
    select
        person_id,
        chemlink_person_id,
        account_type,
        country_code,
        created_at as signed_up_at,
        updated_at as profile_updated_at,
        case
            when is_removed then 'missing_in_chemlink'
            when is_deleted then 'deleted_in_chemlink'
            else 'live'
        end as person_status
    from persons
),

uuids_only_engagement_knows as (
    select
        person_references.person_id,
        min(person_references.created_at) as first_referenced_at
    from person_references
    left join persons
        on person_references.person_id = persons.person_id
    where persons.person_id is null
    group by person_references.person_id
),

persons_missing_in_chemlink as (
    select
        uuids_only_engagement_knows.person_id,
        cast(null as {{ dbt.type_bigint() }}) as chemlink_person_id,
        cast(null as {{ dbt.type_string() }}) as account_type,
        cast(null as {{ dbt.type_string() }}) as country_code,
        cast(null as {{ dbt.type_timestamp() }}) as signed_up_at,
        cast(null as {{ dbt.type_timestamp() }}) as profile_updated_at,
        case
            when
                uuids_only_engagement_knows.first_referenced_at
                >= chemlink_synced.synced_until
                then 'unsynced'
            else 'missing_in_chemlink'
        end as person_status
    from uuids_only_engagement_knows
    cross join chemlink_synced
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
