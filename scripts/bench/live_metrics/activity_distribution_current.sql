-- Engagement DB. The as-of month's unique posters and commenters, as shares of their sum.
with types as (
    select * from (values ('post', 1), ('comment', 2)) as t (activity_type, type_order)
),
events as (
    select person_id, 'post' as activity_type from posts
    where deleted_at is null
        and date_trunc('month', created_at at time zone 'UTC') = date_trunc('month', %(as_of)s::date)
        and (created_at at time zone 'UTC') < %(as_of)s::date + 1
    union all
    select person_id, 'comment' from comments
    where deleted_at is null
        and date_trunc('month', created_at at time zone 'UTC') = date_trunc('month', %(as_of)s::date)
        and (created_at at time zone 'UTC') < %(as_of)s::date + 1
),
per_type as (
    select types.activity_type, types.type_order, count(distinct events.person_id) as unique_users
    from types left join events using (activity_type)
    group by 1, 2
)
select
    date_trunc('month', %(as_of)s::date)::date as activity_month,
    activity_type,
    unique_users,
    case when sum(unique_users) over () > 0
        then round(100.0 * unique_users / sum(unique_users) over (), 2)
    end as percentage
from per_type
order by type_order
