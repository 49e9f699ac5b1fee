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

live_chemlink_activity as (
    select * from events
    where activity_source = 'chemlink' and person_status = 'live'
),

final as (
    select
        report_days.activity_date,
        {{ chemlink_activity_counts('live_chemlink_activity') }}
    from report_days
    left join live_chemlink_activity
        on report_days.activity_date = live_chemlink_activity.activity_date
    group by report_days.activity_date
)

select * from final
order by activity_date
