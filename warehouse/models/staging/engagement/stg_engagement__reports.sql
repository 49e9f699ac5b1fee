with

source as (
    select * from {{ source('engagement', 'reports') }}
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
        {{ to_utc('resolved_at') }} as resolved_at
    from source
)

select * from renamed
