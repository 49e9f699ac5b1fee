-- each row one day, from that day's events alone: a build rebuilds
-- the days that changed (macros/rebuilt_in_parts.sql)
-- depends_on: {{ ref('int_activity_days_changed') }}
{{ config(rebuilds_by={'column': 'activity_date', 'grain': 'day'}) }}

with

-- the report window's events, the only ones it counts
events as (
    select * from {{ ref('int_activity_events_unioned') }}
    where {{ in_report_days('activity_date') }}
),

report_days as (
    {{ report_days('activity_date') }}
),

posts_and_comments as (
    select * from events
    where activity_type in ('post', 'comment')
),

final as (
    select
        report_days.activity_date,
        {{ posts_and_comments_counts('posts_and_comments') }}
    from report_days
    left join posts_and_comments
        on report_days.activity_date = posts_and_comments.activity_date
    group by report_days.activity_date
)

select * from final
order by activity_date
