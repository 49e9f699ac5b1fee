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

intensity_levels as (
    select
        'Power User' as intensity_level,
        1 as level_rank
    union all
    select
        'Active User' as intensity_level,
        2 as level_rank
    union all
    select
        'Regular User' as intensity_level,
        3 as level_rank
    union all
    select
        'Casual User' as intensity_level,
        4 as level_rank
),

activities_by_person_month as (
    select
        activity_month,
        person_id,
        count(*) as activities
    from events
    where
        activity_type in ('post', 'comment')
        and occurred_at < {{ as_of_end() }}
    group by activity_month, person_id
),

persons_with_level as (
    select
        activity_month,
        person_id,
        activities,
        case
            when activities >= 20 then 'Power User'
            when activities >= 10 then 'Active User'
            when activities >= 5 then 'Regular User'
            else 'Casual User'
        end as intensity_level
    from activities_by_person_month
),

final as (
    select
        report_months.activity_month,
        intensity_levels.intensity_level,
        intensity_levels.level_rank,
        count(persons_with_level.person_id) as users,
        cast(
            coalesce(sum(persons_with_level.activities), 0)
            as {{ dbt.type_bigint() }}
        ) as activities
    from report_months
    cross join intensity_levels
    left join persons_with_level
        on
            report_months.activity_month = persons_with_level.activity_month
            and intensity_levels.intensity_level
            = persons_with_level.intensity_level
    group by
        report_months.activity_month,
        intensity_levels.intensity_level,
        intensity_levels.level_rank
)

select * from final
order by activity_month, level_rank
