with

source as (
    select * from {{ source_with_removals('engagement', 'mentions') }}
),

renamed as (
    select
        id as mention_id,
        post_id,
        comment_id,
        mentioned_person_id,
        mentioned_by_person_id,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('removed_at') }} as removed_at,
        removed_at is not null as is_removed,
        change_load_id
    from source
)

select * from renamed
