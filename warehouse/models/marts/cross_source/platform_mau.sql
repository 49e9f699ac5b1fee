-- Real people (live ChemLink persons; ghosts and unsynced uuids excluded)
-- active per UTC month in either product, for the 12 months ending with the
-- as-of month.

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

products_used_by_person_month as (
    select
        activity_month,
        person_id,
        max(case when activity_source = 'chemlink' then 1 else 0 end)
            as used_chemlink,
        max(case when activity_source = 'engagement' then 1 else 0 end)
            as used_engagement
    from events
    where person_status = 'live' and occurred_at < {{ as_of_end() }}
    group by activity_month, person_id
),

final as (
    select
        report_months.activity_month,
        {{ platform_counts('products_used_by_person_month') }}
    from report_months
    left join products_used_by_person_month
        on
            report_months.activity_month
            = products_used_by_person_month.activity_month
    group by report_months.activity_month
)

select * from final
order by activity_month
