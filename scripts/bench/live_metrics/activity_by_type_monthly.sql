-- Engagement DB. Posts and comments per UTC month: unique users and counts.
with months as (
    select (date_trunc('month', %(as_of)s::date) - make_interval(months => n))::date as activity_month
    from generate_series(0, 11) as n
),
types as (
    select * from (values ('post', 1), ('comment', 2)) as t (activity_type, type_order)
),
events as (
    select created_at at time zone 'UTC' as happened_at, person_id, 'post' as activity_type
    from posts where deleted_at is null
    union all
    select created_at at time zone 'UTC', person_id, 'comment'
    from comments where deleted_at is null
),
windowed as (
    select date_trunc('month', happened_at)::date as activity_month, person_id, activity_type
    from events where happened_at < %(as_of)s::date + 1
)
select
    months.activity_month,
    types.activity_type,
    count(distinct windowed.person_id) as unique_users,
    count(windowed.person_id) as activity_count
from months
cross join types
left join windowed
    on windowed.activity_month = months.activity_month
    and windowed.activity_type = types.activity_type
group by months.activity_month, types.activity_type, types.type_order
order by months.activity_month, types.type_order
