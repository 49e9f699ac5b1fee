-- Real people (live ChemLink persons; ghosts and unsynced uuids excluded)
-- active per UTC day in either product, for the 30 days ending with as-of.

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

products_used_by_person_day as (
    select
        activity_date,
        person_id,
        max(case when activity_source = 'chemlink' then 1 else 0 end)
            as used_chemlink,
        max(case when activity_source = 'engagement' then 1 else 0 end)
            as used_engagement
    from events
    where person_status = 'live'
    group by activity_date, person_id
),

final as (
    select
        report_days.activity_date,
        {{ platform_counts('products_used_by_person_day') }}
    from report_days
    left join products_used_by_person_day
        on report_days.activity_date = products_used_by_person_day.activity_date
    group by report_days.activity_date
)

select * from final
order by activity_date
