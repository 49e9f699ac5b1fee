with

events as (
    select * from {{ ref('int_activity_events_unioned') }}
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

this_months_activity as (
    select * from events
    where
        activity_type in ('post', 'comment')
        and activity_month = {{ as_of_month() }}
        and occurred_at < {{ as_of_end() }}
),

users_by_type as (
    select
        activity_types.activity_type,
        activity_types.type_order,
        count(distinct this_months_activity.person_id) as unique_users
    from activity_types
    left join this_months_activity
        on activity_types.activity_type = this_months_activity.activity_type
    group by activity_types.activity_type, activity_types.type_order
),

-- a person who posted and commented counts once per type
users_with_total as (
    select
        *,
        cast(
            sum(unique_users) over () as {{ dbt.type_bigint() }}
        ) as users_of_both_types
    from users_by_type
),

final as (
    select
        {{ as_of_month() }} as activity_month,
        activity_type,
        type_order,
        unique_users,
        {{ percentage('unique_users', 'users_of_both_types') }} as percentage
    from users_with_total
)

select
    activity_month,
    activity_type,
    unique_users,
    percentage
from final
order by type_order
