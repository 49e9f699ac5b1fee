with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

events as (
    select * from {{ ref('int_activity_events_unioned') }}
),

report_months as (
    {{ report_months('activity_month') }}
),

-- persons count once they signed up by the end of the month, or by the end
-- of the as-of date in the as-of month
report_months_with_cutoff as (
    select
        activity_month,
        case
            when activity_month = {{ as_of_month() }} then {{ as_of_end() }}
            else cast(
                {{ dbt.dateadd('month', 1, 'activity_month') }}
                as {{ dbt.type_timestamp() }}
            )
        end as counted_until
    from report_months
),

user_types as (
    select
        'Finder' as user_type,
        'finder' as account_type,
        1 as type_order
    union all
    select
        'Standard' as user_type,
        'standard' as account_type,
        2 as type_order
),

live_persons as (
    select * from persons
    where is_live
),

-- view_access, query_vote or collection; profile updates do not count
persons_with_core_actions as (
    select distinct
        activity_month,
        person_id
    from events
    where
        activity_source = 'chemlink'
        and is_core_action
        and occurred_at < {{ as_of_end() }}
),

final as (
    select
        report_months_with_cutoff.activity_month,
        user_types.user_type,
        user_types.type_order,
        count(live_persons.person_id) as total_users,
        count(persons_with_core_actions.person_id) as active_users,
        {{ percentage(
            'count(persons_with_core_actions.person_id)',
            'count(live_persons.person_id)'
        ) }} as activation_rate_pct
    from report_months_with_cutoff
    cross join user_types
    left join live_persons
        on
            user_types.account_type = live_persons.account_type
            and report_months_with_cutoff.counted_until
            > live_persons.signed_up_at
    left join persons_with_core_actions
        on
            report_months_with_cutoff.activity_month
            = persons_with_core_actions.activity_month
            and live_persons.person_id = persons_with_core_actions.person_id
    group by
        report_months_with_cutoff.activity_month,
        user_types.user_type,
        user_types.type_order
)

select
    activity_month,
    user_type,
    total_users,
    active_users,
    activation_rate_pct
from final
order by activity_month, type_order
