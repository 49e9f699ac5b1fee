with

events as (
    select * from {{ ref('int_activity_events_unioned') }}
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
    from report_days
    left join live_chemlink_activity
        on report_days.activity_date = live_chemlink_activity.activity_date
    group by report_days.activity_date
)

select * from final
order by activity_date
