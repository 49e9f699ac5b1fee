-- What the dashboard never tracked: every kind of Engagement activity per
-- UTC month, posts split by type. As in the dashboard's Engagement metrics,
-- every author uuid counts, ghosts included; live rows only.

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
    {%- for activity_type in [
        'post_text', 'post_link', 'post_image', 'post_file', 'comment',
        'mention', 'report', 'group_created', 'group_joined'
    ] %}
        select
            '{{ activity_type }}' as activity_type,
            {{ loop.index }} as type_order
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

engagement_activity as (
    select
        activity_month,
        person_id,
        event_id,
        case
            when activity_type = 'post'
                then {{ dbt.concat(["'post_'", "activity_detail"]) }}
            else activity_type
        end as activity_type
    from events
    where
        activity_source = 'engagement'
        and occurred_at < {{ as_of_end() }}
),

final as (
    select
        report_months.activity_month,
        activity_types.activity_type,
        activity_types.type_order,
        count(distinct engagement_activity.person_id) as unique_users,
        count(engagement_activity.event_id) as activity_count
    from report_months
    cross join activity_types
    left join engagement_activity
        on
            report_months.activity_month = engagement_activity.activity_month
            and activity_types.activity_type = engagement_activity.activity_type
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
