-- each row one month, from that month's events alone: a build rebuilds
-- the months that changed (macros/rebuilt_in_parts.sql)
-- depends_on: {{ ref('int_activity_days_changed') }}
{{ config(rebuilds_by={'column': 'created_month', 'grain': 'month'}) }}

with

-- the report window's events, the only ones it counts
events as (
    select * from {{ ref('int_activity_events_unioned') }}
    where {{ in_report_months('activity_month') }}
),

report_months as (
    {{ report_months('created_month') }}
),

privacy_settings as (
    select
        'PUBLIC' as privacy,
        1 as privacy_order
    union all
    select
        'PRIVATE' as privacy,
        2 as privacy_order
),

-- collections are activity events of the live rows only
live_collections as (
    select
        activity_month as created_month,
        -- made before the setting shipped: the application treats it as PRIVATE
        coalesce(activity_detail, 'PRIVATE') as privacy,
        person_id
    from events
    where
        activity_type = 'collection'
        and person_status = 'live'
        and occurred_at < {{ as_of_end() }}
),

final as (
    select
        report_months.created_month,
        privacy_settings.privacy,
        privacy_settings.privacy_order,
        count(live_collections.person_id) as collections,
        count(distinct live_collections.person_id) as creators
    from report_months
    cross join privacy_settings
    left join live_collections
        on
            report_months.created_month
            = live_collections.created_month
            and privacy_settings.privacy = live_collections.privacy
    group by
        report_months.created_month,
        privacy_settings.privacy,
        privacy_settings.privacy_order
)

select
    created_month,
    privacy,
    collections,
    creators
from final
order by created_month, privacy_order
