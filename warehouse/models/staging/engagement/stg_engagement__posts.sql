with

source as (
    select * from {{ source_with_removals('engagement', 'posts') }}
),

renamed as (
    select
        id as post_id,
        person_id,
        type as post_type,
        status as post_status,
        {{ json_text('metadata', 'url') }} as link_url,
        group_id,
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
