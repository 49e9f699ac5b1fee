-- Engagement DB. Live posts and live comments by UTC month, last 12 months.
with months as (
    select (date_trunc('month', %(as_of)s::date) - make_interval(months => n))::date as activity_month
    from generate_series(0, 11) as n
),
events as (
    select created_at at time zone 'UTC' as happened_at, person_id, 'post' as kind
    from posts where deleted_at is null
    union all
    select created_at at time zone 'UTC', person_id, 'comment'
    from comments where deleted_at is null
),
windowed as (
    select date_trunc('month', happened_at)::date as activity_month, person_id, kind
    from events where happened_at < %(as_of)s::date + 1
)
select
    months.activity_month,
    count(distinct windowed.person_id) as active_users,
    count(distinct windowed.person_id) filter (where kind = 'post') as posting_users,
    count(distinct windowed.person_id) filter (where kind = 'comment') as commenting_users,
    count(*) filter (where kind = 'post') as posts,
    count(*) filter (where kind = 'comment') as comments
from months left join windowed using (activity_month)
group by 1
order by 1
