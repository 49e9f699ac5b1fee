with

events as (
    select * from {{ ref('int_activity_events_unioned') }}
),

report_months as (
    {{ report_months('activity_month') }}
),

live_chemlink_activity as (
    select * from events
    where
        activity_source = 'chemlink'
        and person_status = 'live'
        and occurred_at < {{ as_of_end() }}
),

final as (
    select
        report_months.activity_month,
        count(distinct live_chemlink_activity.person_id) as active_users,
        count(distinct case
            when live_chemlink_activity.activity_type = 'view_access'
                then live_chemlink_activity.person_id
        end) as view_access_users,
        count(distinct case
            when live_chemlink_activity.activity_type = 'query_vote'
                then live_chemlink_activity.person_id
        end) as query_vote_users,
        count(distinct case
            when live_chemlink_activity.activity_type = 'collection'
                then live_chemlink_activity.person_id
        end) as collection_users,
        count(distinct case
            when live_chemlink_activity.activity_type = 'profile_update'
                then live_chemlink_activity.person_id
        end) as profile_update_users
    from report_months
    left join live_chemlink_activity
        on report_months.activity_month = live_chemlink_activity.activity_month
    group by report_months.activity_month
)

select * from final
order by activity_month
