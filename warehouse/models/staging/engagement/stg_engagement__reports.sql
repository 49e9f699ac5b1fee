with

source as (
    select * from {{ source_with_removals('engagement', 'reports') }}
),

renamed as (
    select
        id as report_id,
        reporter_id as reporter_person_id,
        post_id,
        comment_id,
        reason as report_reason,
        status as report_status,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('resolved_at') }} as resolved_at,
        {{ to_utc('removed_at') }} as removed_at,
        removed_at is not null as is_removed,
        change_load_id
    from source
)

select * from renamed
