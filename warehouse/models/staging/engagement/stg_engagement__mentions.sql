with

source as (
    select * from {{ source('engagement', 'mentions') }}
),

renamed as (
    select
        id as mention_id,
        post_id,
        comment_id,
        mentioned_person_id,
        mentioned_by_person_id,
        {{ to_utc('created_at') }} as created_at
    from source
)

select * from renamed
