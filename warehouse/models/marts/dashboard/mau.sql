-- each row one month, from that month's events alone: a build rebuilds
-- the months that changed (macros/rebuilt_in_parts.sql)
-- depends_on: {{ ref('int_activity_days_changed') }}
{{ config(rebuilds_by={'column': 'activity_month', 'grain': 'month'}) }}

with

-- the report window's events, the only ones it counts
events as (
    select * from {{ ref('int_activity_events_unioned') }}
    where {{ in_report_months('activity_month') }}
),

report_months as (
    {{ report_months('activity_month') }}
),

posts_and_comments as (
    select * from events
    where
        activity_type in ('post', 'comment')
        and occurred_at < {{ as_of_end() }}
),

final as (
    select
        report_months.activity_month,
        {{ posts_and_comments_counts('posts_and_comments') }}
    from report_months
    left join posts_and_comments
        on report_months.activity_month = posts_and_comments.activity_month
    group by report_months.activity_month
)

select * from final
order by activity_month
