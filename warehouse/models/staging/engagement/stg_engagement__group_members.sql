with

source as (
    select * from {{ source_with_removals('engagement', 'group_members') }}
),

renamed as (
    select
        id as group_member_id,
        group_id,
        person_id,
        role as member_role,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('confirmed_at') }} as confirmed_at,
        {{ to_utc('deleted_at') }} as deleted_at,
        confirmed_at is not null as is_confirmed,
        deleted_at is not null as is_deleted,
        {{ to_utc('removed_at') }} as removed_at,
        removed_at is not null as is_removed,
        change_load_id
    from source
)

select * from renamed
