with

events as (
    select * from {{ ref('int_activity_events_unioned') }}
),

report_days as (
    {{ report_days('activity_date') }}
),

posts_and_comments as (
    select * from events
    where activity_source = 'engagement'
),

final as (
    select
        report_days.activity_date,
        count(distinct posts_and_comments.person_id) as active_users,
        count(distinct case
            when posts_and_comments.activity_type = 'post'
                then posts_and_comments.person_id
        end) as posting_users,
        count(distinct case
            when posts_and_comments.activity_type = 'comment'
                then posts_and_comments.person_id
        end) as commenting_users,
        count(case
            when posts_and_comments.activity_type = 'post' then 1
        end) as posts,
        count(case
            when posts_and_comments.activity_type = 'comment' then 1
        end) as comments
    from report_days
    left join posts_and_comments
        on report_days.activity_date = posts_and_comments.activity_date
    group by report_days.activity_date
)

select * from final
order by activity_date
