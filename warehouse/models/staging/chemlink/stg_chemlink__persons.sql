with

source as (
    select * from {{ source_with_removals('chemlink', 'persons') }}
),

renamed as (
    select
        id as chemlink_person_id,
        person_id,
        account_type,
        headline,
        company,
        country_code,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('deleted_at') }} as deleted_at,
        deleted_at is not null as is_deleted,
        {{ to_utc('removed_at') }} as removed_at,
        removed_at is not null as is_removed,
        change_load_id
    from source
)

select * from renamed
