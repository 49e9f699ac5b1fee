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

activity_types as (
    select
        'post' as activity_type,
        1 as type_order
    union all
    select
        'comment' as activity_type,
        2 as type_order
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
        activity_types.activity_type,
        activity_types.type_order,
        count(distinct posts_and_comments.person_id) as unique_users,
        count(posts_and_comments.event_id) as activity_count
    from report_months
    cross join activity_types
    left join posts_and_comments
        on
            report_months.activity_month = posts_and_comments.activity_month
            and activity_types.activity_type = posts_and_comments.activity_type
    group by
        report_months.activity_month,
        activity_types.activity_type,
        activity_types.type_order
)

select
    activity_month,
    activity_type,
    unique_users,
    activity_count
from final
order by activity_month, type_order
