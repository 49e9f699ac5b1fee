-- Engagement DB. Live posts and live comments by UTC day, last 30 days.
with days as (
    select %(as_of)s::date - n as activity_date from generate_series(0, 29) as n
),
events as (
    select (created_at at time zone 'UTC')::date as activity_date, person_id, 'post' as kind
    from posts where deleted_at is null
    union all
    select (created_at at time zone 'UTC')::date, person_id, 'comment'
    from comments where deleted_at is null
)
select
    days.activity_date,
    count(distinct events.person_id) as active_users,
    count(distinct events.person_id) filter (where kind = 'post') as posting_users,
    count(distinct events.person_id) filter (where kind = 'comment') as commenting_users,
    count(*) filter (where kind = 'post') as posts,
    count(*) filter (where kind = 'comment') as comments
from days left join events using (activity_date)
group by 1
order by 1
