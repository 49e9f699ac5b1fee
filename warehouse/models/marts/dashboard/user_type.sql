with

persons as (
    select * from {{ ref('int_persons_unioned') }}
),

-- the report window's events, the only ones it counts
events as (
    select * from {{ ref('int_activity_events_unioned') }}
    where {{ in_report_months('activity_month') }}
),

report_months as (
    {{ report_months('activity_month') }}
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

-- persons count once they signed up by the end of the month, or by the end
-- of the as-of date in the as-of month
live_persons as (
    select
        person_id,
        account_type,
        signed_up_at,
        {{ month_of('signed_up_at') }} as signup_month
    from persons
    where is_live and signed_up_at < {{ as_of_end() }}
),

-- live persons signed up by then who made a core ChemLink action in the
-- month (view_access, query_vote or collection; profile updates do not count)
active_users as (
    select
        persons_with_core_actions.activity_month,
        live_persons.account_type,
        count(*) as active_users
    from (
        select distinct
            activity_month,
            person_id
        from events
        where
            activity_source = 'chemlink'
            and is_core_action
            and occurred_at < {{ as_of_end() }}
    ) as persons_with_core_actions
    inner join live_persons
        on
            persons_with_core_actions.person_id = live_persons.person_id
            and persons_with_core_actions.activity_month
            >= live_persons.signup_month
    group by
        persons_with_core_actions.activity_month,
        live_persons.account_type
),

signups_by_month as (
    select
        account_type,
        signup_month,
        count(*) as signups
    from live_persons
    group by account_type, signup_month
),

total_users as (
    select
        report_months.activity_month,
        signups_by_month.account_type,
        sum(signups_by_month.signups) as total_users
    from report_months
    inner join signups_by_month
        on report_months.activity_month >= signups_by_month.signup_month
    group by report_months.activity_month, signups_by_month.account_type
),

final as (
    select
        report_months.activity_month,
        user_types.user_type,
        user_types.type_order,
        cast(coalesce(total_users.total_users, 0) as {{ dbt.type_bigint() }})
            as total_users,
        coalesce(active_users.active_users, 0) as active_users,
        {{ percentage(
            'coalesce(active_users.active_users, 0)',
            'coalesce(total_users.total_users, 0)'
        ) }} as activation_rate_pct
    from report_months
    cross join user_types
    left join total_users
        on
            report_months.activity_month = total_users.activity_month
            and user_types.account_type = total_users.account_type
    left join active_users
        on
            report_months.activity_month = active_users.activity_month
            and user_types.account_type = active_users.account_type
)

select
    activity_month,
    user_type,
    total_users,
    active_users,
    activation_rate_pct
from final
order by activity_month, type_order
